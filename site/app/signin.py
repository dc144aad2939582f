"""Getting an ID token in the browser, the same way in both homes.

Google: locally the Google stand-in's account chooser opens in a popup (OpenID Connect
implicit flow, ``#id_token=`` comes back to assets/signin-callback.html, which posts it
here); on AWS, Google Identity Services calls back with a ``credential``. Before Python
is up, the page's sign-in form goes the same way in the whole tab (assets/signin-callback.js)
and ``redirected_credential`` picks the answer up when Python starts. Either way the
page gets one JWT. The Cognito user pool (email + password) goes through
amazon-cognito-identity-js with its default SRP flow.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from typing import Any, Callable

import js
from pyodide.ffi import create_proxy, to_js

from . import views
from .auth import AuthError, Login, authorize_url, credential_from_fragment, token_claims
from .config import SiteConfig

CALLBACK_PATH = "/assets/signin-callback.html"
GIS_SCRIPT = "https://accounts.google.com/gsi/client"
SAVED_LOGIN = "pettube.login"
PENDING = "pettube.signin.pending"
SILENT_TIMEOUT_SECONDS = 20
INTERACTIVE_TIMEOUT_SECONDS = 600
CHANNEL = "pettube-signin"


def _js(value: dict[str, Any]) -> Any:
    return to_js(value, dict_converter=js.Object.fromEntries)


class Proxies:
    """Keeps JS callbacks alive until an answer arrives, then frees them."""

    def __init__(self) -> None:
        self._items: list[Any] = []

    def __call__(self, function: Callable[..., Any]) -> Any:
        proxy = create_proxy(function)
        self._items.append(proxy)
        return proxy

    def free(self) -> None:
        for proxy in self._items:
            proxy.destroy()
        self._items.clear()


def save_login(login: Login | None) -> None:
    """Keep the token for this tab only, so a reload does not ask again while it is valid."""
    if login is None:
        js.sessionStorage.removeItem(SAVED_LOGIN)
    else:
        js.sessionStorage.setItem(SAVED_LOGIN, json.dumps({"provider": login.provider, "token": login.token}))


def saved_login() -> Login | None:
    """The token this tab signed in with, if any."""
    raw = js.sessionStorage.getItem(SAVED_LOGIN)
    try:
        data = json.loads(raw) if raw else None
        return Login(data["provider"], data["token"]) if data else None
    except (ValueError, KeyError, TypeError):
        return None


class GoogleSignIn:
    """Google ID tokens: the local stand-in (popup or silent frame) or Google Identity Services."""

    def __init__(self, config: SiteConfig) -> None:
        self.config = config
        self._gis_answer: asyncio.Future[str] | None = None
        self._callback: Any = None  # Google's callback proxy, kept for the page's lifetime
        self._gis_ready = False
        self._nonce = ""

    @property
    def redirect_uri(self) -> str:
        return f"{js.location.origin}{CALLBACK_PATH}"

    async def prepare(self, on_credential: Callable[[str], Any]) -> None:
        """On AWS, load Google's script and render its button (the one allowed external script).

        Popup UX mode: a static site cannot take the redirect mode's POST to a login URI (S3
        website hosting answers 405), and Google's popup reports back through ``window.opener``,
        which the site's COOP (same-origin-allow-popups) keeps. Each request carries a fresh
        nonce, and a credential without it is refused (a replayed token).
        """
        if self.config.is_local:
            return
        await views.load_script(GIS_SCRIPT)

        def callback(response: Any) -> None:
            try:
                credential = self._checked(str(response.credential))
            except AuthError as exc:
                if not self._settle(exc):
                    views.show_error("#signin-error", str(exc))
                return
            if not self._settle(credential):
                asyncio.ensure_future(on_credential(credential))

        self._callback = create_proxy(callback)
        self._initialize()
        views.render_google_button(js.google.accounts.id)
        self._gis_ready = True

    def _initialize(self) -> None:
        """(Re)configure Google Identity Services with a fresh nonce: the last call's settings rule."""
        self._nonce = secrets.token_urlsafe(16)
        js.google.accounts.id.initialize(_js({
            "client_id": self.config.google_client_id, "callback": self._callback, "nonce": self._nonce,
            "ux_mode": "popup", "auto_select": True, "use_fedcm_for_prompt": True,
        }))

    def _checked(self, credential: str) -> str:
        """Google's credential, if it answers this page's latest request (its nonce)."""
        if token_claims(credential).get("nonce") != self._nonce:
            raise AuthError("The sign-in answer was meant for another request. Please try again.")
        return credential

    def _settle(self, answer: str | AuthError) -> bool:
        """Hand Google's answer to a waiting renewal; False if none waits (a sign-in, then)."""
        waiting = self._gis_answer
        if waiting is None or waiting.done():
            return False
        if isinstance(answer, AuthError):
            waiting.set_exception(answer)
        else:
            waiting.set_result(answer)
        return True

    async def sign_in(self) -> str:
        """Ask the person (popup with the stand-in's account chooser) for an ID token."""
        state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        url = self._authorize(state, nonce, silent=False)
        js.sessionStorage.removeItem(PENDING)  # an abandoned redirect's; the popup inherits this tab's storage
        popup = js.window.open(url, "pettube-signin", "popup,width=480,height=640")
        if not popup:  # popup blocked: go there in this tab and come back with the token
            js.sessionStorage.setItem(PENDING, json.dumps({"state": state, "nonce": nonce}))
            js.location.assign(url)
            await asyncio.Future()  # the page is leaving
        fragment = await self._answer(timeout=INTERACTIVE_TIMEOUT_SECONDS)
        return credential_from_fragment(fragment, state, nonce)

    async def renew(self, login: Login) -> str:
        """A fresh token without the person noticing (prompt=none), or AuthError."""
        if not self.config.is_local:
            if not self._gis_ready:
                raise AuthError("Google sign-in is not available.")
            self._gis_answer = asyncio.get_event_loop().create_future()
            self._initialize()
            js.google.accounts.id.prompt()
            return await asyncio.wait_for(self._gis_answer, SILENT_TIMEOUT_SECONDS)
        state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        hint = str(token_claims(login.token).get("sub", ""))
        frame = views.hidden_frame(self._authorize(state, nonce, silent=True, login_hint=hint))
        try:
            fragment = await self._answer(timeout=SILENT_TIMEOUT_SECONDS)
        finally:
            frame.remove()
        return credential_from_fragment(fragment, state, nonce)

    def redirected_credential(self) -> str | None:
        """The token a same-tab sign-in brought back (when the popup was blocked)."""
        pending = js.sessionStorage.getItem(PENDING)
        fragment = js.sessionStorage.getItem(PENDING + ".fragment")
        js.sessionStorage.removeItem(PENDING)
        js.sessionStorage.removeItem(PENDING + ".fragment")
        if not pending or not fragment:
            return None
        request = json.loads(pending)
        return credential_from_fragment(str(fragment), request["state"], request["nonce"])

    def _authorize(self, state: str, nonce: str, *, silent: bool, login_hint: str | None = None) -> str:
        if not self.config.idp_url:
            raise AuthError("No sign-in service is configured.")
        return authorize_url(self.config.idp_url, self.config.google_client_id, self.redirect_uri,
                             nonce, state, login_hint=login_hint, silent=silent)

    async def _answer(self, timeout: float) -> str:
        """The callback page's answer: BroadcastChannel from the popup, postMessage from the silent frame."""
        # COOP same-origin severs window.opener once the popup visits the IdP's origin.
        answer: asyncio.Future[str] = asyncio.get_event_loop().create_future()

        def on_message(event: Any) -> None:
            data = event.data
            same_origin = not getattr(event, "origin", "") or str(event.origin) == str(js.location.origin)
            if same_origin and getattr(data, "type", None) == "pettube-signin" and not answer.done():
                answer.set_result(str(data.fragment))

        listener = create_proxy(on_message)
        channel = js.BroadcastChannel.new(CHANNEL)
        channel.addEventListener("message", listener)
        js.window.addEventListener("message", listener)
        try:
            return await asyncio.wait_for(answer, timeout)
        except asyncio.TimeoutError as exc:
            raise AuthError("Signing in took too long. Please try again.") from exc
        finally:
            js.window.removeEventListener("message", listener)
            channel.close()
            listener.destroy()


