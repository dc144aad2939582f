"""The site runtime build: the lock Pyodide trusts, the trimmed botocore, caching and the page's entry points."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import subprocess
import urllib.request
import zipfile
from pathlib import Path

import brotli
import pytest

from tools.site_build import build as site_build
from tools.site_build import compress, npm, snapshot, wheels
from tools.site_build.compress import siblings
from tools.site_build.pyodide_lock import MissingDependencyError, build_lock
from tools.site_build.serve import serve

REPO = Path(__file__).resolve().parents[2]
UPSTREAM = {"info": {"abi_version": "2026_0", "arch": "wasm32", "platform": "emscripten_5_0_3", "python": "3.14.2"},
            "packages": {"numpy": {}}, "tool": {}}


def make_wheel(directory: Path, name: str, version: str, files: dict[str, bytes], requires: tuple[str, ...] = ()) -> Path:
    """A minimal wheel with METADATA and RECORD, like the ones pip downloads."""
    dist_info = f"{name.replace('-', '_')}-{version}.dist-info"
    metadata = [f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}"]
    metadata += [f"Requires-Dist: {requirement}" for requirement in requires]
    entries = {**files, f"{dist_info}/METADATA": ("\n".join(metadata) + "\n").encode()}
    path = directory / f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for entry, data in entries.items():
            wheel.writestr(zipfile.ZipInfo(entry, date_time=(2026, 1, 1, 0, 0, 0)), data)
        wheel.writestr(zipfile.ZipInfo(f"{dist_info}/RECORD", date_time=(2026, 1, 1, 0, 0, 0)), b"stale\n")
    return path


def test_the_lock_lists_each_wheel_with_its_real_sha256_and_python_imports(tmp_path: Path) -> None:
    dateutil = make_wheel(tmp_path, "python-dateutil", "2.9.0.post0", {"dateutil/__init__.py": b""}, ("six >=1.5",))
    six = make_wheel(tmp_path, "six", "1.17.0", {"six.py": b""})
    lock = build_lock(UPSTREAM, [dateutil, six])
    assert lock["info"] == UPSTREAM["info"]
    assert set(lock["packages"]) == {"python-dateutil", "six"}  # Pyodide's own 357 entries are gone
    entry = lock["packages"]["python-dateutil"]
    assert entry["sha256"] == hashlib.sha256(dateutil.read_bytes()).hexdigest()
    assert (entry["file_name"], entry["imports"], entry["depends"]) == (dateutil.name, ["dateutil"], ["six"])
    assert lock["packages"]["six"]["imports"] == ["six"]


def test_dependencies_are_those_that_apply_inside_pyodide(tmp_path: Path) -> None:
    requires = ("botocore (<1.45.0,>=1.44.5)", "awscrt ; extra == 'crt'", "backports-zstd ; python_version < '3.14'",
                "urllib3 ; sys_platform == 'emscripten'")
    boto = make_wheel(tmp_path, "boto3", "1.44.5", {"boto3/__init__.py": b""}, requires)
    botocore = make_wheel(tmp_path, "botocore", "1.44.5", {"botocore/__init__.py": b""})
    urllib3 = make_wheel(tmp_path, "urllib3", "2.8.0", {"urllib3/__init__.py": b""})
    lock = build_lock(UPSTREAM, [boto, botocore, urllib3])
    assert lock["packages"]["boto3"]["depends"] == ["botocore", "urllib3"]


def test_a_wheel_needing_an_unvendored_package_fails_the_build(tmp_path: Path) -> None:
    boto = make_wheel(tmp_path, "boto3", "1.44.5", {"boto3/__init__.py": b""}, ("jmespath<2",))
    with pytest.raises(MissingDependencyError, match="boto3 needs jmespath"):
        build_lock(UPSTREAM, [boto])


def fake_botocore(directory: Path) -> Path:
    """botocore's layout: code, shared data files, one folder per service (models gzipped, as shipped)."""
    model = {"metadata": {"serviceId": "S3"}, "documentation": "Amazon S3",
             "operations": {"ListParts": {"input": {"shape": "ListPartsRequest"}, "documentation": "Lists parts."},
                            "PutObject": {"input": {"shape": "PutObjectRequest"}}},
             "shapes": {"ListPartsRequest": {"type": "structure", "members": {"Bucket": {"shape": "BucketName"}}},
                        "BucketName": {"type": "string"}, "PutObjectRequest": {"type": "structure", "members": {}}}}
    endpoints = {"partitions": [{"partition": "aws", "services": {"s3": {}, "ec2": {}}}], "version": 3}
    files = {"botocore/__init__.py": b"# code", "botocore/data/endpoints.json": json.dumps(endpoints).encode(),
             "botocore/data/_retry.json": b"{}",
             "botocore/data/s3/2006-03-01/service-2.json.gz": gzip.compress(json.dumps(model).encode(), mtime=0),
             "botocore/data/s3/2006-03-01/examples-1.json": b"{}",
             "botocore/data/s3/2006-03-01/paginators-1.json": b"{}",
             "botocore/data/ec2/2016-11-15/service-2.json.gz": b"ec2 model" * 1000}
    return make_wheel(directory, "botocore", "1.44.5", files)


