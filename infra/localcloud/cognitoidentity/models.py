"""The identity pool's state and rules: stable identity ids per login, and credentials for them.

Identities are kept in a JSON file under the state directory, so the same
Google or user-pool account gets the same ``region:uuid`` identity id after a
restart, as it does on AWS. The pool itself (id, providers) comes from the
template through the stack.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from localcloud.access.credentials import CredentialAuthority, SessionCredentials
from localcloud.cognitoidentity.exceptions import (
    InvalidParameterException,
    NotAuthorizedException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from localcloud.cognitoidentity.tokens import LoginProvider, validate

log = logging.getLogger("localcloud.cognitoidentity")


@dataclass(frozen=True)
class PoolConfig:
    """What the template says about the identity pool."""

    pool_id: str
    providers: Mapping[str, LoginProvider]


class IdentityStore:
    """login ("provider|sub") -> identity id, persisted as JSON; safe across threads."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._logins: dict[str, str] = json.loads(path.read_text())["logins"] if path.exists() else {}

    def identity_for(self, login: str) -> str | None:
        """The identity a login is linked to, if any."""
        with self._lock:
            return self._logins.get(login)

    def known(self, identity_id: str) -> bool:
        """True when some login is linked to this identity."""
        with self._lock:
            return identity_id in self._logins.values()

    def link(self, logins: list[str], identity_id: str) -> None:
        """Link logins to an identity and write the file atomically."""
        with self._lock:
            self._logins.update(dict.fromkeys(logins, identity_id))
            self._path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"logins": self._logins}, indent=1))
            tmp.replace(self._path)


class IdentityPoolBackend:
    """GetId and GetCredentialsForIdentity for the template's one identity pool."""

    def __init__(self, config: Callable[[], PoolConfig], store: IdentityStore, authority: CredentialAuthority,
                 *, region: str, clock: Callable[[], float] = time.time) -> None:
        self._config = config  # read per call: user-pool ids are known only after provisioning
        self._store = store
        self._authority = authority
        self._region = region
        self._clock = clock

    def _pool(self, pool_id: str) -> PoolConfig:
        config = self._config()
        if pool_id != config.pool_id:
            raise ResourceNotFoundException(f"IdentityPool '{pool_id}' not found.")
        return config

    def _validated_logins(self, config: PoolConfig, logins: Mapping[str, str]) -> dict[str, str]:
        """provider name -> sub for every login, each token validated against its provider."""
        if not logins:
            raise NotAuthorizedException("Unauthenticated access is not supported for this identity pool.")
        subjects = {}
        for name, token in logins.items():
            provider = config.providers.get(name)
            if provider is None:
                raise NotAuthorizedException("Invalid login token. Token is not from a supported provider "
                                             "of this identity pool.")
            if not isinstance(token, str):
                raise InvalidParameterException("Logins values must be strings.")
            subjects[name] = str(validate(token, provider, now=self._clock())["sub"])
        return subjects

    def get_id(self, pool_id: str, logins: Mapping[str, str]) -> str:
        """The caller's identity id: the existing one for these logins, or a new ``region:uuid``."""
        config = self._pool(pool_id)
        keys = [f"{name}|{sub}" for name, sub in self._validated_logins(config, logins).items()]
        found = {i for i in (self._store.identity_for(k) for k in keys) if i}
        if len(found) > 1:
            raise ResourceConflictException("The logins are linked to different identities.")
        identity_id = found.pop() if found else f"{self._region}:{uuid.uuid4()}"
        self._store.link(keys, identity_id)
        log.info(json.dumps({"event": "get_id", "identity_id": identity_id, "providers": sorted(logins)}))
        return identity_id

    def get_credentials_for_identity(self, identity_id: str, logins: Mapping[str, str]) -> SessionCredentials:
        """One hour of the authenticated role for ``identity_id``, if the logins prove it is the caller's."""
        if not self._store.known(identity_id):
            raise ResourceNotFoundException(f"Identity '{identity_id}' not found.")
        config = self._config()
        subjects = self._validated_logins(config, logins) if logins else {}
        matching = [(n, s) for n, s in subjects.items() if self._store.identity_for(f"{n}|{s}") == identity_id]
        if not matching:
            raise NotAuthorizedException("Logins don't match. Please include at least one valid login for this "
                                         "identity or identity pool.")
        provider, subject = matching[0]
        credentials = self._authority.issue(identity_id=identity_id, identity_pool_id=config.pool_id,
                                            login_provider=provider, subject=subject)
        log.info(json.dumps({"event": "credentials_issued", "identity_id": identity_id, "provider": provider,
                             "access_key_id": credentials.access_key_id}))
        return credentials
