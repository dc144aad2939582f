"""`python -m tools.browser_setup`: make sure Playwright has a Chromium to drive.

In order: a system Chromium (Debian's /usr/bin/chromium, or one on PATH);
Playwright's own download (`playwright install chromium`, the usual path on a
laptop); as root on Debian, the distribution's `chromium` package. Otherwise it
says what to do and fails, so `make test` never half-runs the browser tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def system_chromium() -> str | None:
    for name in SYSTEM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def _quiet(command: list[str]) -> bool:
    try:
        return subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              timeout=900).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def main() -> int:
    found = system_chromium()
    if found:
        print(f"browser: using {found}")
        return 0
    print("browser: no system Chromium; trying Playwright's own download...", flush=True)
    if _quiet([sys.executable, "-m", "playwright", "install", "chromium"]):
        print("browser: using Playwright's Chromium")
        return 0
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        print("browser: installing Debian's chromium package (apt-get)...", flush=True)
        if _quiet(["apt-get", "update"]) and _quiet(["apt-get", "install", "-y", "chromium"]):
            print(f"browser: using {system_chromium()}")
            return 0
    print("error: no Chromium for the browser tests. Install one of: your distribution's `chromium` "
          "package (Debian/Ubuntu: sudo apt-get install chromium), Google Chrome, or Playwright's "
          "(.venv/bin/python -m playwright install chromium), then run `make test` again.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
