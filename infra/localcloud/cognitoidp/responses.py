"""The user-pool sign-in calls the local cloud answers itself, in front of moto's Cognito user pools.

moto answers ``USER_SRP_AUTH`` with random numbers and accepts any
``PASSWORD_CLAIM_SIGNATURE``: anyone could sign in as anyone without the
password. Here the SRP exchange is real (``srp.py``), every ``InitiateAuth``
flow must be one the app client allows (``ExplicitAuthFlows``, as AWS refuses
the others), and each pool's public keys are its own. Once the password is
proven, moto takes over (MFA, forced password change, tokens), so what happens
after the proof is moto's behaviour, unchanged.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.cognitoidp.exceptions import (
    InvalidParameterException,
    NotAuthorizedError,
    ResourceNotFoundError,
    UserNotConfirmedException,
    UserNotFoundError,
)
from moto.cognitoidp.models import (
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    RegionAgnosticBackend,
    UserStatus,
    cognitoidp_backends,
)
from moto.cognitoidp.utils import check_secret_hash
from moto.core.exceptions import JsonRESTError
from werkzeug.wrappers import Request, Response

from localcloud.cognitoidp.keys import UserPoolKeys
from localcloud.cognitoidp.srp import Challenge

log = logging.getLogger("localcloud.cognitoidp")

TARGET_PREFIX = "AWSCognitoIdentityProviderService."
CONTENT_TYPE = "application/x-amz-json-1.1"
_JWKS_PATH = re.compile(r"^/(?P<pool>[\w-]+)/\.well-known/jwks\.json$")
# A user pool's default AuthSessionValidity: a challenge must be answered within 3 minutes.
CHALLENGE_SECONDS = 180
WRONG_PASSWORD = "Incorrect username or password."
# InitiateAuth's AuthFlow -> the ExplicitAuthFlows entry that allows it.
_ALLOWING = {"USER_SRP_AUTH": "ALLOW_USER_SRP_AUTH", "USER_PASSWORD_AUTH": "ALLOW_USER_PASSWORD_AUTH",
             "REFRESH_TOKEN_AUTH": "ALLOW_REFRESH_TOKEN_AUTH", "REFRESH_TOKEN": "ALLOW_REFRESH_TOKEN_AUTH",
             "CUSTOM_AUTH": "ALLOW_CUSTOM_AUTH"}
# What a client created without ExplicitAuthFlows allows on AWS.
_DEFAULT_FLOWS = ("ALLOW_USER_SRP_AUTH", "ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")


@dataclass(frozen=True)
class _Pending:
    """A PASSWORD_VERIFIER challenge waiting for its answer (``known_user`` False: a decoy for an unknown user)."""

    pool: CognitoIdpUserPool
    client_id: str
    login: str  # the USERNAME the client signed in with (an email, for this template's pool)
    user_id: str
    known_user: bool
    big_a: int
    challenge: Challenge
    expires: float


def _pool_and_client(client_id: str) -> tuple[CognitoIdpUserPool, CognitoIdpUserPoolClient]:
    """The pool that has this app client, in whichever account and region (InitiateAuth is unsigned)."""
    for regions in cognitoidp_backends.values():
        for region, backend in regions.items():
            for pool in backend.user_pools.values() if region != "global" else ():
                if client_id in pool.clients:
                    return pool, pool.clients[client_id]
    raise ResourceNotFoundError(client_id)


def _allowed_flows(client: CognitoIdpUserPoolClient) -> tuple[str, ...]:
    flows = client.extended_config.get("ExplicitAuthFlows") or _DEFAULT_FLOWS
    # The legacy names (USER_PASSWORD_AUTH...) allow the same flows as their ALLOW_ forms.
    return tuple(f if f.startswith("ALLOW_") else f"ALLOW_{f}" for f in flows)


def _pool_name(pool: CognitoIdpUserPool) -> str:
    """The part of the pool id after the region: the SRP hash's 'pool name'."""
    return pool.id.split("_", 1)[1]


