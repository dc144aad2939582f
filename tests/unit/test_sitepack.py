"""The page's packaging, the same in both homes, and who may use it without the local cloud."""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from sitepack import bundle, bytecode
from sitepack.bundle import app_bundle
from sitepack.files import content_type, page_with_styles

REPO_ROOT = Path(__file__).resolve().parents[2]
# Imports every module of each package named on the command line, then names the local
# cloud's modules that came with them.
_IMPORT_ALL = """
import importlib, json, pkgutil, sys
for name in sys.argv[1:]:
    for module in pkgutil.walk_packages(importlib.import_module(name).__path__, name + "."):
        importlib.import_module(module.name)
print(json.dumps(sorted(name for name in sys.modules if name.partition(".")[0] == "localcloud")))
"""


def _local_cloud_modules_loaded_by(package: str) -> list[str]:
    """The localcloud modules in a fresh interpreter after importing all of `package`, run from
    the repository's root as `make` runs the deploy and the build (tests import the local cloud)."""
    result = subprocess.run([sys.executable, "-c", _IMPORT_ALL, package], cwd=REPO_ROOT,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("package", ["deploy", "tools.site_build", "sitepack"])
def test_the_deploy_and_the_site_build_run_without_the_local_cloud(package: str) -> None:
    """`make deploy` needs neither moto nor the emulator, and a change to the emulator cannot
    change what is deployed: the packaging they share lives in sitepack."""
    assert _local_cloud_modules_loaded_by(package) == []


def test_the_import_check_sees_the_local_cloud_when_it_is_there() -> None:
    assert "localcloud.site_server" in _local_cloud_modules_loaded_by("localcloud")


@pytest.mark.parametrize(("key", "expected"), [
    ("vendor/pyodide/pyodide.mjs", "text/javascript; charset=utf-8"),
    ("vendor/pyodide/pyodide.asm.wasm", "application/wasm"),
    ("index.html", "text/html; charset=utf-8"),
    ("vendor/wheels/boto3-1.44.5-py3-none-any.whl", "application/zip"),
    ("vendor/pyodide/pyodide-lock.json", "application/json"),
    ("assets/logo.png", "image/png"),
    ("vendor/blob.unknownext", "application/octet-stream"),
])
def test_content_types_are_what_browsers_and_pyodide_expect(key: str, expected: str) -> None:
    assert content_type(key) == expected


@pytest.mark.parametrize("rule", ["body { background: url(assets/paw.svg); }", "@import 'more.css';",
                                  "p::after { content: '</style><script>'; }"])
def test_a_stylesheet_that_would_mean_something_else_inside_the_page_stays_linked(tmp_path: Path, rule: str) -> None:
    (tmp_path / "styles.css").write_text(rule)
    page = b'<link rel="stylesheet" href="/styles.css">'
    assert page_with_styles(page, tmp_path) == page


def test_the_app_archive_is_byte_identical_for_the_same_sources(tmp_path: Path) -> None:
    """Deploy compares MD5s: an unchanged app must not be uploaded again."""
    (tmp_path / "main.py").write_text("x = 1\n")
    first = app_bundle(tmp_path)
    (tmp_path / "main.py").touch()
    assert app_bundle(tmp_path) == first


def test_the_app_archive_holds_the_bytecode_the_site_s_pyodide_compiled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Beside each module, the .pyc its Python imports instead of compiling it (tests/e2e checks that
    the real compiler's bytecode is what the page's Python takes)."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text("VIEWS = 1\n")
    asked = []

    def compiled(sources: dict[str, str], site_root: Path, *, wait: bool = True) -> dict[str, bytes]:
        asked.append((sources, site_root))
        return {"app/__pycache__/views.cpython-314.opt-2.pyc": b"pyc"}

    monkeypatch.setattr(bytecode, "compile_for_page", compiled)
    archive = zipfile.ZipFile(io.BytesIO(app_bundle(tmp_path / "app", tmp_path)))
    assert asked == [({"app/views.py": "VIEWS = 1\n"}, tmp_path)]
    assert archive.read("app/__pycache__/views.cpython-314.opt-2.pyc") == b"pyc"
    assert archive.read("app/views.py") == b"VIEWS = 1\n"


def built_runtime(site_root: Path, pyodide_module: str = "// a runtime\n") -> Path:
    """A site whose runtime.json names a built runtime (its pyodide/ holding `pyodide_module`)."""
    pyodide = site_root / "vendor" / "0123456789abcdef" / "pyodide"
    pyodide.mkdir(parents=True)
    (pyodide / "pyodide.mjs").write_text(pyodide_module)
    (site_root / "vendor" / "runtime.json").write_text('{"base": "vendor/0123456789abcdef/"}')
    return pyodide.parent


def test_without_a_built_runtime_the_page_compiles_its_python_itself(tmp_path: Path) -> None:
    assert bytecode.compile_for_page({"app/views.py": "VIEWS = 1\n"}, tmp_path) == {}


def test_the_bytecode_a_runtime_compiled_is_reused_until_a_module_changes(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Each start of the local cloud asks for app.zip's bytecode: Node (seconds) runs only for sources it has not seen."""
    built_runtime(tmp_path)
    runs = []

    def node(command: list[str], input: str, **options: object) -> subprocess.CompletedProcess[str]:
        runs.append(json.loads(input))
        out = {f"app/__pycache__/{Path(path).stem}.pyc": base64.b64encode(text.encode()).decode()
               for path, text in runs[-1].items()}
        return subprocess.CompletedProcess(command, 0, stdout=json.dumps(out), stderr="")

    monkeypatch.setattr(bytecode.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(bytecode.subprocess, "run", node)
    first = bytecode.compile_for_page({"app/views.py": "VIEWS = 1\n"}, tmp_path)
    assert bytecode.compile_for_page({"app/views.py": "VIEWS = 1\n"}, tmp_path) == first
    assert first == {"app/__pycache__/views.pyc": b"VIEWS = 1\n"} and len(runs) == 1
    edited = bytecode.compile_for_page({"app/views.py": "VIEWS = 2\n"}, tmp_path)
    assert edited == {"app/__pycache__/views.pyc": b"VIEWS = 2\n"} and len(runs) == 2


def test_a_compiler_that_fails_leaves_the_page_to_compile_its_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    """A broken runtime or Node costs the page time, not the local cloud its start or the deploy its run."""
    built_runtime(tmp_path, pyodide_module="throw new Error('not a Pyodide');\n")
    if shutil.which("node") is None:
        pytest.skip("no Node to run the compiler")
    assert bytecode.compile_for_page({"app/views.py": "VIEWS = 1\n"}, tmp_path) == {}
    assert "not compiled ahead" in caplog.text and "not a Pyodide" in caplog.text


def test_a_compressed_archive_is_kept_beside_the_runtime_for_the_next_process(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Every start of the local cloud publishes app.zip: brotli (0.4 s of a core) runs once per archive,
    not once per process, and a damaged entry is compressed again, never served."""
    runtime = built_runtime(tmp_path)
    archive = b"an archive " * 4096
    calls = []
    real = bundle.brotli.compress
    monkeypatch.setattr(bundle.brotli, "compress", lambda data, **options: calls.append(data) or real(data, **options))

    def next_process() -> bytes:
        bundle.compressed.cache_clear()  # what a new process starts with
        return bundle.compressed(archive, tmp_path)

    first = next_process()
    assert bundle.brotli.decompress(first) == archive and len(calls) == 1
    assert next_process() == first and len(calls) == 1
    (entry,) = (runtime / bundle.CACHE_DIR).iterdir()
    entry.write_bytes(first[:-9])
    assert next_process() == first and len(calls) == 2
    assert entry.read_bytes() == first
    bundle.compressed.cache_clear()
    assert bundle.compressed(archive) == first and len(calls) == 3  # no runtime named: nothing kept to read
