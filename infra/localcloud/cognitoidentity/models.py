"""The identity pool's state and rules: stable identity ids per login, guests, credentials and OpenID tokens.

Identities are kept in a JSON file under the state directory, so the same
Google or user-pool account gets the same ``region:uuid`` identity id after a
restart, as it does on AWS; so are the unauthenticated (guest) identities a
page keeps in its storage. The pool itself (id, providers, whether guests are
allowed, whether the basic flow is, the role of each kind of identity) comes
from the template through the stack.

Two flows, as on AWS. The enhanced flow (GetCredentialsForIdentity) assumes
the pool's role itself and, for a guest, scopes the credentials down with the
managed ``AmazonCognitoUnAuthedIdentitiesSessionPolicy``. The basic flow
(GetOpenIdToken, then STS's AssumeRoleWithWebIdentity with a role the caller
names) needs ``AllowClassicFlow`` and no session policy applies.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from localcloud.access.credentials import CredentialAuthority, SessionCredentials
from localcloud.access.sessionpolicies import COGNITO_UNAUTHED
from localcloud.cognitoidentity.exceptions import (
    InvalidIdentityPoolConfigurationException,
    InvalidParameterException,
    NotAuthorizedException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from localcloud.cognitoidentity.openid import OpenIdTokens
from localcloud.cognitoidentity.tokens import LoginProvider, validate

log = logging.getLogger("localcloud.cognitoidentity")


@dataclass(frozen=True)
class PoolConfig:
    """What the template says about the identity pool."""

    pool_id: str
    providers: Mapping[str, LoginProvider]
    name: str = ""
    allow_unauthenticated: bool = False
    allow_classic_flow: bool = False
    # Role ARN per kind of identity ("authenticated", "unauthenticated"), from the role attachment.
    roles: Mapping[str, str] = field(default_factory=dict)

    def role_for(self, kind: str) -> str:
        """The role identities of this kind get; AWS refuses credentials when the pool attaches none."""
        if kind not in self.roles:
            raise InvalidIdentityPoolConfigurationException(
                "Invalid identity pool configuration. Check assigned IAM roles for this pool.")
        return self.roles[kind]


class IdentityStore:
    """login ("provider|sub") -> identity id, and the guest identities; persisted as JSON, safe across threads."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        saved = json.loads(path.read_text()) if path.exists() else {}
        self._logins: dict[str, str] = saved.get("logins", {})
        self._guests: set[str] = set(saved.get("guests", []))

    def identity_for(self, login: str) -> str | None:
        """The identity a login is linked to, if any."""
        with self._lock:
            return self._logins.get(login)

    def known(self, identity_id: str) -> bool:
        """True for a guest identity or one some login is linked to."""
        with self._lock:
            return identity_id in self._guests or identity_id in self._logins.values()

    def is_guest(self, identity_id: str) -> bool:
        """True for an unauthenticated identity that no login has claimed."""
        with self._lock:
            return identity_id in self._guests

    def link(self, logins: list[str], identity_id: str) -> None:
        """Link logins to an identity."""
        with self._lock:
            self._logins.update(dict.fromkeys(logins, identity_id))
            self._save()

    def add_guest(self, identity_id: str) -> None:
        """Remember a new unauthenticated identity."""
        with self._lock:
            self._guests.add(identity_id)
            self._save()

    def _save(self) -> None:
        """Write the file atomically (the caller holds the lock)."""
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"logins": self._logins, "guests": sorted(self._guests)}, indent=1))
        tmp.replace(self._path)


def _require_guests_allowed(config: PoolConfig) -> None:
    if not config.allow_unauthenticated:
        raise NotAuthorizedException("Unauthenticated access is not supported for this identity pool.")


@dataclass(frozen=True)
class Caller:
    """Who asks for an identity's credentials or token: a guest, or a login proven to own the identity."""

    config: PoolConfig
    kind: str  # "authenticated" or "unauthenticated"
    provider: str = ""
    subject: str = ""


