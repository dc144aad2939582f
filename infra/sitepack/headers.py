"""The headers every answer of the site carries, in both homes, built from the page's config.

CloudFront's response headers policy (the template's SiteHeadersPolicy) sends the same
values on AWS; ``tests/infra/test_site_headers.py`` compares the two.

What the page needs, and so all the Content-Security-Policy allows:

- scripts from its own origin only, never inline (the page's few lines of JavaScript are
  files, so an injected ``<script>`` or ``onclick=`` does not run); ``'wasm-unsafe-eval'`` for
  Pyodide's WebAssembly, and ``'unsafe-eval'`` because PyScript 0.7's core builds functions
  from strings (its dynamic-import helper and hooks: Chromium refuses to start it without);
- styles from its own origin and inline (pages are served with their stylesheet written in,
  and PyScript and the page set ``style`` attributes);
- requests to the AWS endpoints the config names (Cognito, STS, S3, the MyMedia API),
  pictures and video from S3's presigned URLs (and ``blob:``, where hls.js feeds the player);
- workers from its own origin or ``blob:`` (hls.js parses segments in a blob worker);
- Google Identity Services in AWS mode (its script, button frame and styles, as Google's
  setup guide lists them; profile pictures); the local Google stand-in's silent-renewal frame
  and avatars in local mode;
- no plugins, no ``<base>``, forms posting only to itself, and no framing by other sites.

Cross-Origin-Opener-Policy is ``same-origin-allow-popups``, as Google's sign-in popup needs
(``same-origin`` severs the popup's ``window.opener`` and Google's callback never comes).
The page is therefore not cross-origin isolated, and needs not be: it runs Python on the
main thread, and only PyScript's *workers* need SharedArrayBuffer. No COEP either: without
isolation it protects nothing, and it would refuse Google's button frame.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from sitepack.files import SECURITY_HEADERS

GIS_ORIGIN = "https://accounts.google.com"
GIS_SCRIPT = f"{GIS_ORIGIN}/gsi/client"
GIS_PATH = f"{GIS_ORIGIN}/gsi/"
GIS_STYLE = f"{GIS_ORIGIN}/gsi/style"
# Where Google serves the profile pictures an ID token's `picture` claim names.
GOOGLE_PICTURES = "https://*.googleusercontent.com"


def origin(url: str) -> str:
    """scheme://host[:port] of a URL, as CSP host sources name it."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def aws_hosts(config: Mapping[str, Any]) -> dict[str, list[str]]:
    """The origins the page calls (``api``) and loads media from (``media``), by the config's mode.

    Locally every AWS service is the edge; on AWS each has its regional endpoint. Wildcards where
    CloudFront's policy cannot name the resource: S3 buckets are addressed virtual-host style
    (``bucket.s3.amazonaws.com`` in us-east-1, regional elsewhere) and the transcoded bucket is
    not in the config; the API's id would make a cycle (the API's CORS names the distribution).
    """
    if config.get("aws_endpoint"):
        edge = origin(config["aws_endpoint"])
        return {"api": _unique([edge, origin(config["api_url"])]), "media": [edge]}
    region = config["region"]
    s3 = ["https://*.s3.amazonaws.com", f"https://*.s3.{region}.amazonaws.com"]
    services = [f"https://{name}.{region}.amazonaws.com" for name in ("cognito-identity", "cognito-idp", "sts")]
    return {"api": [*services, *s3, f"https://*.execute-api.{region}.amazonaws.com"], "media": s3}


def content_security_policy(config: Mapping[str, Any]) -> str:
    """The page's Content-Security-Policy for this config (see the module's docstring)."""
    hosts = aws_hosts(config)
    google = config.get("mode", "aws") == "aws"
    idp = [origin(config["idp_url"])] if config.get("idp_url") else []
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'wasm-unsafe-eval'", "'unsafe-eval'", *([GIS_SCRIPT] if google else [])],
        "style-src": ["'self'", "'unsafe-inline'", *([GIS_STYLE] if google else [])],
        "connect-src": ["'self'", *hosts["api"], *([GIS_PATH] if google else [])],
        "img-src": ["'self'", "data:", "blob:", *hosts["media"], *([GOOGLE_PICTURES] if google else idp)],
        "media-src": ["'self'", "blob:", *hosts["media"]],
        "worker-src": ["'self'", "blob:"],
        # Locally: the silent-renewal frame goes to the stand-in, which redirects to our callback.
        "frame-src": [GIS_PATH] if google else ["'self'", *idp],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        # 'self', not 'none': locally the page renews a sign-in silently in a hidden frame of its
        # own callback page. Every other origin is refused, which is what stops clickjacking.
        "frame-ancestors": ["'self'"],
    }
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def site_headers(config: Mapping[str, Any]) -> dict[str, str]:
    """Every header a page response carries on both homes, for the site with this config.json."""
    return {**SECURITY_HEADERS, "Content-Security-Policy": content_security_policy(config)}


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))
