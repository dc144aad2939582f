"""The page's AWS mode in Chromium: Google Identity Services (a double at Google's own URLs, see
gis_double.py) instead of the local sign-in stand-in, the page sent with the headers CloudFront
sends for that config, against the local cloud's Cognito, S3 and MyMedia.

Every request must stay on 127.0.0.1 except the routed Google Identity Services double.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import Browser, Page, Route, expect, sync_playwright

from tests.e2e.gis_double import ORIGIN as GOOGLE, GoogleIdentityServices
from tests.e2e.pages import PROCESS_TIMEOUT_MS, card, make_clip, open_app
from sitepack.headers import site_headers
from tests.e2e.test_app import jump_to_renewal
from tools.chromium import DISABLED_FEATURES, launch_options

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium as for every e2e test, but with no Local Network Access checks: a page that route()
    fulfils (here, to send an AWS-mode stack's headers) has no IP address space, so Chromium would
    take it for a public page and refuse its requests to the local cloud on 127.0.0.1."""
    options = launch_options()
    features = ",".join((*DISABLED_FEATURES, "LocalNetworkAccessChecks"))
    options["args"] = [*(arg for arg in options["args"] if not arg.startswith("--disable-features=")),
                       f"--disable-features={features}"]
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(**options)
        yield launched
        launched.close()


def aws_mode_config(site: str) -> dict[str, Any]:
    """What `make deploy` writes, but with the AWS endpoints at the local edge: mode aws, no stand-in."""
    config = requests.get(f"{site}/config.json", timeout=30).json()
    return {**config, "mode": "aws", "idp_url": None}


class AwsModeSite:
    """The site as CloudFront serves an AWS-mode stack: its config.json, and its headers on every page."""

    def __init__(self, guarded: Any, site: str, **header_overrides: str) -> None:
        self.config = aws_mode_config(site)
        self.headers = {**site_headers(self.config), **header_overrides}
        guarded.context.route(f"{site}/**", self._serve)

    def _serve(self, route: Route) -> None:
        request = route.request
        if urlsplit(request.url).path == "/config.json":
            route.fulfill(json=self.config, headers={"Cache-Control": "no-store", **self.headers})
        elif request.resource_type == "document":
            response = route.fetch()
            ours = {name.lower() for name in self.headers}
            kept = {name: value for name, value in response.headers.items() if name.lower() not in ours}
            route.fulfill(response=response, headers={**kept, **self.headers})
        else:
            route.fallback()


def open_aws_mode(guarded_context: Callable[..., Any], cloud: Any, **header_overrides: str) -> tuple[Any, Page]:
    guarded = guarded_context()
    GoogleIdentityServices(guarded.context, cloud.idp, cloud.google_client_id, cloud.site)
    AwsModeSite(guarded, cloud.site, **header_overrides)
    return guarded, open_app(guarded, cloud.site)


def choose_in_googles_popup(guarded: Any, page: Page, person: str) -> Page:
    """Click Google's button (a frame of accounts.google.com) and pick an account in its popup."""
    button = page.frame_locator("#gis-button iframe").get_by_role("button", name="Sign in with Google")
    with guarded.context.expect_page() as popup_info:
        button.click()
    popup = popup_info.value
    assert urlsplit(popup.url).netloc == urlsplit(GOOGLE).netloc
    popup.get_by_role("button", name=person).click()
    return popup


def csp_violations(guarded: Any, cloud: Any) -> list[str]:
    """The console's Content-Security-Policy reports, but the stand-in's avatars: its tokens name
    pictures on the stand-in, where Google's are on googleusercontent.com, which the policy allows."""
    return [text for text in guarded.console_errors
            if "Content Security Policy" in text and f"{cloud.idp.rstrip('/')}/avatar/" not in text]


def test_google_sign_in_then_cognito_then_upload_then_my_media_in_aws_mode(
    local_cloud: Any, guarded_context: Any, tmp_path: Path, shoot: Any
) -> None:
    guarded, page = open_aws_mode(guarded_context, local_cloud)
    expect(page.locator("#gis-button")).to_be_visible()
    expect(page.locator("#google-signin")).to_be_hidden()
    shoot(page, "1-google-button")
    choose_in_googles_popup(guarded, page, "Julie Martin")
    # The callback's credential went through Cognito's GetId and GetCredentialsForIdentity.
    expect(page.locator("#workspace")).to_be_visible(timeout=60_000)
    expect(page.locator("#user-name")).to_have_text("Julie Martin")
    clip = make_clip(tmp_path / "aws-mode pup.mp4", 3, "green")
    page.get_by_label("Choose videos to upload").set_input_files([clip])
    expect(card(page, "aws-mode pup")).to_be_visible(timeout=PROCESS_TIMEOUT_MS)
    expect(card(page, "aws-mode pup").locator("img")).to_be_visible(timeout=PROCESS_TIMEOUT_MS)
    shoot(page, "2-my-media")
    jump_to_renewal(page)  # a fresh Google token by One Tap's auto-select (prompt), no window opened
    assert not csp_violations(guarded, local_cloud)


def test_googles_popup_cannot_answer_a_page_sent_with_coop_same_origin(local_cloud: Any, guarded_context: Any) -> None:
    guarded, page = open_aws_mode(guarded_context, local_cloud, **{"Cross-Origin-Opener-Policy": "same-origin"})
    popup = choose_in_googles_popup(guarded, page, "Julie Martin")
    expect(popup.get_by_role("status")).to_have_text("The page that asked to sign in cannot be reached.")
    assert popup.evaluate("window.opener") is None
    expect(page.locator("#signin")).to_be_visible()
    expect(page.locator("#workspace")).to_be_hidden()


def test_the_redirect_ux_mode_needs_a_server_so_the_static_site_uses_the_popup(
    local_cloud: Any, guarded_context: Any
) -> None:
    """Google POSTs the credential to login_uri; a static site (S3 website hosting) refuses POSTs."""
    guarded, page = open_aws_mode(guarded_context, local_cloud)
    page.evaluate(f"""() => google.accounts.id.initialize({{client_id: "{local_cloud.google_client_id}",
        ux_mode: "redirect", login_uri: "{local_cloud.site}/", nonce: "n", callback() {{}}}})""")
    page.evaluate("""() => {
        document.querySelector("#gis-button").replaceChildren();
        google.accounts.id.renderButton(document.querySelector("#gis-button"), {});
    }""")
    page.frame_locator("#gis-button iframe").get_by_role("button", name="Sign in with Google").click()
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name="Julie Martin").click()
    assert posted.value.status == 405