def test_slim_botocore_keeps_code_and_only_the_page_calls(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    slim = wheels.slim_botocore(fake_botocore(tmp_path), tmp_path / "out", api={"s3": ("ListParts",)})
    with zipfile.ZipFile(slim) as wheel:
        names = set(wheel.namelist())
        record = wheel.read("botocore-1.44.5.dist-info/RECORD").decode().splitlines()
        model = json.loads(wheel.read("botocore/data/s3/2006-03-01/service-2.json"))
        endpoints = json.loads(wheel.read("botocore/data/endpoints.json"))
    assert names == {"botocore/__init__.py", "botocore/data/endpoints.json", "botocore/data/_retry.json",
                     "botocore/data/s3/2006-03-01/service-2.json", "botocore/data/s3/2006-03-01/paginators-1.json",
                     "botocore-1.44.5.dist-info/METADATA", "botocore-1.44.5.dist-info/RECORD"}
    assert list(model["operations"]) == ["ListParts"] and set(model["shapes"]) == {"ListPartsRequest", "BucketName"}
    assert "documentation" not in model and "documentation" not in model["operations"]["ListParts"]
    assert endpoints["partitions"][0]["services"] == {"s3": {}}
    # RECORD names exactly the files left, so installers that check it agree with the content.
    assert {row.split(",")[0] for row in record} == names


def test_slim_botocore_is_byte_identical_on_every_build(tmp_path: Path) -> None:
    source = fake_botocore(tmp_path)
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    api = {"s3": ("ListParts",)}
    assert wheels.slim_botocore(source, first, api).read_bytes() == wheels.slim_botocore(source, second, api).read_bytes()


def test_compressed_siblings_only_where_the_server_would_send_fewer_bytes(tmp_path: Path) -> None:
    (tmp_path / "pyodide.asm.wasm").write_bytes(b"\0asm" * 10_000)
    (tmp_path / "snapshot.bin").write_bytes(b"\0\1\2" * 10_000)
    (tmp_path / "tiny.js").write_text("export{}")
    (tmp_path / "random.json").write_bytes(os.urandom(4096))
    (tmp_path / "python_stdlib.zip").write_bytes(b"PK" * 10_000)
    written = siblings(tmp_path)
    assert [path.name for path in written] == ["pyodide.asm.wasm.br", "pyodide.asm.wasm.gz",
                                               "python_stdlib.zip.br", "python_stdlib.zip.gz",
                                               "snapshot.bin.br", "snapshot.bin.gz"]
    wasm = (tmp_path / "pyodide.asm.wasm").read_bytes()
    assert brotli.decompress(written[0].read_bytes()) == wasm and gzip.decompress(written[1].read_bytes()) == wasm
    assert [path.read_bytes() for path in siblings(tmp_path)] == [path.read_bytes() for path in written]


def test_the_snapshot_s_runtime_is_served_typed_and_with_the_headers_a_page_gets(tmp_path: Path) -> None:
    """The snapshot keeps the JavaScript environment Pyodide started in: it must be the page's."""
    (tmp_path / "pyodide").mkdir()
    (tmp_path / "pyodide" / "pyodide.asm.wasm").write_bytes(b"\0asm\1\0\0\0")
    (tmp_path / "pyodide" / "pyodide.mjs").write_text("export const x = 1;\n")
    with serve(tmp_path) as site:
        with urllib.request.urlopen(f"{site}/pyodide/pyodide.asm.wasm") as wasm:
            assert (wasm.headers["Content-Type"], wasm.read()) == ("application/wasm", b"\0asm\1\0\0\0")
            assert wasm.headers["Cross-Origin-Opener-Policy"] == "same-origin-allow-popups"
        with urllib.request.urlopen(f"{site}/pyodide/pyodide.mjs") as module:
            assert module.headers["Content-Type"] == "text/javascript; charset=utf-8"


# The sources of PyScript's package the snapshot was last asked to hold compiled.
PRECOMPILED: dict[str, str] = {}
# Like PyScript's src/stdlib.js: its set-up (write the package's files, import it) as an export.
SET_UP = 'import os as _os\n_path = "./pyscript/__init__.py"\nimport pyscript as _pyscript\ndel _pyscript\n\n'


def fake_snapshot(runtime: Path, packages: list[str], services: tuple[str, ...], pyscript: dict[str, str]) -> Path:
    """Stands in for the headless-Chromium snapshot and the standard library's rest (tests/e2e boot the real ones)."""
    PRECOMPILED.clear()
    PRECOMPILED.update(pyscript)
    taken = runtime / "pyodide" / snapshot.SNAPSHOT_NAME
    # Like the real one: in its stored form, and not byte-identical from run to run.
    taken.write_bytes(snapshot.stored_form(b"\0" * 4096 + b"pettube " * 512 + os.urandom(16), memory_offset=192))
    taken.with_name(snapshot.STDLIB_REST_NAME).write_bytes(b"\0" * 4096)
    return taken


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout with a stand-in node_modules and wheel cache (no npm, no network)."""
    modules = tmp_path / "node_modules"
    for name in [*(f"pyodide/{f}" for f in npm.PYODIDE_FILES), "@pyscript/core/dist/core.js",
                 "@pyscript/core/dist/core.js.map", npm.COGNITO_UMD, npm.HLS_MODULE]:
        (modules / name).parent.mkdir(parents=True, exist_ok=True)
        (modules / name).write_text(f"// {name}")
    with zipfile.ZipFile(modules / "pyodide" / "python_stdlib.zip", "w", zipfile.ZIP_DEFLATED) as stdlib:
        stdlib.writestr("json/__init__.py", "# the standard library\n" * 200)
    (modules / "pyodide/pyodide-lock.json").write_text(json.dumps(UPSTREAM))
    # Like Pyodide's: an ES module whose default export is the module factory, which reads its
    # own URL. The build makes it a classic script with the real esbuild.
    (modules / "pyodide/pyodide.asm.mjs").write_text(
        "async function _createPyodideModule(moduleArg = {}) { return import.meta.url; }\n"
        "export default _createPyodideModule;\n")
    (modules / "esbuild").symlink_to(REPO / "node_modules" / "esbuild", target_is_directory=True)
    for package, version in (("pyodide", "314.0.7"), ("@pyscript/core", "0.7.31"), ("hls.js", "1.7.4")):
        (modules / package / "package.json").write_text(json.dumps({"version": version, "type": "module"}))
    (tmp_path / "package-lock.json").write_text("{}")
    cache = tmp_path / "wheels"
    cache.mkdir()
    make_wheel(cache, "six", "1.17.0", {"six.py": b""})
    # Like PyScript's: one line of re-exports from a hashed chunk.
    (modules / "@pyscript/core/dist/core.js").write_text('export{a as hooks}from"./core-Ab12Cd34.js";\n')
    (modules / "@pyscript/core/dist/core-Ab12Cd34.js").write_text("export const a = {};\n")
    # Like PyScript's artifact: the `pyscript` package it writes at every start, a tree of sources.
    (modules / npm.PYSCRIPT_STDLIB).parent.mkdir(parents=True)
    (modules / npm.PYSCRIPT_STDLIB).write_text('// ⚠️ This file is an artifact: DO NOT MODIFY\nexport default {\n  "pyscript": '
                                                '{"__init__.py": "from pyscript.web import page", "web": {"__init__.py": "page = 1"}}\n};\n',
                                                encoding="utf-8")
    (modules / npm.PYSCRIPT_SETUP).write_text(f"export const stdlib = {json.dumps(SET_UP)};\n", encoding="utf-8")
    monkeypatch.setattr(npm, "ensure_installed", lambda root, stamp: modules)
    monkeypatch.setattr(wheels, "download", lambda directory: sorted(cache.glob("*.whl")))
    monkeypatch.setattr(snapshot, "take", fake_snapshot)
    (tmp_path / "site" / "app").mkdir(parents=True)
    (tmp_path / "site" / "app" / "main.py").write_text("")
    (tmp_path / "site" / "app" / "pyodide_fixes.py").write_text("")
    (tmp_path / "site" / "pyscript.toml").write_text('packages = ["six"]\n')
    return tmp_path


def test_the_page_reaches_the_versioned_runtime_through_fixed_paths(repo: Path) -> None:
    manifest = site_build.build(repo)
    vendor = repo / "site" / "vendor"
    assert (vendor / manifest["version"] / "pyodide" / "pyodide-lock.json").is_file()
    assert not list((vendor / manifest["version"]).rglob("*.map"))
    loader = (vendor / "pyscript.js").read_text()
    assert f'"./{manifest["version"]}/"' in loader
    # PyScript's core and the chunk it imports are asked for together, not one after the other.
    assert 'const preloads = [core, ...["core-Ab12Cd34.js"].map(' in loader
    config = json.loads((vendor / "pyscript.json").read_text())
    # The page's packages are the runtime's: the boot module has them, PyScript's config does not
    # (PyScript would fetch and run its package-graph module only to check them).
    assert "packages" not in config
    assert (repo / "site" / config["interpreter"].lstrip("/")).is_file()
    # site/app arrives as one archive (the site server zips it), unpacked as app/*.py.
    assert config["files"] == {"/app.zip": "./*"}
    # hls.js: self-hosted in the versioned runtime, reached through a fixed-path module.
    assert (repo / "site" / manifest["hls"]).read_text() == f"// {npm.HLS_MODULE}"
    assert f'from "./{manifest["version"]}/hls/hls.mjs"' in (repo / "site" / manifest["hls_entry"]).read_text()


def micropython_config(loader: str) -> dict:
    """The <mpy-config> the loader puts in the page, decoded."""
    literal = re.search(r'createElement\("mpy-config"\), \{ textContent: ("(?:[^"\\]|\\.)*") \}', loader)
    assert literal, "the loader gives MicroPython no config"
    return json.loads(json.loads(literal.group(1)))


def test_pyodide_s_factory_is_served_as_a_classic_script_that_knows_its_own_url(repo: Path) -> None:
    # Chromium code-caches classic scripts, not module scripts: the factory must run as one (a
    # module's import or export would be a syntax error), strict as the module was, and read its
    # own URL where the module read import.meta.url.
    manifest = site_build.build(repo)
    pyodide = repo / "site" / manifest["base"] / "pyodide"
    script = (pyodide / npm.FACTORY_SCRIPT).read_text()
    assert script.startswith('"use strict";')
    run_as_the_page_does = """
        const page = "https://pets.example/vendor/v/pyodide/pyodide.asm.js";
        const sandbox = { document: { currentScript: { src: page } } };
        require("node:vm").runInNewContext(require("node:fs").readFileSync(process.argv[1], "utf8"), sandbox);
        sandbox[process.argv[2]].default().then((url) => process.stdout.write(url));
    """
    ran = subprocess.run(["node", "-e", run_as_the_page_does, str(pyodide / npm.FACTORY_SCRIPT), npm.FACTORY_GLOBAL],
                         capture_output=True, text=True, check=False)
    assert (ran.returncode, ran.stdout) == (0, "https://pets.example/vendor/v/pyodide/pyodide.asm.js"), ran.stderr
    # The boot module loads that file and reads that global.
    boot = (pyodide / snapshot.BOOT_NAME).read_text()
    assert f'url: new URL("{npm.FACTORY_SCRIPT}", import.meta.url), global: "{npm.FACTORY_GLOBAL}"' in boot


def test_micropython_gets_the_page_plugins_turned_off_and_follows_the_config_without_a_rebuild(repo: Path) -> None:
    # PyScript loads every plugin for an interpreter without a config: MicroPython, which the
    # page never runs, must turn off exactly what the page's config turns off.
    (repo / "site" / "pyscript.toml").write_text('packages = ["six"]\nplugins = ["!py-terminal"]\n')
    first = site_build.build(repo)
    loader = repo / "site" / first["loader"]
    assert micropython_config(loader.read_text()) == {"plugins": ["!py-terminal"]}
    (repo / "site" / "pyscript.toml").write_text('packages = ["six"]\nplugins = ["!py-terminal", "!py-game"]\n')
    second = site_build.build(repo)
    assert second["version"] == first["version"]  # the config is not the runtime
    assert micropython_config(loader.read_text()) == {"plugins": ["!py-terminal", "!py-game"]}
    assert json.loads((repo / "site" / second["config"]).read_text())["plugins"] == ["!py-terminal", "!py-game"]


def test_an_unchanged_build_does_nothing_and_a_changed_input_gets_a_new_directory(repo: Path) -> None:
    first = site_build.build(repo)
    wasm = repo / "site" / first["base"] / "pyodide" / "pyodide.asm.wasm"
    built_at = wasm.stat().st_mtime_ns
    assert site_build.build(repo)["version"] == first["version"]
    assert wasm.stat().st_mtime_ns == built_at
    for old in (repo / "wheels").glob("six-*"):
        old.unlink()
    make_wheel(repo / "wheels", "six", "1.17.1", {"six.py": b"# new"})
    second = site_build.build(repo)
    assert second["version"] != first["version"]
    assert second["packages"] == {"six": "1.17.1"}
    assert not (repo / "site" / first["base"]).exists()  # the old runtime is gone, not left to pile up


def test_a_local_build_is_compressed_in_seconds_and_release_compresses_it_as_it_ships_in_place(
        repo: Path, caplog: pytest.LogCaptureFixture) -> None:
    """make dev and make test compress at brotli 6; `--release` (make deploy, the benchmarks)
    compresses the same runtime again at 11 without rebuilding it, and a local build never
    undoes that. Each says what a browser gets at its quality."""
    caplog.set_level("INFO", logger="site_build")
    local = site_build.build(repo)
    taken = repo / "site" / local["snapshot"]
    sibling, data = taken.with_name(taken.name + ".br"), taken.read_bytes()
    shipping = brotli.compress(data, quality=compress.RELEASE_QUALITY)
    assert local["release"] is False and sibling.read_bytes() == brotli.compress(data, quality=compress.LOCAL_QUALITY)
    assert shipping != sibling.read_bytes()  # (on data this small, quality 11 is not always the smaller)
    built_at = taken.stat().st_mtime_ns
    shipped = site_build.build(repo, release=True)
    assert (shipped["version"], shipped["release"]) == (local["version"], True)
    assert sibling.read_bytes() == shipping
    assert taken.stat().st_mtime_ns == built_at  # compressed again, not rebuilt (nor the snapshot retaken)
    assert json.loads((repo / "site" / "vendor" / "runtime.json").read_text())["release"] is True
    assert site_build.build(repo)["release"] is True
    assert sibling.read_bytes() == shipping
    reported = [line for line in caplog.messages if line.startswith("runtime compressed at brotli quality")]
    runtime = repo / "site" / local["base"]
    assert reported[-1] == (f"runtime compressed at brotli quality 11: "
                            f"{compress.brotli_served_bytes(runtime) / 1e6:.2f} MB for a browser that takes br")
    assert [line.split(":")[0][-2:].strip() for line in reported] == ["6", "11"]


def test_the_page_boots_through_the_snapshot_module_and_the_snapshot_does_not_rename_the_runtime(repo: Path) -> None:
    first = site_build.build(repo, force=True)
    pyodide = repo / "site" / first["base"] / "pyodide"
    config = json.loads((repo / "site" / "vendor" / "pyscript.json").read_text())
    assert config["interpreter"] == f"/{first['base']}pyodide/{snapshot.BOOT_NAME}"
    # The boot module knows the page's packages, which the snapshot holds and the ordinary boot
    # installs, and Pyodide's version, which PyScript reads before its import of Pyodide ends.
    assert 'const PAGE_PACKAGES = ["six"];' in (pyodide / snapshot.BOOT_NAME).read_text()
    assert 'export const version = "314.0.7";' in (pyodide / snapshot.BOOT_NAME).read_text()
    assert first["snapshot"] == f"{first['base']}pyodide/{snapshot.SNAPSHOT_NAME}"
    assert (pyodide / "snapshot.bin.gz").is_file()
    taken = (pyodide / snapshot.SNAPSHOT_NAME).read_bytes()
    # It knows the snapshot's digest, to trust a copy in IndexedDB only if it is these bytes,
    # its length, to say how far its download is, and the image's layout (Pyodide's header,
    # its length, where the data segments' pages end), to ready Pyodide's memory before it is
    # here; the brotli sibling says the same.
    sealed = (f'const SNAPSHOT_SHA256 = "{hashlib.sha256(taken).hexdigest()}";\n'
              f"const SNAPSHOT_BYTES = {len(taken)};\nconst HEADER_BYTES = 192;\n"
              "const IMAGE = { length: 8208, startingEnd: 0 };")
    assert sealed in (pyodide / snapshot.BOOT_NAME).read_text()
    assert sealed in brotli.decompress((pyodide / f"{snapshot.BOOT_NAME}.br").read_bytes()).decode()
    second = site_build.build(repo, force=True)
    assert second["version"] == first["version"]  # same inputs, same name: caches stay warm
    assert (repo / "site" / second["snapshot"]).read_bytes() != taken
    assert hashlib.sha256((repo / "site" / second["snapshot"]).read_bytes()).hexdigest() in (
        pyodide / snapshot.BOOT_NAME).read_text()


def test_the_snapshot_holds_pyscript_s_package_and_the_boot_module_knows_its_set_up(repo: Path) -> None:
    manifest = site_build.build(repo)
    # Paths relative to Python's working directory, where PyScript writes its package.
    assert PRECOMPILED == {"pyscript/__init__.py": "from pyscript.web import page", "pyscript/web/__init__.py": "page = 1"}
    # The set-up as Node evaluates PyScript's module: a page recognizes exactly that text.
    boot = (repo / "site" / manifest["base"] / "pyodide" / snapshot.BOOT_NAME).read_text()
    digest = hashlib.sha256(SET_UP.encode()).hexdigest()
    assert f'const PYSCRIPT_SET_UP = {{ length: {len(SET_UP)}, sha256: "{digest}" }};' in boot


def test_without_a_browser_the_runtime_still_builds_and_the_next_build_tries_again(
        repo: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def no_browser(runtime: Path, packages: list[str], services: tuple[str, ...], pyscript: dict[str, str]) -> Path:
        raise snapshot.SnapshotError("Executable doesn't exist at /nowhere/chrome")

    monkeypatch.setattr(snapshot, "take", no_browser)
    manifest = site_build.build(repo)
    assert manifest["snapshot"] is None
    # No digest: the page neither saves nor reads a snapshot in IndexedDB.
    assert 'const SNAPSHOT_SHA256 = "";' in (repo / "site" / manifest["base"] / "pyodide" / snapshot.BOOT_NAME).read_text()
    assert "ordinary way" in caplog.text and "make browser" in caplog.text
    monkeypatch.setattr(snapshot, "take", fake_snapshot)
    assert site_build.build(repo)["snapshot"] is not None


def test_wheels_and_the_standard_library_are_stored_for_the_servers_brotli(repo: Path) -> None:
    pyodide = repo / "site" / site_build.build(repo)["base"] / "pyodide"
    for archive in (pyodide / "python_stdlib.zip", *pyodide.glob("*.whl")):
        with zipfile.ZipFile(archive) as members:
            assert {info.compress_type for info in members.infolist()} == {zipfile.ZIP_STORED}
            assert members.testzip() is None
    stdlib = pyodide / "python_stdlib.zip"
    assert brotli.decompress((pyodide / "python_stdlib.zip.br").read_bytes()) == stdlib.read_bytes()
    lock = json.loads((pyodide / "pyodide-lock.json").read_text())
    six = next(p for p in pyodide.glob("six-*.whl"))
    assert lock["packages"]["six"]["sha256"] == hashlib.sha256(six.read_bytes()).hexdigest()


def test_a_restored_page_gets_the_standard_library_without_what_the_snapshot_holds(tmp_path: Path) -> None:
    """Modules already in the snapshot's memory, and those a page cannot use, are left out of
    the archive the restored page mounts; their packages' other modules stay, importable later;
    the archive lists what the snapshot holds, for boot.mjs to check against the restored
    interpreter."""
    members = {"json/": b"", "json/__init__.py": b"# json", "json/tool.py": b"# tool", "base64.py": b"# b64",
               "colorsys.py": b"# colours", "pdb.py": b"# debugger", "unittest/": b"", "unittest/mock.py": b"# mock"}
    with zipfile.ZipFile(tmp_path / snapshot.STDLIB_NAME, "w") as stdlib:
        for name, data in members.items():
            stdlib.writestr(name, data)
    in_memory = {"json": "json/__init__.py", "base64": "base64.py"}
    rest = snapshot.write_stdlib_rest(tmp_path, in_memory)
    with zipfile.ZipFile(rest) as archive:
        assert archive.namelist() == ["json/", "json/tool.py", "colorsys.py", snapshot.IN_MEMORY_MEMBER]
        assert archive.read(snapshot.IN_MEMORY_MEMBER).decode().split() == ["base64", "json"]
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_STORED}
    first = rest.read_bytes()
    assert snapshot.write_stdlib_rest(tmp_path, dict(reversed(in_memory.items()))).read_bytes() == first


def expand(stored: bytes, starting_memory: bytes = b"") -> bytes:
    """The image boot.mjs restores (restoreThroughHeader), written again from the format's
    description: the runs, over the module's starting memory and zeros."""
    field = lambda at: int.from_bytes(stored[at:at + 4], "little")  # noqa: E731
    length, memory_offset, starting_end, runs = field(4), field(8), field(12), field(16)
    assert stored[:4] == snapshot.STORED_MAGIC
    base = (bytes(memory_offset) + starting_memory)[:starting_end].ljust(length, b"\0")[:length]
    image = bytearray(base)
    data = 20 + 8 * runs
    for run in range(runs):
        offset, size = field(20 + 8 * run), field(24 + 8 * run)
        image[offset:offset + size] = stored[data:data + size]
        data += size
    assert data == len(stored)
    return bytes(image)


@pytest.mark.parametrize("image", [
    b"\0" * 8192 + os.urandom(5000) + b"\0" * 20000 + b"x" + b"\0" * 100,  # runs of zero pages, a ragged end
    os.urandom(10000),
    b"\0" * 12288,
    b"",
], ids=["mixed", "no-zero-page", "all-zeros", "empty"])
def test_the_snapshot_file_leaves_out_zero_pages_and_gives_the_image_back(image: bytes) -> None:
    stored = snapshot.stored_form(image)
    assert expand(stored) == image
    pages = [image[at:at + 4096] for at in range(0, len(image), 4096)]
    zeros = [page for page in pages if page == bytes(len(page))]
    # Only the header and the pages that are not all zeros: at most one run per zero page, plus one.
    assert len(stored) <= len(image) - sum(map(len, zeros)) + 20 + 8 * (len(zeros) + 1)


def test_the_snapshot_file_leaves_out_the_pages_still_as_the_module_started() -> None:
    """Pages equal to the instantiated module's memory (its data segments) are not stored, the
    ones Python changed are, and so is static data that became all zeros."""
    header = b"snp!" + os.urandom(188)  # Pyodide's header: the memory starts 192 bytes in
    static = os.urandom(6 * 4096)  # the data segments
    memory = bytearray(static + bytes(8 * 4096))
    memory[2 * 4096 + 10] ^= 0xFF  # Python wrote into the static data...
    memory[4 * 4096:5 * 4096] = bytes(4096)  # ...zeroed some of it...
    memory[9 * 4096:9 * 4096 + 50] = os.urandom(50)  # ...and allocated on the heap.
    image = header + bytes(memory)
    stored = snapshot.stored_form(image, len(header), static)
    assert expand(stored, static) == image
    # The image's pages are the memory's shifted by the header. Stored, in four runs: the
    # header's page, the one written, the two the zeros straddle, the heap's one; not the
    # two of untouched static data, nor the zeros after it.
    assert len(stored) == 20 + 8 * 4 + 5 * 4096
    assert static[4000:7900] not in stored and static[12100:16000] not in stored

