"""How PetTube's tests and benchmarks launch headless Chromium with Playwright, here and on laptops."""

from __future__ import annotations

from typing import Any

from tools.browser_setup import system_chromium

# A system Chromium (Debian's on CI, where `playwright install` cannot download browsers)
# works through executable_path. No background traffic, no QUIC.
ARGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync")

# Chromium keeps only the last --disable-features it is given, so PetTube's list repeats the
# one Playwright 1.65 passes (tests/e2e/test_chromium_launch.py fails when an upgrade changes it).
PLAYWRIGHT_DISABLED_FEATURES = (
    "AvoidUnnecessaryBeforeUnloadCheckSync", "DestroyProfileOnBrowserClose", "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable", "LensOverlay", "MediaRouter", "PaintHolding",
    "ThirdPartyStoragePartitioning", "AvoidCorsURLLoaderRestartOnRedirect", "TcpPortRandomizationWin",
    "OptimizationHints", "NetworkTimeServiceQuerying", "AimEnabled", "PreconnectToSearch",
    "msForceBrowserSignIn", "msEdgeUpdateLaunchServicesPreferredVersion")
# Headless Chromium 156 still renders the omnibox popup's WebUI for every new browser: more
# than a second of CPU, on 2 cores, in the middle of the first page a benchmark times.
NO_OMNIBOX_WEBUI = ("WebUIOmniboxPopup", "WebUIOmniboxAimPopup")
# Chromium profiles the heap of a random few sessions ("nonstable-probability" on a Debian
# build): their renderers get --subproc-heap-profiling and unwind the stack of sampled
# allocations by frame pointers, scanning up to 8 KB past a frame. On a WebAssembly stack
# of JSPI (Python's, when it waits for JavaScript) that reads past the stack's end. All 19
# renderer crashes the tests met on 2026-12-05 ("Page crashed") were that read, at the same
# instruction; 18 were in renderers with --subproc-heap-profiling (the 19th, not: something
# else scanned the stack there). A forced profiled session crashed 6 of 10 boots of the app.
# Crashes at that instruction remain without heap profiling, rarely: 2 in about 500 cold+warm
# visit pairs of the snapshot page on 2026-12-06, in renderers without the switch (their crash
# reports, in Chromium's "Crash Reports" folder: a read about 8 KB above a stack pointer on a
# JSPI stack). Some other frame-pointer unwinder walks that stack; it was not found. 40 pages
# each presigning 3,000 URLs as the warm-up does (a JSPI suspension per step) crashed none:
# about one was expected had the warm-up been the trigger, so that is not settled either.
NO_HEAP_PROFILING = ("HeapProfilerReporting",)
DISABLED_FEATURES = PLAYWRIGHT_DISABLED_FEATURES + NO_OMNIBOX_WEBUI + NO_HEAP_PROFILING


def launch_options() -> dict[str, Any]:
    """Keyword arguments for `chromium.launch`/`launch_persistent_context`: a system Chromium when present."""
    options: dict[str, Any] = {"headless": True,
                               "args": [*ARGS, f"--disable-features={','.join(DISABLED_FEATURES)}"]}
    executable = system_chromium()
    if executable:
        options["executable_path"] = executable
    return options
