"""Serve a built runtime directory to the headless Chromium that takes the page's memory snapshot.

The runtime is served with the types and headers both homes give it (``sitepack.files``): the
snapshot records the JavaScript environment Pyodide started in, cross-origin isolation included,
so it must be the one a page gets. A plain file server otherwise: the snapshot fetches each file once.
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sitepack.files import SECURITY_HEADERS, content_type
from sitepack.loopback import running


class _RuntimeFiles(SimpleHTTPRequestHandler):
    """Files of one directory, typed and headed as the site serves them."""

    def guess_type(self, path: str) -> str:
        return content_type(path)

    def end_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, *args: Any) -> None:
        """No line per request in the build's output."""


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that stops reading (its page closed) is no error of the build's: no traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def serve(root: Path) -> AbstractContextManager[str]:
    """The base URL of `root`'s files on a free 127.0.0.1 port, while the block runs."""
    return running(_Server(("127.0.0.1", 0), partial(_RuntimeFiles, directory=str(root))), f"runtime:{root.name}")
