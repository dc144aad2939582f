// PetTube's entry into Pyodide. PyScript imports this module as its `interpreter` and calls
// its loadPyodide(). It restores the memory snapshot that `python -m tools.site_build` took
// after importing every module of the page's packages and building its boto3 clients, which
// skips seconds of interpreter start-up, imports and package installs.
// Whenever the browser lacks WebAssembly JSPI, or the snapshot is missing, was made by
// another Pyodide build (Pyodide checks a build id) or fails to restore, Python boots the
// ordinary way. Pyodide's snapshot API is private (underscored options): only this file and
// snapshot.js use it.
import * as pyodide from "./pyodide.mjs";

export const version = pyodide.version;

const SNAPSHOT = new URL("snapshot.bin", import.meta.url);
const PAGE = 65536;
// The packages whose every module is in the snapshot: a restored page does not install them
// (their files are not in memory, and nothing reads them any more).
const SNAPSHOT_PACKAGES = [/* the snapshot's packages, filled in by snapshot.py */];

// How this page's Python started, for the page's tests and benchmarks.
const boot = { mode: "starting", reason: "" };
globalThis.pettubeBoot = boot;

// The snapshot was taken in Chromium, and Pyodide keeps in memory that the engine has
// WebAssembly stack switching (JSPI), which PyScript's fetch then relies on.
function canRestore() {
  return "Suspending" in WebAssembly;
}

async function fetchSnapshot() {
  const response = await fetch(SNAPSHOT);
  if (!response.ok) throw new Error(`${SNAPSHOT.pathname} answered HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

// Restoring copies the snapshot over the wasm memory, which must already be that large, and
// this Pyodide build ignores its INITIAL_MEMORY hint. So grow the memory the moment the module
// is instantiated, before Emscripten makes its heap views; then put WebAssembly back.
function growMemoryOnInstantiate(snapshot) {
  const wasm = WebAssembly;
  const saved = { instantiate: wasm.instantiate, instantiateStreaming: wasm.instantiateStreaming };
  const restore = () => Object.assign(wasm, saved);
  const wrap = (original) => async function (source, imports) {
    const result = await original.call(wasm, source, imports);
    const memory = (result.instance ?? result).exports?.memory;
    if (memory instanceof wasm.Memory) {
      restore();
      const bytes = await snapshot.then((data) => data.byteLength, () => 0);
      const missing = Math.ceil((bytes - memory.buffer.byteLength) / PAGE);
      if (missing > 0) memory.grow(missing);
    }
    return result;
  };
  wasm.instantiate = wrap(saved.instantiate);
  wasm.instantiateStreaming = wrap(saved.instantiateStreaming);
  return restore;
}

// Downloaded from the moment this module is imported: PetTube's loader imports it while
// PyScript is still starting. Pyodide awaits it much later: meanwhile a failed download must
// not count as an unhandled rejection (loadPyodide's own rejection is handled below).
const snapshot = canRestore() ? fetchSnapshot() : null;
snapshot?.catch(() => {});

// A requirement's name without its version ("boto3==1.40" -> "boto3").
const packageName = (requirement) => requirement.split(/[<>=!~ ;\[]/)[0];

export async function loadPyodide(options = {}) {
  if (!snapshot) {
    boot.mode = "ordinary";
    boot.reason = "this browser has no WebAssembly stack switching (JSPI), which the snapshot needs";
    return pyodide.loadPyodide(options);
  }
  const packages = (options.packages ?? []).filter((name) => !SNAPSHOT_PACKAGES.includes(packageName(name)));
  const restoreWebAssembly = growMemoryOnInstantiate(snapshot);
  try {
    const interpreter = await pyodide.loadPyodide({ ...options, packages, _loadSnapshot: snapshot });
    // The snapshot froze `random`'s state: every page would draw the same numbers.
    interpreter.runPython("import random; random.seed()");
    boot.mode = "snapshot";
    return interpreter;
  } catch (error) {
    boot.mode = "ordinary";
    boot.reason = String(error?.message ?? error).split("\n")[0];
    console.warn(`PetTube: starting Python the ordinary way; the memory snapshot was not used (${boot.reason})`);
    return pyodide.loadPyodide(options);
  } finally {
    restoreWebAssembly();
  }
}
