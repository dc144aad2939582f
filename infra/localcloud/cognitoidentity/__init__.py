"""Local Cognito Identity: the template's identity pool with Google (stand-in) and user-pool logins, guests,
and both flows (enhanced: GetCredentialsForIdentity; basic: GetOpenIdToken, then localcloud.sts)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from moto.utilities.utils import load_resource

from localcloud.access.credentials import CredentialAuthority
from localcloud.access.roles import POOL_LOGICAL_ID, pool_roles
from localcloud.cognitoidentity.models import IdentityPoolBackend, IdentityStore, PoolConfig
from localcloud.cognitoidentity.openid import OpenIdTokens
from localcloud.cognitoidentity.responses import CognitoIdentityService
from localcloud.cognitoidentity.tokens import DiscoveredKeys, LoginProvider, StaticKeys

if TYPE_CHECKING:
    from localcloud.services import ServiceContext

Fetch = Callable[[str], dict[str, Any]]
GOOGLE = "accounts.google.com"


def pool_config_reader(ctx: ServiceContext, *, fetch: Fetch | None = None) -> Callable[[], PoolConfig]:
    """Reads the pool from the stack on each call (user-pool ids exist only after provisioning)."""
    google_keys = DiscoveredKeys(ctx.idp_url, fetch=fetch)
    # moto signs every user pool's tokens with one key pair shipped in moto, and serves
    # the same public half at /<pool id>/.well-known/jwks.json.
    user_pool_keys = StaticKeys(load_resource("cognitoidp/resources/jwks-public.json"))
    roles = pool_roles(ctx.stack).by_kind  # fixed by the template, unlike user-pool ids

    def read() -> PoolConfig:
        props = ctx.stack.resources[POOL_LOGICAL_ID]["Properties"]
        providers = {}
        for name, client_id in props.get("SupportedLoginProviders", {}).items():
            if name == GOOGLE:  # the app sends the same key as on AWS; the stand-in answers for Google
                providers[name] = LoginProvider(name, ctx.idp_url.rstrip("/"), str(client_id), google_keys)
        for entry in props.get("CognitoIdentityProviders", []):
            name = entry["ProviderName"]
            providers[name] = LoginProvider(name, f"https://{name}", entry["ClientId"], user_pool_keys,
                                            token_use="id")
        return PoolConfig(ctx.stack.physical_name(POOL_LOGICAL_ID), providers,
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
    return CognitoIdentityService(backend)
