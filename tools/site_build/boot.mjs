// PetTube's entry into Pyodide. PyScript imports this module as its `interpreter` and calls
// its loadPyodide(). It restores the memory snapshot that `python -m tools.site_build` took
// after boto3 was imported, which skips seconds of interpreter start-up and imports.
// Whenever the browser lacks WebAssembly JSPI, or the snapshot is missing, was made by
// another Pyodide build (Pyodide checks a build id) or fails to restore, Python boots the
// ordinary way. Pyodide's snapshot API is private (underscored options): only this file and
// snapshot.js use it.
import * as pyodide from "./pyodide.mjs";

export const version = pyodide.version;

const SNAPSHOT = new URL("snapshot.bin", import.meta.url);
const PAGE = 65536;

// How this page's Python started, for the page's tests and benchmarks.
const boot = { mode: "starting", reason: "" };
globalThis.pettubeBoot = boot;

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

// The snapshot was taken in Chromium, and Pyodide keeps in memory that the engine has
// WebAssembly stack switching (JSPI), which PyScript's fetch then relies on.
const canRestore = () => "Suspending" in WebAssembly;

export async function loadPyodide(options = {}) {
  if (!canRestore()) {
    boot.mode = "ordinary";
    boot.reason = "this browser has no WebAssembly stack switching (JSPI), which the snapshot needs";
    return pyodide.loadPyodide(options);
  }
  const snapshot = fetchSnapshot();
  // Pyodide awaits it only after loading its own scripts: meanwhile a failed download must
  // not count as an unhandled rejection (loadPyodide's own rejection is handled below).
  snapshot.catch(() => {});
  const restoreWebAssembly = growMemoryOnInstantiate(snapshot);
  try {
    const interpreter = await pyodide.loadPyodide({ ...options, _loadSnapshot: snapshot });
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