class UserPoolService:
    """EdgeService for InitiateAuth, RespondToAuthChallenge(PASSWORD_VERIFIER) and each pool's JWKS."""

    name = "cognito-idp"

    def __init__(self, keys: UserPoolKeys, *, account_id: str, region: str, clock: Callable[[], float] = time.time,
                 on_close: Callable[[], None] = lambda: None) -> None:
        self._keys = keys
        self._on_close = on_close
        self._moto = RegionAgnosticBackend(account_id, region)
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: dict[str, _Pending] = {}

    def matches(self, request: Request) -> bool:
        """A pool's JWKS, every InitiateAuth, and the answer to an SRP challenge."""
        if request.method == "GET":
            return _JWKS_PATH.match(request.path) is not None
        target = request.headers.get("X-Amz-Target", "")
        if target == TARGET_PREFIX + "InitiateAuth":
            return True
        if target != TARGET_PREFIX + "RespondToAuthChallenge":
            return False
        try:
            return self._params(request).get("ChallengeName") == "PASSWORD_VERIFIER"
        except InvalidParameterException:
            return False  # moto answers a malformed body as it does any other

    def dispatch(self, request: Request) -> Response:
        """Answer in Cognito's JSON protocol, errors as moto (and AWS) shape them."""
        try:
            if request.method == "GET":
                return self._jwks(_JWKS_PATH.match(request.path)["pool"])  # type: ignore[index]
            params = self._params(request)
            if request.headers["X-Amz-Target"].endswith("InitiateAuth"):
                body = self.initiate_auth(params)
            else:
                body = self.respond_to_auth_challenge(params)
        except JsonRESTError as error:
            return Response(error.get_body(), status=error.code, headers=dict(error.get_headers()))
        return Response(json.dumps(body), content_type=CONTENT_TYPE)

    def close(self) -> None:
        """Stop signing moto's tokens with these keys."""
        self._on_close()

    @staticmethod
    def _params(request: Request) -> dict[str, Any]:
        try:
            params = json.loads(request.get_data() or b"{}")
        except ValueError:
            params = None
        if not isinstance(params, dict):
            raise InvalidParameterException("The request body must be a JSON object.")
        return params

    def _jwks(self, pool_id: str) -> Response:
        if not any(pool_id in backend.user_pools for regions in cognitoidp_backends.values()
                   for backend in regions.values()):
            raise ResourceNotFoundError(f"User pool {pool_id} does not exist.")
        return Response(json.dumps(self._keys.jwks(pool_id)), content_type="application/json")

    # ------------------------------------------------------------ operations
    def initiate_auth(self, params: dict[str, Any]) -> dict[str, Any]:
        """Refuse a flow the client does not allow; start SRP here; leave the other flows to moto."""
        client_id, flow = str(params.get("ClientId", "")), str(params.get("AuthFlow", ""))
        auth = params.get("AuthParameters") or {}
        pool, client = _pool_and_client(client_id)
        if flow in _ALLOWING and _ALLOWING[flow] not in _allowed_flows(client):
            raise InvalidParameterException(f"{flow} flow not enabled for this client")
        if flow != "USER_SRP_AUTH":
            return self._moto.initiate_auth(client_id, flow, auth)
        username, srp_a = str(auth.get("USERNAME", "")), str(auth.get("SRP_A", ""))
        if client.generate_secret and not check_secret_hash(client.secret, client.id, username,
                                                            str(auth.get("SECRET_HASH", ""))):
            raise NotAuthorizedError(f"Client {client.id} is configured with secret but SECRET_HASH was not "
                                     "received")
        try:
            big_a = int(srp_a, 16)
        except ValueError:
            raise InvalidParameterException("SRP_A is not a hex number.") from None
        return self._challenge(pool, client, username, big_a)

    def _challenge(self, pool: CognitoIdpUserPool, client: CognitoIdpUserPoolClient, username: str,
                   big_a: int) -> dict[str, Any]:
        user = pool._get_user(username)
        if user is None:
            if client.extended_config.get("PreventUserExistenceErrors") != "ENABLED":
                raise UserNotFoundError("User does not exist.")
            # AWS answers an unknown user with a challenge too, then the same refusal as a wrong password.
            user_id, password, known = username, secrets.token_hex(16), False
        else:
            if not user.enabled:
                raise NotAuthorizedError("User is disabled.")
            if user.status == UserStatus.UNCONFIRMED:
                raise UserNotConfirmedException("User is not confirmed.")
            user_id, password, known = user.username, user.password or secrets.token_hex(16), True
        # AWS keeps a salted verifier made when the password was set; moto keeps the password, so the verifier
        # is derived per challenge with a fresh salt. The client sees the same exchange either way.
        challenge = Challenge.start(_pool_name(pool), user_id, password)
        secret_block = base64.b64encode(secrets.token_bytes(64)).decode()
        now = self._clock()
        with self._lock:
            self._pending = {k: p for k, p in self._pending.items() if p.expires > now}
            self._pending[secret_block] = _Pending(pool, client.id, username, user_id, known, big_a, challenge,
                                                   now + CHALLENGE_SECONDS)
        return {"ChallengeName": "PASSWORD_VERIFIER", "ChallengeParameters": {
            "SALT": f"{challenge.salt:x}", "SRP_B": f"{challenge.big_b:x}", "SECRET_BLOCK": secret_block,
            "USER_ID_FOR_SRP": user_id, "USERNAME": user_id}}

    def respond_to_auth_challenge(self, params: dict[str, Any]) -> dict[str, Any]:
        """Check the password claim; once proven, moto answers as for its own PASSWORD_VERIFIER."""
        client_id = str(params.get("ClientId", ""))
        answers = params.get("ChallengeResponses") or {}
        secret_block = str(answers.get("PASSWORD_CLAIM_SECRET_BLOCK", ""))
        with self._lock:
            pending = self._pending.pop(secret_block, None)  # one answer per challenge
        if pending is None or pending.expires <= self._clock() or pending.client_id != client_id:
            raise NotAuthorizedError("Invalid session for the user, session is expired.")
        if str(answers.get("USERNAME", "")) != pending.user_id:
            raise NotAuthorizedError(WRONG_PASSWORD)
        try:
            proven = pending.challenge.signature_matches(
                big_a=pending.big_a, pool_name=_pool_name(pending.pool), user_id=pending.user_id,
                secret_block=secret_block, timestamp=str(answers.get("TIMESTAMP", "")),
                signature=str(answers.get("PASSWORD_CLAIM_SIGNATURE", "")))
        except (binascii.Error, ValueError):
            proven = False
        if not (proven and pending.known_user):
            log.info(json.dumps({"event": "srp_refused", "pool": pending.pool.id}))
            raise NotAuthorizedError(WRONG_PASSWORD)
        # moto names the user in its tokens (email, cognito:username) after the name it is handed.
        backend = pending.pool.backend
        backend.sessions[secret_block] = (pending.login, pending.pool)
        return backend.respond_to_auth_challenge(secret_block, client_id, "PASSWORD_VERIFIER",
                                                 {**answers, "USERNAME": pending.login})
