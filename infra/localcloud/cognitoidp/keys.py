"""Each user pool's own RS256 signing key, kept under the state directory, and the tokens moto issues re-signed with it.

moto signs every pool's tokens with one key pair whose private half ships in
moto's source (``moto/cognitoidp/resources/jwks-private.json``), so anyone could
mint a token for any user. Here each pool gets a key of the local cloud's own,
as each AWS user pool has its own, published at the pool's
``/.well-known/jwks.json``; moto still decides the claims.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from moto.cognitoidp.models import CognitoIdpUserPool

from localcloud.idp.keys import load_signing_key, public_jwks

# moto's pool ids are <region>_<letters and digits>; anything else never names a key file.
_POOL_ID = re.compile(r"^[\w-]+_[0-9A-Za-z]+$")
_MOTO_CREATE_JWT = CognitoIdpUserPool.create_jwt


class UserPoolKeys:
    """Signing keys per user pool id, created on first use and kept across restarts.

    Each is read once: importing a private key checks it (35 ms of CPU for RSA 2048), which
    every token moto issues and every Cognito Identity exchange with a pool's token paid.
    """

    def __init__(self, state_dir: Path) -> None:
        self._state_dir = state_dir
        self._keys: dict[str, RSAKey] = {}
        self._lock = threading.Lock()

    def key(self, pool_id: str) -> RSAKey:
        """The pool's private key (raises ValueError for a string that is no pool id)."""
        if not _POOL_ID.match(pool_id):
            raise ValueError(f"not a user pool id: {pool_id!r}")
        with self._lock:
            if pool_id not in self._keys:
                self._keys[pool_id] = load_signing_key(self._state_dir, Path("cognitoidp") / f"{pool_id}.json")
            return self._keys[pool_id]

    def jwks(self, pool_id: str) -> dict[str, Any]:
        """The public half, as the pool's ``/.well-known/jwks.json`` serves it."""
        return public_jwks(self.key(pool_id))

    def key_set(self, pool_id: str) -> KeySet:
        """The public keys a relying party (Cognito Identity) verifies the pool's tokens with."""
        return KeySet.import_key_set(self.jwks(pool_id))  # type: ignore[arg-type]

    def resign(self, pool_id: str, token: str) -> str:
        """``token``'s claims signed with the pool's key instead of moto's published one."""
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        key = self.key(pool_id)
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key, algorithms=["RS256"])


@dataclass(frozen=True)
class PoolKeySource:
    """One pool's public keys where a relying party wants them (``cognitoidentity.tokens.KeySource``)."""

    keys: UserPoolKeys
    pool_id: str

    def key_set(self, *, refresh: bool = False) -> KeySet:
        """The pool's keys (read when needed: the pool id exists only once the template is provisioned)."""
        return self.keys.key_set(self.pool_id)


# Key stores signing moto's tokens, innermost last: moto's backends are process-wide, so a second local cloud
# (or a test's pool) in the same process signs until it closes, then the one before it signs again.
_signers: list[UserPoolKeys] = []


@functools.wraps(_MOTO_CREATE_JWT)
def _create_jwt(pool: CognitoIdpUserPool, *args: Any, **kwargs: Any) -> tuple[str, int]:
    token, expires_in = _MOTO_CREATE_JWT(pool, *args, **kwargs)
    return (_signers[-1].resign(pool.id, token) if _signers else token), expires_in


def sign_tokens_with(keys: UserPoolKeys) -> Callable[[], None]:
    """Make moto's pools sign every token they issue with their key in ``keys``; call the answer to stop."""
    CognitoIdpUserPool.create_jwt = _create_jwt  # type: ignore[method-assign]
    _signers.append(keys)

    def stop() -> None:
        if keys in _signers:
            _signers.remove(keys)
        if not _signers:
            CognitoIdpUserPool.create_jwt = _MOTO_CREATE_JWT  # type: ignore[method-assign]

    return stop
