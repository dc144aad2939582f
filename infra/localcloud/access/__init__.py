"""Access control for the local cloud: SigV4 verification and the authenticated role's policy.

``create(ctx)`` builds the guard the edge runs before moto. The same pieces
(``Authenticator``, ``CredentialAuthority``, ``role_policy``) serve the local
API Gateway and the local Cognito Identity.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from localcloud.access.authenticate import Authenticator
from localcloud.access.credentials import CredentialAuthority
from localcloud.access.guard import AccessGuard
from localcloud.access.policy import role_policy

if TYPE_CHECKING:
    from localcloud.services import ServiceContext

ROLE_LOGICAL_ID = "AuthenticatedRole"


def authenticator_for(ctx: ServiceContext, *, clock: Callable[[], float] = time.time) -> Authenticator:
    """The signature checker shared by the S3 guard and the local API Gateway."""
    return Authenticator(
        region=ctx.region, account_id=ctx.account_id,
        admin_access_key_id=ctx.admin_access_key_id, admin_secret_access_key=ctx.admin_secret_access_key,
        authority=CredentialAuthority.for_state_dir(ctx.state_dir, clock=clock),
        role_name=ctx.stack.physical_name(ROLE_LOGICAL_ID), clock=clock,
    )


def create(ctx: ServiceContext, *, clock: Callable[[], float] = time.time) -> AccessGuard:
    """The guard for requests bound for moto (see localcloud.services.Guard)."""
    return AccessGuard(authenticator_for(ctx, clock=clock), role_policy(ctx.stack.resources, ROLE_LOGICAL_ID),
                       clock=clock)
