// Evaluated by snapshot.py in headless Chromium on a page of the runtime being built:
// boot Pyodide the ordinary way with the page's packages, run the warm-up on every module
// of their wheels (keeping PyScript's package, `pyscript`, compiled), keep the memory
// snapshot in `globalThis.pettubeSnapshot` and the wasm
// memory as instantiation left it in `globalThis.pettubeStartingMemory` for snapshot.py to
// read, and return their sizes, where the memory starts in the snapshot, the modules the
// browser could not import and the standard library's modules it holds.
// It is taken in the browser, not in Node, because Pyodide keeps what it learned of the
// JavaScript engine (WebAssembly stack switching, which PyScript's fetch needs) in memory.
async ([indexURL, packages, services, pyscript, warmup]) => {
  const { loadPyodide } = await import(indexURL + "pyodide.mjs");
  // The memory as a restoring page finds it (the module's data segments, zeros elsewhere):
  // snapshot.bin leaves out what is still the same. Caught at the first instance that
  // exports a memory, Pyodide's, before any of its code runs.
  const wasm = WebAssembly, originals = { instantiate: wasm.instantiate, instantiateStreaming: wasm.instantiateStreaming };
  let memory = null;
  for (const [name, original] of Object.entries(originals)) {
    wasm[name] = async function (...args) {
      const result = await original.apply(wasm, args);
      const exported = (result.instance ?? result).exports?.memory;
      if (!memory && exported instanceof wasm.Memory) {
        memory = exported;
        const bytes = new Uint8Array(exported.buffer);
        let end = bytes.length;
        while (end > 0 && bytes[end - 1] === 0) end--;
        globalThis.pettubeStartingMemory = bytes.slice(0, end);
        Object.assign(wasm, originals);
      }
      return result;
    };
  }
  // A plain object as Python's `js` module: the real globalThis behind Pyodide's recording
  // proxy makes accessors such as crossOriginIsolated throw "Illegal invocation". Python runs
  // with -OO, as boot.mjs starts it the ordinary way too: no docstrings in memory (0.5 MB less
  // brotli) and no asserts.
  const py = await loadPyodide({ indexURL, packages, jsglobals: { ...globalThis }, env: { PYTHONOPTIMIZE: "2" },
                                 _makeSnapshot: true });
  // Import names (dateutil, not python-dateutil) of everything installed, dependencies included.
  const imports = Object.keys(py.loadedPackages).flatMap((name) => py.lockfile.packages[name].imports);
  // In a namespace of its own: the page's scripts run in __main__'s, which starts empty.
  const scope = py.toPy({ __name__: "_pettube_snapshot" });
  py.runPython(warmup, { globals: scope, filename: "snapshot_warmup.py" });
  const warmUp = scope.get("warm_up");
  const sources = py.toPy(pyscript), result = warmUp(imports, services, sources);
  const { unavailable, stdlib } = result.toJs({ dict_converter: Object.fromEntries });
  for (const proxy of [result, sources, warmUp, scope]) proxy.destroy();
  // Emptied before the snapshot, as the first snapshot builds needed (their pages reinstalled the
  // wheels after restoring). It is a JS object, not part of the memory: the restored page starts
  // with an empty one and installs none of these packages.
  for (const name of Object.keys(py.loadedPackages)) delete py.loadedPackages[name];
  globalThis.pettubeSnapshot = py.makeMemorySnapshot();
  const starting = globalThis.pettubeStartingMemory;
  // Pyodide's header, then the whole memory.
  const memoryOffset = globalThis.pettubeSnapshot.length - memory.buffer.byteLength;
  return { size: globalThis.pettubeSnapshot.length, memoryOffset, startingSize: starting.length, unavailable, stdlib };
}
