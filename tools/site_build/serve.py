"""Serve a site directory the way the local cloud does, on a free 127.0.0.1 port (tests, benchmarks)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from localcloud.site_server import SiteServer
from werkzeug.serving import make_server


@contextmanager
def serve(root: Path) -> Iterator[str]:
    """Yield the base URL of `root` served by the local cloud's site server (gzip, MIME, caching)."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request in test/bench output
    server = make_server("127.0.0.1", 0, SiteServer(root, config=dict), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=f"site:{root.name}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
