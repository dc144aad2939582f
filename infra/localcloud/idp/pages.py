"""HTML of the stand-in: an account chooser in Google's spirit, and a plain error page."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape

from localcloud.idp.users import TestUser

_STYLE = """
body{font-family:Roboto,Arial,sans-serif;background:#f0f4f9;margin:0;display:flex;justify-content:center}
main{background:#fff;border-radius:28px;margin-top:10vh;padding:36px 40px;width:min(420px,90vw)}
h1{font-weight:400;font-size:28px;margin:8px 0}
p.sub{color:#444;margin:0 0 24px}
.note{color:#5f6368;font-size:13px;margin-top:24px}
ul{list-style:none;padding:0;margin:0;border-top:1px solid #dadce0}
li{border-bottom:1px solid #dadce0}
button{all:unset;box-sizing:border-box;display:flex;gap:14px;align-items:center;width:100%;padding:12px 8px;cursor:pointer}
button:hover,button:focus{background:#f6f8fc}
img{width:36px;height:36px;border-radius:50%}
.name{font-weight:500}.email{color:#5f6368;font-size:14px}
"""


def _page(title: str, body: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{_STYLE}</style></head>'
            f"<body><main>{body}</main></body></html>")


def chooser_page(users: Iterable[TestUser], params: Mapping[str, str], avatar_url: str, app_origin: str) -> str:
    """The account chooser; each account is a form button that POSTs the original request back."""
    hidden = "".join(f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in params.items())
    items = "".join(
        f'<li><button type="submit" name="account" value="{escape(u.login)}" data-account="{escape(u.login)}">'
        f'<img alt="" src="{escape(avatar_url.format(login=u.login))}">'
        f'<span><span class="name">{escape(u.name)}</span><br><span class="email">{escape(u.email)}</span></span>'
        "</button></li>"
        for u in users)
    body = (f"<h1>Choose an account</h1><p class=\"sub\">to continue to {escape(app_origin)}</p>"
            f'<form method="post" action="authorize">{hidden}<ul>{items}</ul></form>'
            '<p class="note">PetTube local sign-in: a stand-in for Google on this machine. '
            "No password; every account here is a test account.</p>")
    return _page("Sign in - PetTube local", body)


def error_page(message: str) -> str:
    """Shown instead of redirecting when the request cannot be trusted (bad client or redirect URI)."""
    return _page("Sign-in error", f"<h1>Access blocked</h1><p>{escape(message)}</p>")
