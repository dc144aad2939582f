"""Sign-in at first paint: the choices work while Python's runtime is still loading, and the
page's headers keep other sites from framing it (and the page within its own policy)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Error, Route, expect
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from sitepack.loopback import running

from tests.e2e.pages import BOOT_TIMEOUT_MS

RUNTIME = "**/vendor/**"
pytestmark = pytest.mark.timeout(600)


class HeldRuntime:
    """The runtime's files (site/vendor) held back, as on a slow link, until released."""

    def __init__(self, context: Any) -> None:
        self.context = context
        self.held: list[Route] = []
        context.route(RUNTIME, self._hold)

    def _hold(self, route: Route) -> None:
        self.held.append(route)

    def release(self) -> None:
        """Let every held and later request through: Python starts in the pages still open."""
        self.context.unroute(RUNTIME)
        for route in self.held:
            with contextlib.suppress(Error):  # a request of a page that has since navigated away
                route.continue_()


@pytest.fixture
def held(guarded_context: Any) -> Iterator[tuple[Any, HeldRuntime]]:
    guarded = guarded_context()
    yield guarded, HeldRuntime(guarded.context)


def csp_violations(guarded: Any) -> list[str]:
    return [text for text in guarded.console_errors if "Content Security Policy" in text]


def test_sign_in_with_google_works_before_python_has_started(local_cloud: Any, held: Any, shoot: Any) -> None:
    guarded, runtime = held
    page = guarded.context.new_page()
    page.goto(local_cloud.site, wait_until="commit")  # DOMContentLoaded waits for the runtime module
    button = page.get_by_role("button", name="Sign in with Google")
    expect(button).to_be_visible()
    assert page.locator("body[data-ready]").count() == 0 and runtime.held, "Python must not be running yet"
    shoot(page, "0-first-paint")
    button.click()
    page.get_by_text("Julie Martin").first.click()  # the Google stand-in's account chooser, in this tab
    page.wait_for_url(f"{local_cloud.site}/", wait_until="commit")
    expect(page.locator("#boot-title")).to_have_text("Signing you in…")
    runtime.release()
    expect(page.locator("#workspace")).to_be_visible(timeout=BOOT_TIMEOUT_MS)
    expect(page.locator("#user-name")).to_have_text("Julie Martin")
    assert "id_token" not in page.url
    assert not csp_violations(guarded)


def test_an_email_sign_in_sent_before_python_has_started_is_sent_when_it_has(local_cloud: Any, held: Any) -> None:
    email, password = "first-paint@example.com", "walkies2026"
    identity = local_cloud.client("cognito-idp")
    identity.sign_up(ClientId=local_cloud.user_pool_client_id, Username=email, Password=password,
                     UserAttributes=[{"Name": "email", "Value": email}])
    identity.admin_confirm_sign_up(UserPoolId=local_cloud.user_pool_id, Username=email)
    guarded, runtime = held
    page = guarded.context.new_page()
    page.goto(local_cloud.site, wait_until="commit")  # DOMContentLoaded waits for the runtime module
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.locator("#email-submit").click()
    expect(page.locator("#signin-error")).to_have_text("Signing in as soon as PetTube has started…")
    assert password not in page.url and page.locator("body[data-ready]").count() == 0
    runtime.release()
    expect(page.locator("#workspace")).to_be_visible(timeout=BOOT_TIMEOUT_MS)
    expect(page.locator("#user-name")).to_have_text(email)
    assert not csp_violations(guarded)


@contextlib.contextmanager
def framing_site(*targets: str) -> Iterator[str]:
    """A page of another origin (another 127.0.0.1 port) that puts each target in a frame."""
    page = "<!doctype html><title>Not PetTube</title>" + "".join(f'<iframe src="{url}"></iframe>' for url in targets)
    app = Request.application(lambda request: Response(page, mimetype="text/html"))
    with running(make_server("127.0.0.1", 0, app), "framing-site") as url:
        yield url


def test_another_site_cannot_frame_the_app(local_cloud: Any, guarded_context: Any) -> None:
    # The Google stand-in's discovery document sets no frame-ancestors: it shows, as a control.
    control = f"{local_cloud.idp.rstrip('/')}/.well-known/openid-configuration"
    with framing_site(f"{local_cloud.site}/", control) as other:
        page = guarded_context().context.new_page()
        page.goto(other)
        app, shown = page.main_frame.child_frames
        expect(shown.locator("body")).to_contain_text("issuer")
        app.wait_for_load_state()
        assert app.locator("#google-signin").count() == 0, "the app rendered inside another site's frame"
