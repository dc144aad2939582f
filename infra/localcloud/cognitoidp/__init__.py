"""Local Cognito user pools: moto's, with real SRP sign-in, the client's allowed flows enforced, and a signing
key of the local cloud's own per pool (see responses.py and keys.py)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from localcloud.cognitoidp.keys import UserPoolKeys, sign_tokens_with
from localcloud.cognitoidp.responses import UserPoolService

if TYPE_CHECKING:
    from localcloud.services import ServiceContext


def create(ctx: ServiceContext, *, clock: Callable[[], float] = time.time) -> UserPoolService:
    """The edge service for user-pool sign-in and JWKS; from now on tokens are signed with the pools' own keys."""
    keys = UserPoolKeys(ctx.state_dir)
    return UserPoolService(keys, account_id=ctx.account_id, region=ctx.region, clock=clock,
                           on_close=sign_tokens_with(keys))
