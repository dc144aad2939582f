"""Make urllib3's browser backend send what botocore meant; call apply() before any boto3 request.

urllib3 2.8's Emscripten backend hands header values and bodies to the browser's
fetch/XHR as they come. botocore gives it bytes header values (`b'text/plain'` goes
out literally) and file-like bodies (S3 stores the text `<_io.BytesIO object at 0x...>`).
Through a synchronous XHR moto accepts both silently; AWS rejects the request or
stores garbage. Through fetch the values go out as comma-separated byte numbers. The
fix normalises both at EmscriptenRequest.set_header/set_body, which every transport
(synchronous XHR, JSPI fetch, streaming worker) goes through, and leaves out the
headers a browser refuses to let a page set (it sends its own).
"""

from __future__ import annotations

import sys
from typing import Any

_PATCHED = "_pettube_fixed"
# Fetch-spec forbidden request headers botocore/urllib3 set: XHR logs an error for each.
BROWSER_OWNED = frozenset({"connection", "content-length", "date", "expect", "host", "transfer-encoding"})


def header_text(value: Any) -> Any:
    """HTTP header bytes are latin-1 by definition (RFC 9110), so decode them that way."""
    return value.decode("latin-1") if isinstance(value, (bytes, bytearray)) else value


def body_bytes(body: Any) -> Any:
    """The bytes of a file-like body (read from its current position), anything else unchanged."""
    read = getattr(body, "read", None)
    return read() if callable(read) else body


def patch(request_class: type) -> None:
    """Wrap `request_class.set_header`/`set_body`; a second call changes nothing."""
    if getattr(request_class, _PATCHED, False):
        return
    set_header, set_body = request_class.set_header, request_class.set_body

    def fixed_set_header(self: Any, name: Any, value: Any) -> None:
        name = header_text(name)
        if name.lower() not in BROWSER_OWNED:
            set_header(self, name, header_text(value))

    def fixed_set_body(self: Any, body: Any) -> None:
        set_body(self, body_bytes(body))

    request_class.set_header = fixed_set_header
    request_class.set_body = fixed_set_body
    setattr(request_class, _PATCHED, True)


def apply() -> bool:
    """Patch urllib3 when running inside Pyodide; True when the fix is in place."""
    if sys.platform != "emscripten":
        return False
    from urllib3.contrib.emscripten.request import EmscriptenRequest

    patch(EmscriptenRequest)
    return True
