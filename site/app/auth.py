"""From an ID token to temporary AWS credentials (Cognito Identity), and when to renew them.

Both ways in end here: a Google ID token (Google Identity Services on AWS, the
local stand-in at home) or a Cognito user-pool ID token. The page never checks a
token's signature itself: Cognito does, and refuses what it does not trust.
Guests, who have no token, take the guest role by Cognito's basic flow.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode

from .signing import Credentials

GOOGLE = "accounts.google.com"
# Cognito's answer to a guest identity id it no longer knows (pool re-created, identity merged on sign-in).
STALE_GUEST_CODES = frozenset({"ResourceNotFoundException", "NotAuthorizedException"})
# Renew this long before the credentials expire, so no signed request dies mid-flight.
RENEW_MARGIN_SECONDS = 300
RETRY_RENEW_SECONDS = 30


class AuthError(Exception):
    """Signing in or renewing failed; the message is for the person."""


class TokenError(AuthError):
    """An ID token could not be read."""


@dataclass(frozen=True)
class Profile:
    """Who is signed in, as shown in the header."""

    name: str
    email: str
    picture: str
    subject: str

    @property
    def initials(self) -> str:
        """Shown when there is no picture."""
        words = [word for word in self.name.split() if word] or [self.email or "?"]
        return "".join(word[0] for word in words[:2]).upper()


@dataclass(frozen=True)
class Login:
    """An ID token and the Cognito Logins key of the provider that issued it."""

    provider: str
    token: str

    @property
    def claims(self) -> dict[str, Any]:
        """The token's payload (display and expiry only: Cognito verifies the signature)."""
        return token_claims(self.token)

    @property
    def expires_at(self) -> datetime:
        """When Cognito stops accepting this token."""
        return datetime.fromtimestamp(int(self.claims.get("exp", 0)), timezone.utc)

    def profile(self) -> Profile:
        """The person's name, email and picture from the token."""
        claims = self.claims
        email = str(claims.get("email", ""))
        name = str(claims.get("name") or email or claims.get("cognito:username") or "You")
        return Profile(name=name, email=email, picture=str(claims.get("picture", "")), subject=str(claims.get("sub", "")))


