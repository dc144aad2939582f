"""Access control for the local cloud: SigV4 verification and the policies of the identity pool's roles.

``create(ctx)`` builds the guard the edge runs before moto. The same pieces
(``Authenticator``, ``CredentialAuthority``, ``pool_roles``) serve the local
API Gateway and the local Cognito Identity.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from localcloud.access.authenticate import Authenticator
from localcloud.access.credentials import CredentialAuthority
from localcloud.access.guard import AccessGuard
from localcloud.access.roles import pool_roles

if TYPE_CHECKING:
    from localcloud.services import ServiceContext


def authenticator_for(ctx: ServiceContext, *, clock: Callable[[], float] = time.time) -> Authenticator:
    """The signature checker shared by the S3 guard and the local API Gateway."""
    return Authenticator(
        region=ctx.region, account_id=ctx.account_id,
        admin_access_key_id=ctx.admin_access_key_id, admin_secret_access_key=ctx.admin_secret_access_key,
        authority=CredentialAuthority.for_state_dir(ctx.state_dir, clock=clock), clock=clock,
    )


def create(ctx: ServiceContext, *, clock: Callable[[], float] = time.time) -> AccessGuard:
    """The guard for requests bound for moto (see localcloud.services.Guard)."""
    return AccessGuard(authenticator_for(ctx, clock=clock), pool_roles(ctx.stack), clock=clock)
