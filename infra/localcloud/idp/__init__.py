"""The local Google stand-in (OpenID Connect provider). The lead serves ``create_app(ctx)`` on its own port."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from localcloud.idp.app import IdentityProvider
from localcloud.idp.keys import load_signing_key

if TYPE_CHECKING:
    from localcloud.services import ServiceContext


def create_app(ctx: ServiceContext, *, clock: Callable[[], float] = time.time) -> IdentityProvider:
    """The provider for this local cloud: issuer ctx.idp_url, audience the template's GoogleClientId."""
    return IdentityProvider(issuer=ctx.idp_url, client_id=ctx.stack.parameters["GoogleClientId"],
                            site_url=ctx.site_url, key=load_signing_key(ctx.state_dir), clock=clock)
