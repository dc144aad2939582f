"""Google Identity Services, as Google documents it, for browser tests: served by Playwright's
route() at Google's own URLs, handing out ID tokens from the local Google stand-in.

What the page sees is what it would see on AWS: ``https://accounts.google.com/gsi/client``
defines ``google.accounts.id`` (``initialize``, ``renderButton``, ``prompt``); the button is a
frame of accounts.google.com; a click opens Google's account chooser in a popup (``ux_mode``
popup, the default), which reports back through ``window.opener`` and the button frame to the
page's ``callback`` with ``{credential, select_by}``. In ``ux_mode`` redirect the whole tab goes
to the chooser, which POSTs ``credential`` and ``g_csrf_token`` to ``login_uri``.

Like Google's, the popup needs its opener: under the page's ``Cross-Origin-Opener-Policy:
same-origin`` the browser severs it, the chooser cannot answer, and the page never hears back.
"""

from __future__ import annotations

import html
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from playwright.sync_api import BrowserContext, Route

ORIGIN = "https://accounts.google.com"
CLIENT = f"{ORIGIN}/gsi/client"
USERS = {"julie": "Julie Martin", "bob": "Bob Okafor"}

# The page's side: google.accounts.id.
CLIENT_JS = """
(() => {
  const ORIGIN = "https://accounts.google.com";
  let settings = null;
  const request = (extra) => new URLSearchParams({
    client_id: settings.client_id, nonce: settings.nonce || "", ux_mode: settings.ux_mode || "popup",
    login_uri: settings.login_uri || "", origin: location.origin, ...extra,
  });
  addEventListener("message", (event) => {
    if (event.origin !== ORIGIN || !settings || event.data?.type !== "gsi:credential") return;
    settings.callback({ credential: event.data.credential, select_by: event.data.select_by, clientId: settings.client_id });
  });
  const frame = (parent, path, params, hidden) => {
    const iframe = document.createElement("iframe");
    iframe.src = `${ORIGIN}${path}?${params}`;
    iframe.title = "Sign in with Google Button";
    Object.assign(iframe.style, { border: "0", width: "240px", height: "44px" });
    iframe.hidden = hidden;
    parent.append(iframe);
    return iframe;
  };
  window.google = { accounts: { id: {
    initialize(config) { settings = { ...config }; },
    renderButton(parent, options) { frame(parent, "/gsi/button", request({ text: options?.text || "signin_with" }), false); },
    prompt() { frame(document.body, "/gsi/iframe/select", request({ auto: "1" }), true); },
    disableAutoSelect() {},
    cancel() {},
  } } };
})();
"""

BUTTON_HTML = """<!doctype html><meta charset="utf-8"><title>Sign in with Google Button</title>
<button id="button" type="button" disabled>Sign in with Google</button>
<script>
  // Enabled once it answers a click: a click on the button before this script ran did nothing
  // (seen under load), and Playwright waits for a button to be enabled before it clicks.
  const request = new URLSearchParams(location.search), button = document.getElementById("button");
  button.addEventListener("click", () => {
    const chooser = `/gsi/select?${request}`;
    if (request.get("ux_mode") === "redirect") {
      top.location.href = chooser;
    } else {
      window.open(chooser, "g_signin_popup", "popup,width=480,height=600");
    }
  });
  button.disabled = false;
  // The chooser popup answers here (same origin); the page is told through postMessage.
  addEventListener("message", (event) => {
    if (event.origin === location.origin && event.data?.type === "gsi:credential") {
      parent.postMessage(event.data, request.get("origin"));
    }
  });
</script>"""

