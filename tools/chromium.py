"""How PetTube's tests and benchmarks launch headless Chromium with Playwright, here and on laptops."""

from __future__ import annotations

from typing import Any

from tools.browser_setup import system_chromium

# A system Chromium (Debian's on CI, where `playwright install` cannot download browsers)
# works through executable_path. No background traffic, no QUIC.
ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync")


def launch_options() -> dict[str, Any]:
    """Keyword arguments for `chromium.launch`/`launch_persistent_context`: a system Chromium when present."""
    options: dict[str, Any] = {"headless": True, "args": list(ARGS)}
    executable = system_chromium()
    if executable:
        options["executable_path"] = executable
    return options
