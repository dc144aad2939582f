// Evaluated by snapshot.py in headless Chromium on a page of the runtime being built:
// boot Pyodide the ordinary way with the page's packages, run the warm-up on every module
// of their wheels, keep the memory snapshot in `globalThis.pettubeSnapshot` for snapshot.py
// to read, and return its size, the modules the browser could not import and the standard
// library's modules it holds.
// It is taken in the browser, not in Node, because Pyodide keeps what it learned of the
// JavaScript engine (WebAssembly stack switching, which PyScript's fetch needs) in memory.
async ([indexURL, packages, services, warmup]) => {
  const { loadPyodide } = await import(indexURL + "pyodide.mjs");
  // A plain object as Python's `js` module: the real globalThis behind Pyodide's recording
  // proxy makes accessors such as crossOriginIsolated throw "Illegal invocation". Python runs
  // with -OO, as boot.mjs starts it the ordinary way too: no docstrings in memory (0.5 MB less
  // brotli) and no asserts.
  const py = await loadPyodide({ indexURL, packages, jsglobals: { ...globalThis }, env: { PYTHONOPTIMIZE: "2" },
                                 _makeSnapshot: true });
  // Import names (dateutil, not python-dateutil) of everything installed, dependencies included.
  const imports = Object.keys(py.loadedPackages).flatMap((name) => py.lockfile.packages[name].imports);
  py.runPython(warmup, { filename: "snapshot_warmup.py" });
  const warmUp = py.globals.get("warm_up");
  const { unavailable, stdlib } = warmUp(imports, services).toJs({ dict_converter: Object.fromEntries });
  warmUp.destroy();
  // Emptied before the snapshot, as FIELD-NOTES found necessary. It is a JS object, not part of
  // the memory: the restored page starts with an empty one and installs none of these packages.
  for (const name of Object.keys(py.loadedPackages)) delete py.loadedPackages[name];
  globalThis.pettubeSnapshot = py.makeMemorySnapshot();
  return { size: globalThis.pettubeSnapshot.length, unavailable, stdlib };
}