CHOOSER_JS = """
  const request = new URLSearchParams(location.search);
  const answer = (credential) => {
    if (request.get("ux_mode") === "redirect") {
      const form = Object.assign(document.createElement("form"), { method: "POST", action: request.get("login_uri") });
      for (const [name, value] of [["credential", credential], ["g_csrf_token", request.get("nonce")]]) {
        form.append(Object.assign(document.createElement("input"), { type: "hidden", name, value }));
      }
      document.body.append(form);
      form.submit();
    } else if (!window.opener) {
      // What Google's popup meets under the page's COOP same-origin: no way back to the page.
      document.getElementById("status").textContent = "The page that asked to sign in cannot be reached.";
      console.error("Cross-Origin-Opener-Policy severed window.opener: the credential cannot be delivered");
    } else {
      window.opener.postMessage({ type: "gsi:credential", credential, select_by: "btn" }, location.origin);
      window.close();
    }
  };
"""


class GoogleIdentityServices:
    """The double, routed in one browser context; tokens come from the stand-in at ``idp``."""

    def __init__(self, context: BrowserContext, idp: str, client_id: str, site: str) -> None:
        self.idp, self.client_id, self.site = idp.rstrip("/"), client_id, site
        self.chosen: str | None = None  # One Tap's auto-select picks the account chosen last
        context.route(f"{ORIGIN}/gsi/**", self._serve)

    def token(self, login: str, nonce: str) -> str:
        """An ID token for a test user from the Google stand-in (prompt=none, as for automated clients)."""
        answer = requests.get(f"{self.idp}/authorize", allow_redirects=False, timeout=30, params={
            "response_type": "id_token", "client_id": self.client_id, "redirect_uri": f"{self.site}/",
            "scope": "openid email profile", "nonce": nonce, "prompt": "none", "login_hint": login})
        fragment = parse_qs(urlsplit(answer.headers["Location"]).fragment)
        return fragment["id_token"][0]

    def _serve(self, route: Route) -> None:
        url = urlsplit(route.request.url)
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        if url.path == "/gsi/client":
            route.fulfill(body=CLIENT_JS, content_type="text/javascript; charset=utf-8")
        elif url.path == "/gsi/button":
            route.fulfill(body=BUTTON_HTML, content_type="text/html; charset=utf-8")
        elif url.path == "/gsi/select":
            route.fulfill(body=self._chooser(query), content_type="text/html; charset=utf-8")
        elif url.path == "/gsi/chosen":  # the chooser remembers the account, as Google's session does
            self.chosen = query.get("login")
            route.fulfill(status=204)
        elif url.path == "/gsi/iframe/select":
            route.fulfill(body=self._one_tap(query), content_type="text/html; charset=utf-8")
        else:
            route.fulfill(status=404, body="Not Found")

    def _chooser(self, query: dict[str, str]) -> str:
        """Google's account chooser: a button per account, each answering with that account's token."""
        if query.get("client_id") != self.client_id:
            return "<!doctype html><p>Error 401: invalid_client</p>"
        tokens = {login: html.escape(self.token(login, query["nonce"])) for login in USERS}
        # Each enabled once it answers a click, as the button's (BUTTON_HTML).
        buttons = "".join(f'<li><button type="button" data-login="{login}" data-credential="{tokens[login]}" '
                          f"disabled>{html.escape(name)}</button></li>" for login, name in USERS.items())
        return f"""<!doctype html><meta charset="utf-8"><title>Sign in - Google Accounts</title>
<h1>Choose an account</h1><p>to continue to PetTube</p><ul>{buttons}</ul><p id="status" role="status"></p>
<script>{CHOOSER_JS}
  for (const button of document.querySelectorAll("[data-credential]")) {{
    button.addEventListener("click", () => {{
      const chosen = new URLSearchParams({{login: button.dataset.login}});
      fetch(`/gsi/chosen?${{chosen}}`).finally(() => answer(button.dataset.credential));
    }});
    button.disabled = false;
  }}
</script>"""

    def _one_tap(self, query: dict[str, str]) -> str:
        """One Tap with auto-select (``prompt``): the account chosen before answers the page at once."""
        if self.chosen is None:
            return "<!doctype html><p>No session</p>"
        message = {"type": "gsi:credential", "credential": self.token(self.chosen, query["nonce"]), "select_by": "auto"}
        return f"""<!doctype html><script>
  parent.postMessage({json.dumps(message)}, {json.dumps(query["origin"])});
</script>"""
