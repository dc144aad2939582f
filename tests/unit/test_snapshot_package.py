"""PyScript's package as the memory snapshot holds it: compiled once, imported ahead of the file
system, with its sources for tracebacks (tools/site_build/snapshot_warmup.py, in CPython here)."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterator

import pytest

from tools.site_build import snapshot_warmup

SOURCES = {
    "petpkg/__init__.py": "from petpkg.web import page\nLOADED_FROM = 'snapshot'\n",
    "petpkg/web.py": "page = 'the page'\n\ndef fail():\n    raise ValueError('from the snapshot')\n",
}


@pytest.fixture
def package() -> Iterator[snapshot_warmup.CompiledPackage]:
    snapshot_warmup.keep_pyscript(SOURCES)
    kept = sys.modules.pop(snapshot_warmup.PYSCRIPT_MODULE).package
    yield kept
    if kept in sys.meta_path:
        sys.meta_path.remove(kept)
    for name in [name for name in sys.modules if name.split(".")[0] == "petpkg"]:
        del sys.modules[name]


def test_the_package_is_imported_from_the_compiled_code_once_installed(package: snapshot_warmup.CompiledPackage) -> None:
    with pytest.raises(ModuleNotFoundError):
        __import__("petpkg")  # not before: a page whose set-up was not recognized writes its files
    package.install()
    package.install()
    assert sys.meta_path.count(package) == 1
    import petpkg  # noqa: PLC0415 - imported through the finder under test
    import petpkg.web  # noqa: PLC0415

    assert (petpkg.LOADED_FROM, petpkg.page) == ("snapshot", "the page")
    assert petpkg.__spec__.loader is package and petpkg.__spec__.origin == "petpkg/__init__.py"
    assert petpkg.__path__ == [] and not hasattr(petpkg.web, "__path__")  # a package, and a module


def test_a_traceback_through_the_package_shows_its_source(package: snapshot_warmup.CompiledPackage) -> None:
    package.install()
    import petpkg.web  # noqa: PLC0415

    with pytest.raises(ValueError) as raised:
        petpkg.web.fail()
    frame = traceback.extract_tb(raised.tb)[-1]
    assert (frame.filename, frame.lineno) == ("petpkg/web.py", 4)
    assert frame.line == "raise ValueError('from the snapshot')"
