"""The temporary credentials the local Cognito Identity issues, and how they are recognised.

Like STS session tokens on AWS, a session token is self-contained: it carries
the identity, the login provider (none for an unauthenticated identity), the
role the credentials are for, the managed session policy that scopes them down
(Cognito's enhanced flow gives guests one; STS's AssumeRoleWithWebIdentity
none), the session name and the expiry, sealed with an HMAC key kept
under the local cloud's state directory. Every service that checks signatures
(the S3 guard, the local API Gateway) recomputes the secret key from the token,
so no credential table is shared between them and credentials survive restarts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from localcloud.access.errors import InvalidSessionToken, UnknownAccessKey

# GetCredentialsForIdentity hands out credentials valid for one hour (STS's default too).
LIFETIME_SECONDS = 3600
# The session name STS gives the sessions Cognito Identity's enhanced flow assumes.
COGNITO_SESSION_NAME = "CognitoIdentityCredentials"
_KEY_FILE = Path("access") / "session-key"
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


@dataclass(frozen=True)
class SessionCredentials:
    """One set of temporary credentials and the identity they stand for."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    identity_id: str
    identity_pool_id: str
    login_provider: str
    subject: str
    role_arn: str
    expiration: float
    # The name of the managed session policy that scopes the role down ("" for none).
    session_policy: str = ""
    session_name: str = COGNITO_SESSION_NAME

    @property
    def authenticated(self) -> bool:
        """False for a guest: an unauthenticated identity signed in with no login provider."""
        return bool(self.login_provider)

    @property
    def role_name(self) -> str:
        """The role's name, as STS names the assumed role in the session's ARN."""
        return self.role_arn.rsplit("/", 1)[-1]

    def expired(self, now: float) -> bool:
        """True once the credentials' hour is over (AWS refuses them from then on)."""
        return now >= self.expiration


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_key(state_dir: Path) -> bytes:
    """The sealing key under ``state_dir``, created once (atomically, so concurrent starters agree)."""
    path = state_dir / _KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        tmp.write_bytes(secrets.token_bytes(32))
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)  # fails if another process won the race: keep theirs
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_bytes()


class CredentialAuthority:
    """Mints session credentials for identities and resolves them back from requests."""

    def __init__(self, key: bytes, *, clock: Callable[[], float] = time.time) -> None:
        self._key = key
        self._clock = clock

    @classmethod
    def for_state_dir(cls, state_dir: Path, *, clock: Callable[[], float] = time.time) -> CredentialAuthority:
        """The authority shared by every service of one local cloud (same key file)."""
        return cls(load_key(state_dir), clock=clock)

    def _mac(self, purpose: str, payload: str) -> bytes:
        return hmac.new(self._key, f"{purpose}|{payload}".encode(), hashlib.sha256).digest()

    def issue(self, *, identity_id: str, identity_pool_id: str, role_arn: str, login_provider: str = "",
              subject: str = "", session_policy: str = "", session_name: str = COGNITO_SESSION_NAME,
              lifetime: int = LIFETIME_SECONDS) -> SessionCredentials:
        """New credentials of ``role_arn`` for ``identity_id`` lasting ``lifetime`` seconds from now (no login: a
        guest), scoped down by the managed ``session_policy`` when one is named."""
        # AWS temporary access keys start with ASIA; the rest is base32-like.
        access_key_id = "ASIA" + "".join(secrets.choice(_B32) for _ in range(16))
        claims = {"k": access_key_id, "i": identity_id, "p": identity_pool_id, "l": login_provider,
                  "s": subject, "r": role_arn, "sp": session_policy, "n": session_name,
                  "e": int(self._clock()) + lifetime}
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        token = f"{payload}.{_b64(self._mac('token', payload))}"
        return self._credentials(claims, payload, token)

    def _credentials(self, claims: dict[str, object], payload: str, token: str) -> SessionCredentials:
        secret = base64.b64encode(self._mac("secret", payload)[:30]).decode("ascii")
        return SessionCredentials(
            access_key_id=str(claims["k"]), secret_access_key=secret, session_token=token,
            identity_id=str(claims["i"]), identity_pool_id=str(claims["p"]),
            login_provider=str(claims["l"]), subject=str(claims["s"]), role_arn=str(claims["r"]),
            expiration=float(claims["e"]),  # type: ignore[arg-type]
            session_policy=str(claims["sp"]), session_name=str(claims["n"]),
        )

    def resolve(self, access_key_id: str, session_token: str | None) -> SessionCredentials:
        """The credentials behind a request's access key and token; expiry is the caller's check."""
        if not access_key_id.startswith("ASIA"):
            raise UnknownAccessKey(access_key_id)
        if not session_token:
            # A temporary key without its token is unknown to AWS as well.
            raise UnknownAccessKey(access_key_id)
        payload, _, mac = session_token.partition(".")
        try:
            genuine = hmac.compare_digest(_unb64(mac), self._mac("token", payload))
            claims = json.loads(_unb64(payload)) if genuine else None
        except (ValueError, UnicodeDecodeError):
            claims = None
        if not isinstance(claims, dict) or not {"k", "i", "p", "l", "s", "r", "sp", "n", "e"} <= claims.keys():
            # A token sealed before tokens recorded the role and session policy (an older state directory)
            # is refused likewise: it could otherwise escape the scope-down it was issued with.
            raise InvalidSessionToken("the session token is malformed or forged")
        if claims.get("k") != access_key_id:
            raise InvalidSessionToken("the session token belongs to another access key")
        return self._credentials(claims, payload, session_token)
