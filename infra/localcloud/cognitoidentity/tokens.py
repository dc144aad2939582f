"""Validate login tokens the way Cognito Identity does before it trusts an identity provider.

For each provider of the pool: the token must be a JWS signed with RS256 by a
key in the provider's JWKS (``alg=none``, HMAC and unknown key ids are
refused), issued by the provider's issuer, for the configured client id
(``aud``), not expired, not used before its ``nbf`` or ``iat`` (with a minute
of clock skew), and, for user pools, an ID token (``token_use=id``).
Messages follow Cognito's ``Invalid login token. ...`` wording.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from localcloud.cognitoidentity.exceptions import NotAuthorizedException

# Cognito accepts RSA-signed tokens; Google and Cognito user pools both sign with RS256.
ALLOWED_ALGORITHMS = ("RS256",)
# An unknown kid triggers at most one JWKS refresh per this many seconds (key rotation).
REFRESH_INTERVAL_SECONDS = 30.0
# How far ahead of our clock an issuer's may run; AWS publishes no figure, a minute covers NTP-synced hosts.
CLOCK_SKEW_SECONDS = 60


class KeySource(Protocol):
    """Where a provider's public keys come from."""

    def key_set(self, *, refresh: bool = False) -> KeySet: ...


class DiscoveredKeys:
    """Keys fetched from the issuer's discovery document (``jwks_uri``), cached, refreshed on unknown kid."""

    def __init__(self, issuer: str, *, fetch: Callable[[str], dict[str, Any]] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._issuer = issuer.rstrip("/")
        self._fetch = fetch or _fetch_json
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: KeySet | None = None
        self._fetched_at = float("-inf")

    def key_set(self, *, refresh: bool = False) -> KeySet:
        with self._lock:
            stale = refresh and self._clock() - self._fetched_at >= REFRESH_INTERVAL_SECONDS
            if self._keys is None or stale:
                discovery = self._fetch(f"{self._issuer}/.well-known/openid-configuration")
                self._keys = KeySet.import_key_set(self._fetch(discovery["jwks_uri"]))  # type: ignore[arg-type]
                self._fetched_at = self._clock()
            return self._keys


def _fetch_json(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - local provider URLs only
        return json.loads(response.read())


@dataclass(frozen=True)
class LoginProvider:
    """One entry of an identity pool's providers: the Logins key and what its tokens must say."""

    name: str
    issuer: str
    audience: str
    keys: KeySource
    token_use: str | None = None


def _header(token: str) -> dict[str, Any]:
    try:
        segment = token.split(".")[0]
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, IndexError):
        header = None
    if not isinstance(header, dict) or token.count(".") != 2:
        raise NotAuthorizedException("Invalid login token. Not a valid OpenId Connect identity token.")
    return header


def _verified_claims(token: str, provider: LoginProvider) -> dict[str, Any]:
    header = _header(token)
    if header.get("alg") not in ALLOWED_ALGORITHMS or not header.get("kid"):
        raise NotAuthorizedException("Invalid login token. Couldn't verify signed token.")
    keys = provider.keys.key_set()
    if not any(k.kid == header["kid"] for k in keys.keys):
        keys = provider.keys.key_set(refresh=True)
    try:
        return dict(jwt.decode(token, keys, algorithms=list(ALLOWED_ALGORITHMS)).claims)
    except (JoseError, ValueError):
        raise NotAuthorizedException("Invalid login token. Couldn't verify signed token.") from None


def validate(token: str, provider: LoginProvider, *, now: float) -> dict[str, Any]:
    """The token's claims once signature, issuer, audience, expiry, nbf/iat and token use all check out."""
    claims = _verified_claims(token, provider)
    if claims.get("iss") != provider.issuer:
        raise NotAuthorizedException("Invalid login token. Issuer doesn't match providerName")
    audience = claims.get("aud")
    if provider.audience not in (audience if isinstance(audience, list) else [audience]):
        raise NotAuthorizedException("Invalid login token. Incorrect token audience.")
    expires = claims.get("exp")
    if not isinstance(expires, (int, float)) or expires <= now:
        raise NotAuthorizedException(f"Invalid login token. Token expired: {int(now)} >= {expires}")
    try:  # nbf and iat, and the registered claims' types, as RFC 7519 has them
        JWTClaimsRegistry(now=int(now), leeway=CLOCK_SKEW_SECONDS).validate(claims)
    except JoseError as error:
        raise NotAuthorizedException(f"Invalid login token. {error.description}") from None
    if provider.token_use and claims.get("token_use") != provider.token_use:
        raise NotAuthorizedException("Invalid login token. Token is not an ID token.")
    if not claims.get("sub"):
        raise NotAuthorizedException("Invalid login token. Missing sub claim.")
    return claims
