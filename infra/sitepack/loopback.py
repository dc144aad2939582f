"""A server on a free 127.0.0.1 port for as long as a block runs: how the build serves the runtime
it takes the memory snapshot in, and how tests and benchmarks serve their pages."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from socketserver import TCPServer


@contextmanager
def running(server: TCPServer, name: str) -> Iterator[str]:
    """Yield the base URL of `server` (bound to 127.0.0.1) answering in a thread; stop and close it after."""
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()
