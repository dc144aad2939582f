"""OpenID tokens for identities, as Cognito Identity's GetOpenIdToken issues them for the basic (classic) flow.

The token is what a caller hands STS's AssumeRoleWithWebIdentity: an RS256
JWT from ``https://cognito-identity.amazonaws.com`` whose ``aud`` is the
identity pool, ``sub`` the identity id and ``amr`` says how the identity signed
in (``["unauthenticated"]`` for a guest, ``["authenticated", <provider>]``
otherwise); roles' trust policies test exactly those. It lasts ten minutes. The
signing key is the local cloud's own, generated once under the state directory
(AWS's key is not ours to have, and a key shipped in the repository would let
anyone mint tokens).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from localcloud.idp.keys import load_signing_key

ISSUER = "https://cognito-identity.amazonaws.com"
# GetOpenIdToken's tokens are valid for ten minutes.
LIFETIME_SECONDS = 600
_KEY_FILE = Path("cognitoidentity") / "openid-signing-key.json"


class InvalidToken(Exception):
    """The token is no JWT this local Cognito Identity signed (malformed, forged, or another issuer's)."""


class ExpiredToken(Exception):
    """A genuine token past its ``exp``."""

    def __init__(self, now: float, expires: float) -> None:
        super().__init__(f"now {int(now)} >= exp {int(expires)}")
        self.now, self.expires = now, expires


@dataclass(frozen=True)
class OpenIdClaims:
    """What a verified token says: the identity, its pool, and how it signed in."""

    identity_id: str
    pool_id: str
    amr: tuple[str, ...]
    expires: float

    @property
    def authenticated(self) -> bool:
        """True when the identity signed in with a login provider."""
        return "authenticated" in self.amr

    @property
    def provider(self) -> str:
        """The login provider of an authenticated identity ("" for a guest)."""
        return next((m for m in self.amr if m not in ("authenticated", "unauthenticated")), "")


class OpenIdTokens:
    """Issues and verifies the pool's OpenID tokens with one key kept under the state directory."""

    def __init__(self, key: RSAKey, *, clock: Callable[[], float] = time.time) -> None:
        self._key = key
        self._clock = clock

    @classmethod
    def for_state_dir(cls, state_dir: Path, *, clock: Callable[[], float] = time.time) -> OpenIdTokens:
        """The issuer every service of one local cloud shares (Cognito Identity signs, STS verifies)."""
        return cls(load_signing_key(state_dir, _KEY_FILE), clock=clock)

    def issue(self, *, identity_id: str, pool_id: str, amr: list[str]) -> str:
        """A signed token for ``identity_id`` of ``pool_id`` lasting LIFETIME_SECONDS."""
        now = int(self._clock())
        claims: dict[str, Any] = {"iss": ISSUER, "sub": identity_id, "aud": pool_id, "amr": amr,
                                  "iat": now, "exp": now + LIFETIME_SECONDS, "jti": secrets.token_hex(8)}
        header = {"alg": "RS256", "kid": self._key.kid, "typ": "JWS"}
        return jwt.encode(header, claims, self._key, algorithms=["RS256"])

    def verify(self, token: str) -> OpenIdClaims:
        """The claims of a token this key signed for ISSUER; raises InvalidToken or ExpiredToken."""
        try:
            claims = dict(jwt.decode(token, self._key, algorithms=["RS256"]).claims)
        except (JoseError, ValueError, TypeError):
            raise InvalidToken("signature, algorithm or encoding") from None
        amr, expires = claims.get("amr"), claims.get("exp")
        if (claims.get("iss") != ISSUER or not isinstance(claims.get("sub"), str)
                or not isinstance(claims.get("aud"), str) or not isinstance(amr, list)
                or not isinstance(expires, (int, float))):
            raise InvalidToken("claims")
        now = self._clock()
        if expires <= now:
            raise ExpiredToken(now, expires)
        return OpenIdClaims(claims["sub"], claims["aud"], tuple(str(m) for m in amr), float(expires))
