"""The page's Pyodide memory snapshot, taken at install time in headless Chromium.

Pyodide restores a snapshot only into the build that made it, and keeps what it learned
of the JavaScript engine in memory: a snapshot taken in Node (no WebAssembly stack
switching) breaks PyScript's fetch in Chromium. So the build serves the runtime it is
assembling on 127.0.0.1, boots it in the same Chromium the tests drive, runs
`snapshot_warmup.py` and reads the memory back (`snapshot.js`).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import logging
import struct
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from tools.site_build import wheels

if TYPE_CHECKING:
    from playwright.sync_api import Page

log = logging.getLogger("site_build")

HERE = Path(__file__).parent
SCRIPT = HERE / "snapshot.js"
WARMUP = HERE / "snapshot_warmup.py"
BOOT = HERE / "boot.mjs"
# Names inside the versioned pyodide/ directory; the boot module fetches SNAPSHOT_NAME and
# STDLIB_REST_NAME next to itself.
SNAPSHOT_NAME = "snapshot.bin"
BOOT_NAME = "pettube-boot.mjs"
STDLIB_NAME = "python_stdlib.zip"
STDLIB_REST_NAME = "python_stdlib_rest.zip"
# In the rest of the standard library: the names of the modules it leaves out (boot.mjs checks
# that the restored interpreter holds every one).
IN_MEMORY_MEMBER = "pettube-in-memory.txt"
# Standard-library modules and packages a page cannot use: the REPL and debugger, test
# runners, processes, mail, FTP and XML-RPC over sockets, the help system, the pure-Python io.
# Nothing the page runs imports them, even lazily (its wheels, PyScript and site/app were
# searched); the restored page's archive leaves them out too (0.3 MB of brotli). The
# ordinary boot still mounts the whole standard library.
NOT_FOR_A_PAGE = frozenset({
    "_pyio", "_pyrepl", "antigravity", "bdb", "cmd", "code", "doctest", "ftplib", "imaplib", "mailbox",
    "multiprocessing", "pdb", "pickletools", "poplib", "pyclbr", "pydoc", "pydoc_data", "rlcompleter", "smtplib",
    "sqlite3", "tabnanny", "this", "trace", "unittest", "wsgiref", "xmlrpc",
})
# snapshot.bin is Pyodide's memory image without the pages a page already has: those that
# are all zeros (a third of its 38 MB) and those still as the module's data segments left them
# at instantiation (3.8 MB of static data, which pyodide.asm.wasm brings anyway). Brotli's
# decoder, IndexedDB and SHA-256 then handle 21 MB instead of 38, and 1 MB less brotli
# travels. Little-endian: the magic, the image's length, where Pyodide's memory starts in it
# (after its header), where the data segments' pages end in it, the number of runs, each
# run's (offset, length), then the runs' bytes in order. boot.mjs writes the runs into the
# module's memory, over its data segments' pages as instantiated and zeros.
STORED_MAGIC = b"PTZ2"
_PAGE = 4096
# In boot.mjs, replaced by Pyodide's version, the JSON list of the page's packages (which the
# snapshot holds), and the snapshot's digest, length and header length.
_VERSION_PLACEHOLDER = "\"/* Pyodide's version, filled in by snapshot.py */\""
_PACKAGES_PLACEHOLDER = "[/* the page's packages, filled in by snapshot.py */]"
_SET_UP_LINE = 'const PYSCRIPT_SET_UP = { length: 0, sha256: "" };'
_DIGEST_LINE = 'const SNAPSHOT_SHA256 = "";'
_SNAPSHOT_BYTES_LINE = "const SNAPSHOT_BYTES = 0;"
_HEADER_BYTES_LINE = "const HEADER_BYTES = 0;"
_IMAGE_LINE = "const IMAGE = { length: 0, startingEnd: 0 };"
# Read back in pieces: one string of tens of MB through the DevTools protocol is slow and memory-hungry.
_CHUNK = 4 << 20
_READ_CHUNK = """([name, offset, size]) => {
  const bytes = globalThis[name].subarray(offset, offset + size);
  let text = "";
  for (let i = 0; i < bytes.length; i += 32768) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 32768));
  return btoa(text);
}"""


class SnapshotError(RuntimeError):
    """The snapshot could not be taken (the page still boots, the ordinary way)."""


def install_boot(pyodide_dir: Path, pyodide_version: str, packages: list[str], pyscript_set_up: str) -> None:
    """Put the boot module (PyScript's `interpreter`) next to pyodide.mjs, which it imports.

    It is told Pyodide's version, which it exports before that import ends; the page's
    packages: it installs them when Python starts the ordinary way, and a page restoring the
    snapshot, which holds them, skips them; and the length (in JavaScript's UTF-16 units) and
    SHA-256 of PyScript's set-up (npm.pyscript_setup), which a restored page recognizes and
    replaces with importing the package the snapshot holds compiled.
    """
    text = BOOT.read_text().replace(_VERSION_PLACEHOLDER, json.dumps(pyodide_version))
    text = text.replace(_PACKAGES_PLACEHOLDER, json.dumps(sorted(packages)))
    length = len(pyscript_set_up.encode("utf-16-le")) // 2
    digest = hashlib.sha256(pyscript_set_up.encode()).hexdigest()
    text = text.replace(_SET_UP_LINE, f'const PYSCRIPT_SET_UP = {{ length: {length}, sha256: "{digest}" }};')
    (pyodide_dir / BOOT_NAME).write_text(text)


def seal_boot(snapshot_path: Path) -> Path:
    """Write the snapshot's SHA-256, its length, its header's length and the image's layout
    (length, end of the data segments' pages) into the boot module next to it, which then keeps
    a returning visitor's copy in IndexedDB and trusts only those exact bytes from there, tells
    the page how far a first visit's download is, and readies Pyodide's memory and hands it the
    header's array before the snapshot is here."""
    boot = snapshot_path.with_name(BOOT_NAME)
    stored = snapshot_path.read_bytes()
    digest = hashlib.sha256(stored).hexdigest()
    image_bytes, header_bytes, starting_end = struct.unpack_from("<III", stored, len(STORED_MAGIC))
    text = boot.read_text().replace(_DIGEST_LINE, f'const SNAPSHOT_SHA256 = "{digest}";')
    text = text.replace(_SNAPSHOT_BYTES_LINE, f"const SNAPSHOT_BYTES = {len(stored)};")
    text = text.replace(_IMAGE_LINE, f"const IMAGE = {{ length: {image_bytes}, startingEnd: {starting_end} }};")
    boot.write_text(text.replace(_HEADER_BYTES_LINE, f"const HEADER_BYTES = {header_bytes};"))
    return boot


def stored_form(image: bytes, memory_offset: int = 0, starting_memory: bytes = b"") -> bytes:
    """`image` as snapshot.bin stores it: only its runs of pages that differ from what the page
    has before restoring, which is `starting_memory` (the instantiated module's) from
    `memory_offset` on, and zeros elsewhere."""
    base = bytes(memory_offset) + starting_memory.rstrip(b"\0")
    base_end = -(-len(base) // _PAGE) * _PAGE if base.strip(b"\0") else 0
    runs: list[list[int]] = []
    for offset in range(0, len(image), _PAGE):
        page = image[offset:offset + _PAGE]
        if page == base[offset:offset + _PAGE].ljust(len(page), b"\0"):
            continue
        if runs and sum(runs[-1]) == offset:
            runs[-1][1] += len(page)
        else:
            runs.append([offset, len(page)])
    header = struct.pack(f"<4sIIII{2 * len(runs)}I", STORED_MAGIC, len(image), memory_offset, min(base_end, len(image)),
                         len(runs), *itertools.chain(*runs))
    return header + b"".join(image[offset:offset + length] for offset, length in runs)


def write_stdlib_rest(pyodide_dir: Path, in_memory: dict[str, str]) -> Path:
    """The standard library a restored page mounts: Pyodide's, without the modules the
    snapshot holds in memory (`in_memory`: module name -> archive member) and those a page
    cannot use (`NOT_FOR_A_PAGE`). What the page may still import lazily stays; 0.7 MB of
    brotli does not travel twice."""
    stdlib = pyodide_dir / STDLIB_NAME
    with zipfile.ZipFile(stdlib) as archive:
        unusable = {name for name in archive.namelist()
                    if name.split("/")[0].removesuffix(".py") in NOT_FOR_A_PAGE}
    listing = "\n".join(sorted(in_memory)).encode()
    leave_out = frozenset(in_memory.values()) | unusable
    return wheels.repack_stored(stdlib, pyodide_dir / STDLIB_REST_NAME, leave_out, {IN_MEMORY_MEMBER: listing})


def _read_back(page: Page, name: str, size: int) -> bytes:
    """The bytes of the Uint8Array `globalThis[name]` in the page."""
    return b"".join(base64.b64decode(page.evaluate(_READ_CHUNK, [name, offset, _CHUNK]))
                    for offset in range(0, size, _CHUNK))


def take(runtime_dir: Path, packages: list[str], services: tuple[str, ...], pyscript: dict[str, str],
         timeout_ms: int = 300_000) -> Path:
    """Boot `runtime_dir`/pyodide with `packages` in headless Chromium, import all of them, build
    clients for `services`, compile PyScript's package (`pyscript`: path -> source), and write
    the memory to `snapshot.bin` there, with the standard library the restored page mounts
    (`write_stdlib_rest`)."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    from tools.chromium import launch_options
    from tools.site_build.serve import serve

    output = runtime_dir / "pyodide" / SNAPSHOT_NAME
    try:
        with serve(runtime_dir) as site, sync_playwright() as playwright:
            browser = playwright.chromium.launch(**launch_options())
            try:
                page = browser.new_page()
                page.set_default_timeout(timeout_ms)
                page.goto(f"{site}/pyodide/pyodide-lock.json")
                taken = page.evaluate(SCRIPT.read_text(), [f"{site}/pyodide/", packages, list(services), pyscript,
                                                           WARMUP.read_text()])
                image = _read_back(page, "pettubeSnapshot", taken["size"])
                starting_memory = _read_back(page, "pettubeStartingMemory", taken["startingSize"])
                output.write_bytes(stored_form(image, taken["memoryOffset"], starting_memory))
            finally:
                browser.close()
    except PlaywrightError as exc:
        output.unlink(missing_ok=True)
        raise SnapshotError(str(exc).strip().splitlines()[0]) from exc
    rest = write_stdlib_rest(output.parent, taken["stdlib"])
    log.info("memory snapshot taken: %.1f MB, %.1f MB as stored (without the pages a page already has), holding %d standard-library modules "
             "(the rest: %.1f MB); modules the browser cannot import, left out: %s", len(image) / 1e6,
             output.stat().st_size / 1e6, len(taken["stdlib"]),
             rest.stat().st_size / 1e6, ", ".join(taken["unavailable"]) or "none")
    return output
