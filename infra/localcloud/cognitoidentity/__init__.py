"""Local Cognito Identity: the template's identity pool with Google (stand-in) and user-pool logins, guests,
and both flows (enhanced: GetCredentialsForIdentity; basic: GetOpenIdToken, then localcloud.sts)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from localcloud.access import authenticator_for
from localcloud.access.credentials import CredentialAuthority
from localcloud.access.roles import POOL_LOGICAL_ID, pool_roles
from localcloud.cognitoidp.keys import PoolKeySource, UserPoolKeys
from localcloud.cognitoidentity.models import IdentityPoolBackend, IdentityStore, PoolConfig
from localcloud.cognitoidentity.openid import OpenIdTokens
from localcloud.cognitoidentity.responses import CognitoIdentityService
from localcloud.cognitoidentity.tokens import DiscoveredKeys, LoginProvider

if TYPE_CHECKING:
    from localcloud.services import ServiceContext

Fetch = Callable[[str], dict[str, Any]]
GOOGLE = "accounts.google.com"


def pool_config_reader(ctx: ServiceContext, *, fetch: Fetch | None = None) -> Callable[[], PoolConfig]:
    """Reads the pool from the stack on each call (user-pool ids exist only after provisioning)."""
    google_keys = DiscoveredKeys(ctx.idp_url, fetch=fetch)
    # Each user pool signs with its own key (localcloud.cognitoidp), never moto's published one.
    user_pool_keys = UserPoolKeys(ctx.state_dir)
    roles = pool_roles(ctx.stack).by_kind  # fixed by the template, unlike user-pool ids

    def read() -> PoolConfig:
        props = ctx.stack.resources[POOL_LOGICAL_ID]["Properties"]
        providers = {}
        for name, client_id in props.get("SupportedLoginProviders", {}).items():
            if name == GOOGLE:  # the app sends the same key as on AWS; the stand-in answers for Google
                providers[name] = LoginProvider(name, ctx.idp_url.rstrip("/"), str(client_id), google_keys)
        for entry in props.get("CognitoIdentityProviders", []):
            name = entry["ProviderName"]
            pool_keys = PoolKeySource(user_pool_keys, name.rsplit("/", 1)[-1])
            providers[name] = LoginProvider(name, f"https://{name}", entry["ClientId"], pool_keys, token_use="id")
        return PoolConfig(ctx.stack.physical_name(POOL_LOGICAL_ID), providers,
                          name=str(props.get("IdentityPoolName", POOL_LOGICAL_ID)),
                          allow_unauthenticated=_flag(props, "AllowUnauthenticatedIdentities"),
                          allow_classic_flow=_flag(props, "AllowClassicFlow"), roles=roles)

    return read


def _flag(props: dict[str, Any], name: str) -> bool:
    """A boolean pool property; absent means false (AWS's default for both flags we read)."""
    return str(props.get(name)).lower() == "true"


def create(ctx: ServiceContext, *, clock: Callable[[], float] = time.time,
           fetch: Fetch | None = None) -> CognitoIdentityService:
    """The edge service for X-Amz-Target AWSCognitoIdentityService.* requests (``fetch`` reads the IdP's JSON)."""
    backend = IdentityPoolBackend(
        pool_config_reader(ctx, fetch=fetch), IdentityStore(ctx.state_dir / "cognitoidentity" / "identities.json"),
        CredentialAuthority.for_state_dir(ctx.state_dir, clock=clock),
        OpenIdTokens.for_state_dir(ctx.state_dir, clock=clock), region=ctx.region, clock=clock)
    return CognitoIdentityService(backend, authenticator_for(ctx, clock=clock))
