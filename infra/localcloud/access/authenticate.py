"""Who signed a request: the local cloud's admin, or a Cognito identity's temporary credentials."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from werkzeug.wrappers import Request

from localcloud.access.credentials import CredentialAuthority, SessionCredentials
from localcloud.access.errors import AccessDenied, ExpiredSessionToken, IncompleteSignature, MissingAuthentication
from localcloud.access.postpolicy import form_claim, is_form_upload, verify_form
from localcloud.access.sigv4 import SignatureClaim, read_claim, verify


@dataclass(frozen=True)
class Principal:
    """The verified signer of one request."""

    access_key_id: str
    arn: str
    service: str
    session: SessionCredentials | None = None

    @property
    def admin(self) -> bool:
        """True for the local cloud's own credentials (Lambdas, tools, tests): allowed everything."""
        return self.session is None


class Authenticator:
    """Checks SigV4 on a request against the admin key or the credentials the local Cognito issued."""

    def __init__(self, *, region: str, account_id: str, admin_access_key_id: str, admin_secret_access_key: str,
                 authority: CredentialAuthority, clock: Callable[[], float] = time.time) -> None:
        self._region = region
        self._account_id = account_id
        self._admin = (admin_access_key_id, admin_secret_access_key)
        self._authority = authority
        self._clock = clock

    def _session_arn(self, session: SessionCredentials) -> str:
        # What STS reports for an AssumeRoleWithWebIdentity session (Cognito's enhanced flow names it
        # CognitoIdentityCredentials; the basic flow, the caller's RoleSessionName).
        return f"arn:aws:sts::{self._account_id}:assumed-role/{session.role_name}/{session.session_name}"

    def authenticate(self, request: Request, *, service: str | None = None, any_region: bool = False) -> Principal:
        """The verified principal; raises an AuthError subclass when the request must be refused.

        ``any_region``: moto's services answer every region (each starts empty), as AWS does; PetTube's own
        services live in the template's region only.
        """
        claim = read_claim(request)
        if claim is None and is_form_upload(request):
            claim = form_claim(request)
        if claim is None:
            raise MissingAuthentication("Missing Authentication Token")
        self._check_scope(claim, service, any_region=any_region)
        now = self._clock()
        check = verify if claim.policy is None else verify_form
        if claim.access_key_id == self._admin[0]:
            check(request, claim, self._admin[1], now=now)
            return Principal(claim.access_key_id, f"arn:aws:iam::{self._account_id}:root", claim.service)
        session = self._authority.resolve(claim.access_key_id, claim.session_token)
        if session.expired(now):
            raise ExpiredSessionToken("The security token included in the request is expired")
        check(request, claim, session.secret_access_key, now=now)
        return Principal(claim.access_key_id, self._session_arn(session), claim.service, session)

    def admin(self, request: Request, *, service: str) -> Principal:
        """The admin principal of a request signed for ``service``; AccessDenied for a Cognito identity's
        credentials (the pool's roles grant nothing on the APIs that only an administrator uses)."""
        principal = self.authenticate(request, service=service)
        if not principal.admin:
            raise AccessDenied(f"User: {principal.arn} is not authorized to perform this {service} action",
                               principal_arn=principal.arn, action=f"{service}:*", resource="*")
        return principal

    def _check_scope(self, claim: SignatureClaim, service: str | None, *, any_region: bool) -> None:
        if claim.region != self._region and not any_region:
            raise IncompleteSignature(
                f"Credential should be scoped to a valid region, not '{claim.region}'. Expecting '{self._region}'")
        if service is not None and claim.service != service:
            raise IncompleteSignature(
                f"Credential should be scoped to correct service: '{service}'. not '{claim.service}'")