class UserPoolSignIn:
    """Email and password through a Cognito user pool (amazon-cognito-identity-js, SRP)."""

    def __init__(self, config: SiteConfig) -> None:
        self.config = config
        self.provider = config.user_pool_provider
        settings: dict[str, Any] = {"UserPoolId": config.user_pool_id, "ClientId": config.user_pool_client_id}
        if config.user_pool_endpoint:
            settings["endpoint"] = config.user_pool_endpoint
        self.pool = js.AmazonCognitoIdentity.CognitoUserPool.new(_js(settings))

    def _user(self, email: str) -> Any:
        return js.AmazonCognitoIdentity.CognitoUser.new(_js({"Username": email, "Pool": self.pool}))

    async def _call(self, start: Callable[[Proxies, asyncio.Future[Any]], None]) -> Any:
        """Run a callback-style library call and await its answer as Python."""
        future: asyncio.Future[Any] = asyncio.get_event_loop().create_future()
        proxies = Proxies()
        try:
            start(proxies, future)
            return await future
        finally:
            proxies.free()

    @staticmethod
    def _fail(future: asyncio.Future[Any]) -> Callable[[Any], None]:
        def fail(error: Any) -> None:
            if not future.done():
                message = str(getattr(error, "message", "") or error)
                future.set_exception(AuthError(message or "The request was refused."))
        return fail

    async def sign_up(self, email: str, password: str) -> None:
        """Create the account; Cognito mails a confirmation code."""
        attribute = js.AmazonCognitoIdentity.CognitoUserAttribute.new(_js({"Name": "email", "Value": email}))

        def start(proxies: Proxies, future: asyncio.Future[Any]) -> None:
            def done(error: Any, result: Any) -> None:
                self._fail(future)(error) if error else future.set_result(result)
            self.pool.signUp(email, password, to_js([attribute]), to_js([]), proxies(done))

        await self._call(start)

    async def confirm(self, email: str, code: str) -> None:
        """Confirm a new account with the mailed code."""
        def start(proxies: Proxies, future: asyncio.Future[Any]) -> None:
            def done(error: Any, result: Any) -> None:
                self._fail(future)(error) if error else future.set_result(result)
            self._user(email).confirmRegistration(code, True, proxies(done))

        await self._call(start)

    async def sign_in(self, email: str, password: str) -> Login:
        """Password sign-in; the library keeps the refresh token for renewals."""
        details = js.AmazonCognitoIdentity.AuthenticationDetails.new(_js({"Username": email, "Password": password}))
        user = self._user(email)

        def start(proxies: Proxies, future: asyncio.Future[Any]) -> None:
            user.authenticateUser(details, _js({
                "onSuccess": proxies(lambda session, *_: future.set_result(session)),
                "onFailure": proxies(self._fail(future)),
                "newPasswordRequired": proxies(lambda *_: self._fail(future)("A new password is required: use Forgot password.")),
            }))

        session = await self._call(start)
        return Login(self.provider, str(session.getIdToken().getJwtToken()))

    async def forgot_password(self, email: str) -> None:
        """Send a reset code to the address."""
        def start(proxies: Proxies, future: asyncio.Future[Any]) -> None:
            self._user(email).forgotPassword(_js({
                "onSuccess": proxies(lambda *_: future.done() or future.set_result(None)),
                "onFailure": proxies(self._fail(future)),
                "inputVerificationCode": proxies(lambda *_: future.done() or future.set_result(None)),
            }))

        await self._call(start)

    async def reset_password(self, email: str, code: str, password: str) -> None:
        """Set a new password with the mailed code."""
        def start(proxies: Proxies, future: asyncio.Future[Any]) -> None:
            self._user(email).confirmPassword(code, password, _js({
                "onSuccess": proxies(lambda *_: future.set_result(None)),
                "onFailure": proxies(self._fail(future)),
            }))

        await self._call(start)

    async def renew(self, login: Login) -> str:
        """A fresh ID token from the stored refresh token, silently."""
        user = self.pool.getCurrentUser()
        if not user:
            raise AuthError("Please sign in again.")

        def start(proxies: Proxies, future: asyncio.Future[Any]) -> None:
            def got(error: Any, session: Any) -> None:
                if error:
                    self._fail(future)(error)
                    return
                user.refreshSession(session.getRefreshToken(), proxies(
                    lambda err, fresh: self._fail(future)(err) if err else future.set_result(fresh)))
            user.getSession(proxies(got))

        session = await self._call(start)
        return str(session.getIdToken().getJwtToken())

    def sign_out(self) -> None:
        """Forget the user pool's stored tokens in this browser."""
        user = self.pool.getCurrentUser()
        if user:
            user.signOut()
