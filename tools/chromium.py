"""How PetTube's tests and benchmarks launch headless Chromium with Playwright, here and on laptops."""

from __future__ import annotations

import shutil
from typing import Any

# Debian's chromium works with Playwright through executable_path; `playwright install`
# cannot download browsers on the CI machines. No background traffic, no QUIC.
DEBIAN_CHROMIUM = "/usr/bin/chromium"
ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync")


def launch_options() -> dict[str, Any]:
    """Keyword arguments for `chromium.launch`/`launch_persistent_context`: Debian's build when present."""
    options: dict[str, Any] = {"headless": True, "args": list(ARGS)}
    if shutil.which(DEBIAN_CHROMIUM):
        options["executable_path"] = DEBIAN_CHROMIUM
    return options
