"""The npm side: install the lockfile's exact packages, then pick the files the page serves."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

# Pyodide's core, without the UMD build, source maps, typings and demo consoles.
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip")
# Pyodide's module factory (pyodide.asm.mjs) made a classic script, which the boot module loads
# instead: Chromium keeps a classic script's compiled functions in its code cache, where it
# compiles a module script's anew at every visit. The script defines one global, whose
# `default` is Pyodide's `createPyodideModule`; `import.meta.url` becomes the script's own URL.
FACTORY_SCRIPT = "pyodide.asm.js"
FACTORY_GLOBAL = "pettubePyodideFactory"
COGNITO_UMD = "amazon-cognito-identity-js/dist/amazon-cognito-identity.min.js"
# hls.js's ES module, light build: PetTube's streams are MPEG-TS with muxed audio (docs/cost.md),
# so none of what only the full build has (alternate audio, subtitles, DRM) is needed.
HLS_MODULE = "hls.js/dist/hls.light.min.mjs"
HLS_PATH = "hls/hls.mjs"  # where it lives in the versioned runtime
# What must exist after `npm ci`; a missing one means node_modules is stale or partial.
# The Python package PyScript's core writes into the page's file system at every start, as the
# build artifact its bundle embeds (`export default {"pyscript": {file name: source}}`).
PYSCRIPT_STDLIB = "@pyscript/core/src/stdlib/pyscript.js"
# The module of PyScript's that makes, from that artifact, the Python it runs before each of the
# page's scripts (its `stdlib`): write the package's files, import it.
PYSCRIPT_SETUP = "@pyscript/core/src/stdlib.js"
REQUIRED = ("pyodide/pyodide-lock.json", "@pyscript/core/dist/core.js", PYSCRIPT_STDLIB, PYSCRIPT_SETUP, COGNITO_UMD,
            HLS_MODULE, "esbuild/bin/esbuild")


class NpmInstallError(RuntimeError):
    """`npm ci` failed (no network and no npm cache, or a lockfile out of step with package.json)."""


def ensure_installed(root: Path, stamp: Path) -> Path:
    """Run `npm ci` only when package-lock.json changed since the last install; return node_modules."""
    modules = root / "node_modules"
    lock_hash = hashlib.sha256((root / "package-lock.json").read_bytes()).hexdigest()
    complete = all((modules / name).exists() for name in REQUIRED)
    if complete and stamp.exists() and stamp.read_text() == lock_hash:
        return modules
    npm = shutil.which("npm")
    if npm is None:
        raise NpmInstallError("npm is not installed (Node 20+ is needed to build the site runtime)")
    # --ignore-scripts: no package here needs an install script (esbuild's binary comes
    # from its platform package), and none should run on a developer's machine.
    command = [npm, "ci", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund"]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise NpmInstallError(result.stderr.strip()[-2000:])
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(lock_hash)
    return modules


def copy_runtime(modules: Path, dest: Path) -> None:
    """Copy Pyodide's core (and its factory as a classic script), PyScript's dist (no maps), the
    Cognito UMD build and hls.js into `dest`."""
    (dest / "pyodide").mkdir(parents=True)
    for name in PYODIDE_FILES:
        shutil.copy2(modules / "pyodide" / name, dest / "pyodide" / name)
    write_factory_script(modules, dest / "pyodide")
    shutil.copytree(modules / "@pyscript/core/dist", dest / "pyscript", ignore=shutil.ignore_patterns("*.map"))
    (dest / "cognito").mkdir()
    shutil.copy2(modules / COGNITO_UMD, dest / "cognito" / Path(COGNITO_UMD).name)
    (dest / "hls").mkdir()
    shutil.copy2(modules / HLS_MODULE, dest / HLS_PATH)


def write_factory_script(modules: Path, pyodide_dir: Path) -> Path:
    """pyodide_dir/pyodide.asm.mjs as the classic script FACTORY_SCRIPT, by esbuild: strict, as
    the module was, and without its whitespace."""
    command = [str(modules / "esbuild" / "bin" / "esbuild"), str(pyodide_dir / "pyodide.asm.mjs"), "--format=iife",
               f"--global-name={FACTORY_GLOBAL}", f"--define:import.meta.url={FACTORY_GLOBAL}URL",
               f'--banner:js="use strict";var {FACTORY_GLOBAL}URL = document.currentScript.src;',
               "--minify-whitespace", "--log-level=error", f"--outfile={pyodide_dir / FACTORY_SCRIPT}"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise NpmInstallError(f"esbuild could not make {FACTORY_SCRIPT}: {result.stderr.strip()[-2000:]}")
    return pyodide_dir / FACTORY_SCRIPT


def pyscript_sources(modules: Path) -> dict[str, str]:
    """The files PyScript writes for its `pyscript` package, by path relative to Python's working
    directory (where PyScript writes them): "pyscript/__init__.py" -> its source."""
    text = (modules / PYSCRIPT_STDLIB).read_text(encoding="utf-8")
    tree = json.loads(text.split("export default", 1)[1].strip().removesuffix(";"))

    def files(base: str, node: dict[str, object]) -> dict[str, str]:
        found: dict[str, str] = {}
        for name, value in node.items():
            found.update({f"{base}{name}": value} if isinstance(value, str) else files(f"{base}{name}/", value))
        return found

    return files("", tree)


def pyscript_setup(modules: Path) -> str:
    """The Python PyScript runs before the page's script, which writes the files pyscript_sources()
    lists and imports the package, as Node evaluates PyScript's own module: exactly the text the
    page will hand Python (PyScript's dedent leaves it as it is, its first line not indented)."""
    node = shutil.which("node")
    if node is None:
        raise NpmInstallError("Node.js is not installed (Node 20+ is needed to build the site runtime)")
    script = "const { stdlib } = await import(process.argv[1]); process.stdout.write(stdlib);"
    result = subprocess.run([node, "--input-type=module", "-e", script, (modules / PYSCRIPT_SETUP).resolve().as_uri()],
                            capture_output=True, encoding="utf-8", check=False)
    if result.returncode != 0 or not result.stdout:
        raise NpmInstallError(f"PyScript's set-up could not be read: {result.stderr.strip()[-2000:]}")
    return result.stdout
