"""Serve a built runtime directory to the headless Chromium that takes the page's memory snapshot.

The runtime is served with the types and headers both homes give it (``sitepack.files``): the
snapshot records the JavaScript environment Pyodide started in, cross-origin isolation included,
so it must be the one a page gets. A plain file server otherwise: the snapshot fetches each file once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sitepack.files import SECURITY_HEADERS, content_type


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


@contextmanager
def serve(root: Path) -> Iterator[str]:
    """Yield the base URL of `root`'s files on a free 127.0.0.1 port, until the block ends."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_RuntimeFiles, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, name=f"runtime:{root.name}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