class IdentityPoolBackend:
    """The template's one identity pool: described, and GetId, GetCredentialsForIdentity, GetOpenIdToken."""

    def __init__(self, config: Callable[[], PoolConfig], store: IdentityStore, authority: CredentialAuthority,
                 tokens: OpenIdTokens, *, region: str, clock: Callable[[], float] = time.time) -> None:
        self._config = config  # read per call: user-pool ids are known only after provisioning
        self._store = store
        self._authority = authority
        self._tokens = tokens
        self._region = region
        self._clock = clock

    def _pool(self, pool_id: str) -> PoolConfig:
        config = self._config()
        if pool_id != config.pool_id:
            raise ResourceNotFoundException(f"IdentityPool '{pool_id}' not found.")
        return config

    def list_pools(self) -> list[PoolConfig]:
        """Every pool of the account and region: the template's one."""
        return [self._config()]

    def describe_pool(self, pool_id: str) -> PoolConfig:
        """The pool's configuration, as the template sets it."""
        return self._pool(pool_id)

    def _validated_logins(self, config: PoolConfig, logins: Mapping[str, str]) -> dict[str, str]:
        """provider name -> sub for every login, each token validated against its provider."""
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
        """The caller's identity id: the existing one for these logins, a new ``region:uuid``, or a new guest."""
        config = self._pool(pool_id)
        if not logins:
            return self._new_guest(config)
        keys = [f"{name}|{sub}" for name, sub in self._validated_logins(config, logins).items()]
        found = {i for i in (self._store.identity_for(k) for k in keys) if i}
        if len(found) > 1:
            raise ResourceConflictException("The logins are linked to different identities.")
        identity_id = found.pop() if found else self._new_identity_id()
        self._store.link(keys, identity_id)
        log.info(json.dumps({"event": "get_id", "identity_id": identity_id, "providers": sorted(logins)}))
        return identity_id

    def _new_identity_id(self) -> str:
        return f"{self._region}:{uuid.uuid4()}"

    def _new_guest(self, config: PoolConfig) -> str:
        # Without logins AWS creates a new unauthenticated identity on every call; the client keeps its id.
        _require_guests_allowed(config)
        identity_id = self._new_identity_id()
        self._store.add_guest(identity_id)
        log.info(json.dumps({"event": "get_id", "identity_id": identity_id, "providers": []}))
        return identity_id

    def _caller(self, identity_id: str, logins: Mapping[str, str]) -> Caller:
        """A guest identity asked for without logins, or an identity the logins prove is the caller's."""
        if not self._store.known(identity_id):
            raise ResourceNotFoundException(f"Identity '{identity_id}' not found.")
        config = self._config()
        if not logins and self._store.is_guest(identity_id):
            _require_guests_allowed(config)  # the pool may have stopped allowing them since
            return Caller(config, "unauthenticated")
        subjects = self._validated_logins(config, logins) if logins else {}
        matching = [(n, s) for n, s in subjects.items() if self._store.identity_for(f"{n}|{s}") == identity_id]
        if not matching:
            raise NotAuthorizedException("Logins don't match. Please include at least one valid login for this "
                                         "identity or identity pool.")
        provider, subject = matching[0]
        return Caller(config, "authenticated", provider, subject)

    def get_credentials_for_identity(self, identity_id: str, logins: Mapping[str, str]) -> SessionCredentials:
        """One hour of the pool's role for ``identity_id`` (the enhanced flow): the authenticated one if the
        logins prove it is the caller's; for a guest identity asked for without logins, the unauthenticated one
        scoped down by Cognito's managed session policy for guests."""
        caller = self._caller(identity_id, logins)
        guest = caller.kind == "unauthenticated"
        credentials = self._authority.issue(
            identity_id=identity_id, identity_pool_id=caller.config.pool_id,
            role_arn=caller.config.role_for(caller.kind), login_provider=caller.provider, subject=caller.subject,
            session_policy=COGNITO_UNAUTHED if guest else "")
        log.info(json.dumps({"event": "credentials_issued", "identity_id": identity_id, "kind": caller.kind,
                             "provider": caller.provider or None, "access_key_id": credentials.access_key_id}))
        return credentials

    def get_open_id_token(self, identity_id: str, logins: Mapping[str, str]) -> str:
        """A ten-minute OpenID token for ``identity_id`` (the basic flow's first step), refused unless the pool
        allows the basic flow; ``amr`` says whether the caller is a guest or signed in, and with what."""
        caller = self._caller(identity_id, logins)
        if not caller.config.allow_classic_flow:
            raise InvalidParameterException("Basic (classic) flow is not enabled, please use enhanced flow.")
        amr = [caller.kind, caller.provider] if caller.provider else [caller.kind]
        token = self._tokens.issue(identity_id=identity_id, pool_id=caller.config.pool_id, amr=amr)
        log.info(json.dumps({"event": "open_id_token_issued", "identity_id": identity_id, "kind": caller.kind,
                             "provider": caller.provider or None}))
        return token
