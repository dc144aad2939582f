"""The Google stand-in: an OpenID Connect provider issuing RS256 ID tokens like Google's.

Implicit flow only (``response_type=id_token``, the token in the redirect's
fragment), which is all a static page needs. Interactive requests get an
account chooser; ``prompt=none`` with ``login_hint`` answers at once, for
automated clients. Redirect URIs are limited to the site's origin and loopback
origins, so the provider is never an open redirect.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from localcloud.idp.keys import public_jwks
from localcloud.idp.pages import chooser_page, error_page
from localcloud.idp.users import USERS, TestUser, avatar_svg, find_user

TOKEN_LIFETIME_SECONDS = 3600  # Google's ID tokens last one hour
_LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
_PASSED_ON = ("response_type", "client_id", "redirect_uri", "scope", "nonce", "state", "login_hint", "prompt")


class UntrustedRequest(Exception):
    """The request names an unknown client or a redirect URI we may not send tokens to."""


class OAuthError(Exception):
    """An OAuth error the provider reports back to the client through the redirect URI."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


class IdentityProvider:
    """WSGI app of the stand-in; ``issuer`` is its own base URL."""

    def __init__(self, *, issuer: str, client_id: str, site_url: str, key: RSAKey,
                 clock: Callable[[], float] = time.time) -> None:
        self.issuer = issuer.rstrip("/")
        self._client_id = client_id
        self._site_origin = _origin(site_url)
        self._key = key
        self._clock = clock
        self._urls = Map([
            Rule("/.well-known/openid-configuration", endpoint="discovery", methods=["GET"]),
            Rule("/oauth2/v3/certs", endpoint="jwks", methods=["GET"]),
            Rule("/authorize", endpoint="authorize", methods=["GET", "POST"]),
            Rule("/avatar/<login>.svg", endpoint="avatar", methods=["GET"]),
        ])

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        try:
            endpoint, args = self._urls.bind_to_environ(environ).match()
            response = getattr(self, f"_{endpoint}")(request, **args)
        except HTTPException as exc:
            response = exc.get_response(environ)
        # COEP pages (the site) may load avatars and keys from this other origin.
        response.headers.setdefault("Cross-Origin-Resource-Policy", "cross-origin")
        return response(environ, start_response)

    # --------------------------------------------------------- metadata
    def _discovery(self, request: Request) -> Response:
        document = {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "jwks_uri": f"{self.issuer}/oauth2/v3/certs",
            "response_types_supported": ["id_token"],
            "response_modes_supported": ["fragment"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "claims_supported": ["aud", "email", "email_verified", "exp", "family_name", "given_name", "iat",
                                 "iss", "name", "nonce", "picture", "sub"],
        }
        return _json(document)

    def _jwks(self, request: Request) -> Response:
        return _json(public_jwks(self._key))

    def _avatar(self, request: Request, login: str) -> Response:
        user = USERS.get(login)
        if user is None:
            raise NotFound()
        return Response(avatar_svg(user), mimetype="image/svg+xml", headers={"Cache-Control": "max-age=86400"})

    # ------------------------------------------------------------ login
    def _authorize(self, request: Request) -> Response:
        params = {k: (request.form if request.method == "POST" else request.args).get(k, "") for k in _PASSED_ON}
        params = {k: v for k, v in params.items() if v}
        try:
            redirect_uri = self._trusted_redirect(params)
        except UntrustedRequest as exc:
            return Response(error_page(str(exc)), status=400, mimetype="text/html")
        try:
            user = self._chosen_user(request, params)
            if user is None:
                page = chooser_page(USERS.values(), params, f"{self.issuer}/avatar/{{login}}.svg",
                                    _origin(redirect_uri))
                return Response(page, mimetype="text/html", headers={"Cache-Control": "no-store"})
            answer = {"id_token": self.issue(user, nonce=params["nonce"])}
        except OAuthError as exc:
            answer = {"error": exc.error, "error_description": exc.description}
        if "state" in params:
            answer["state"] = params["state"]
        status = 303 if request.method == "POST" else 302
        return Response(status=status, headers={"Location": f"{redirect_uri}#{urlencode(answer)}",
                                                "Cache-Control": "no-store"})

    def _trusted_redirect(self, params: Mapping[str, str]) -> str:
        if params.get("client_id") != self._client_id:
            raise UntrustedRequest(f"The OAuth client was not found: {params.get('client_id', '(none)')!r}.")
        uri = params.get("redirect_uri", "")
        parts = urlsplit(uri)
        if parts.scheme not in ("http", "https") or parts.fragment or not parts.netloc:
            raise UntrustedRequest("redirect_uri must be an absolute http(s) URL without a fragment.")
        if _origin(uri) != self._site_origin and parts.hostname not in _LOOPBACK_HOSTS:
            raise UntrustedRequest(f"redirect_uri {uri!r} is not registered for this client.")
        return uri

    def _chosen_user(self, request: Request, params: Mapping[str, str]) -> TestUser | None:
        if params.get("response_type") != "id_token":
            raise OAuthError("unsupported_response_type", "Only response_type=id_token is supported.")
        if not params.get("nonce"):
            raise OAuthError("invalid_request", "nonce is required for response_type=id_token.")
        if request.method == "POST":
            user = USERS.get(request.form.get("account", ""))
            if user is None:
                raise OAuthError("access_denied", "No such account.")
            return user
        if params.get("prompt") == "none":
            user = find_user(params.get("login_hint", ""))
            if user is None:
                raise OAuthError("login_required", "prompt=none needs a login_hint naming a test user.")
            return user
        return None

    def issue(self, user: TestUser, *, nonce: str) -> str:
        """An ID token for ``user`` with Google's claims, signed with the stand-in's key."""
        now = int(self._clock())
        claims = {
            "iss": self.issuer, "azp": self._client_id, "aud": self._client_id, "sub": user.sub,
            "email": user.email, "email_verified": True, "name": user.name, "given_name": user.given_name,
            "family_name": user.family_name, "picture": f"{self.issuer}/avatar/{user.login}.svg",
            "nonce": nonce, "iat": now, "exp": now + TOKEN_LIFETIME_SECONDS,
        }
        header = {"alg": "RS256", "kid": self._key.kid, "typ": "JWT"}
        return jwt.encode(header, claims, self._key)


def _json(document: Mapping[str, Any]) -> Response:
    # Google serves its discovery document and keys to any origin.
    return Response(json.dumps(document), mimetype="application/json",
                    headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300"})
