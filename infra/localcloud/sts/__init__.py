"""Local STS, for the one call the browser makes to it: AssumeRoleWithWebIdentity (the basic flow's second step).

Every other STS call still goes to moto past the access guard.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from localcloud.access.credentials import CredentialAuthority
from localcloud.cognitoidentity.openid import OpenIdTokens
from localcloud.sts.service import StsService, web_identity_roles

if TYPE_CHECKING:
    from localcloud.services import ServiceContext


def create(ctx: ServiceContext, *, clock: Callable[[], float] = time.time) -> StsService:
    """The edge service for ``Action=AssumeRoleWithWebIdentity`` query requests."""
    return StsService(web_identity_roles(ctx.stack), OpenIdTokens.for_state_dir(ctx.state_dir, clock=clock),
                      CredentialAuthority.for_state_dir(ctx.state_dir, clock=clock), account_id=ctx.account_id)