def token_claims(token: str) -> dict[str, Any]:
    """Decode a JWT's payload without verifying it."""
    try:
        payload = token.split(".")[1]
        padded = payload + "=" * (-len(payload) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except (IndexError, ValueError) as exc:
        raise TokenError("The sign-in answer did not contain a readable token.") from exc
    if not isinstance(claims, dict):
        raise TokenError("The sign-in token has no claims.")
    return claims


def authorize_url(
    idp_url: str,
    client_id: str,
    redirect_uri: str,
    nonce: str,
    state: str,
    *,
    login_hint: str | None = None,
    silent: bool = False,
) -> str:
    """The OpenID Connect implicit-flow request (``id_token`` in the fragment) to the local Google stand-in."""
    params = {
        "response_type": "id_token",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": "openid email profile",
        "nonce": nonce,
        "state": state,
    }
    if login_hint:
        params["login_hint"] = login_hint
    if silent:
        params["prompt"] = "none"
    return f"{idp_url.rstrip('/')}/authorize?{urlencode(params)}"


def credential_from_fragment(fragment: str, state: str, nonce: str) -> str:
    """The ID token from a redirect's ``#id_token=...`` once state and nonce prove it answers our request."""
    answer = dict(parse_qsl(fragment.lstrip("#")))
    if "error" in answer:
        raise AuthError(answer.get("error_description") or f"Sign-in failed ({answer['error']}).")
    if answer.get("state") != state:
        raise AuthError("The sign-in answer does not match this page's request. Please try again.")
    token = answer.get("id_token", "")
    if token_claims(token).get("nonce") != nonce:
        raise AuthError("The sign-in answer was meant for another request. Please try again.")
    return token


def exchange(client: Any, identity_pool_id: str, login: Login, identity_id: str | None = None) -> tuple[str, Credentials]:
    """GetId (once) and GetCredentialsForIdentity: the identity id and its temporary credentials."""
    from botocore.exceptions import ClientError

    logins = {login.provider: login.token}
    try:
        if identity_id is None:
            identity_id = client.get_id(IdentityPoolId=identity_pool_id, Logins=logins)["IdentityId"]
        answer = client.get_credentials_for_identity(IdentityId=identity_id, Logins=logins)
    except ClientError as exc:
        raise AuthError(f"Sign-in was refused ({_code(exc)}). Please sign in again.") from exc
    return answer.get("IdentityId", identity_id), _credentials(answer)


def guest_exchange(identity: Any, sts: Any, identity_pool_id: str, guest_role_arn: str,
                   identity_id: str | None = None) -> tuple[str, Credentials]:
    """Guest credentials by Cognito's basic flow: GetId (once), GetOpenIdToken, then STS's
    AssumeRoleWithWebIdentity with the guest role.

    Not the enhanced flow (GetCredentialsForIdentity): AWS scopes every guest credential it
    issues down to a managed session policy that has no execute-api, so the API would refuse
    them. ``identity_id`` is the guest identity this browser was given before: AWS asks
    clients to keep reusing it rather than minting an identity per visit. If Cognito no
    longer knows it, a new one is made.
    """
    from botocore.exceptions import ClientError

    try:
        token = None
        if identity_id is not None:
            try:
                token = identity.get_open_id_token(IdentityId=identity_id)
            except ClientError as exc:
                if _code(exc) not in STALE_GUEST_CODES:
                    raise
        if token is None:
            identity_id = identity.get_id(IdentityPoolId=identity_pool_id)["IdentityId"]
            token = identity.get_open_id_token(IdentityId=identity_id)
        identity_id = token.get("IdentityId", identity_id)
        answer = sts.assume_role_with_web_identity(RoleArn=guest_role_arn, RoleSessionName=_session_name(identity_id),
                                                   WebIdentityToken=token["Token"])
    except ClientError as exc:
        raise AuthError(f"This video cannot be opened right now ({_code(exc)}). Please try again later.") from exc
    return identity_id, _credentials(answer)


def _session_name(identity_id: str) -> str:
    """The STS session name (CloudTrail shows it): the identity's uuid, as ':' is not allowed there."""
    return f"guest-{identity_id.rsplit(':', 1)[-1]}"


def _code(error: Any) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _credentials(answer: dict[str, Any]) -> Credentials:
    """GetCredentialsForIdentity's or STS's credentials (Cognito says SecretKey, STS SecretAccessKey; boto3 parses
    Expiration to a datetime; a raw answer has epoch seconds)."""
    raw = answer["Credentials"]
    expiration = raw["Expiration"]
    if isinstance(expiration, (int, float)):
        expiration = datetime.fromtimestamp(expiration, timezone.utc)
    return Credentials(
        access_key_id=raw["AccessKeyId"],
        secret_access_key=raw.get("SecretKey") or raw["SecretAccessKey"],
        session_token=raw["SessionToken"],
        expiration=expiration,
    )


def display_name(claims: dict[str, Any]) -> str | None:
    """The name others may see on a shared video: given name, else full name; never the email."""
    email = str(claims.get("email") or "").strip().casefold()
    for claim in ("given_name", "name"):
        value = " ".join(str(claims.get(claim) or "").split())
        if value and value.casefold() != email and "@" not in value:
            return value
    return None


def owner_metadata(login: Login | None) -> dict[str, str]:
    """S3 user metadata for an upload (``x-amz-meta-owner-name``): percent-encoded UTF-8, as HTTP headers are latin-1."""
    name = display_name(login.claims) if login else None
    return {"owner-name": quote(name, safe="")} if name else {}


def seconds_until_renewal(credentials: Credentials, now: datetime, margin: float = RENEW_MARGIN_SECONDS) -> float:
    """How long to wait before renewing: ``margin`` before expiry, at once if that has passed."""
    return max(0.0, credentials.seconds_left(now) - margin)


def needs_fresh_token(login: Login, now: datetime, margin: float = RENEW_MARGIN_SECONDS) -> bool:
    """Cognito refuses expired ID tokens: renew the token first when it is about to expire."""
    return (login.expires_at - now).total_seconds() <= margin
