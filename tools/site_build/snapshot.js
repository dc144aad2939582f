// Evaluated by snapshot.py in headless Chromium on a page of the runtime being built:
// boot Pyodide the ordinary way on the vendored wheels, run the warm-up, keep the memory
// snapshot in `globalThis.pettubeSnapshot` for snapshot.py to read, and return its size.
// It is taken in the browser, not in Node, because Pyodide keeps what it learned of the
// JavaScript engine (WebAssembly stack switching, which PyScript's fetch needs) in memory.
async ([indexURL, warmup]) => {
  const { loadPyodide } = await import(indexURL + "pyodide.mjs");
  // A plain object as Python's `js` module: the real globalThis behind Pyodide's recording
  // proxy makes accessors such as crossOriginIsolated throw "Illegal invocation".
  const py = await loadPyodide({ indexURL, packages: ["boto3"], jsglobals: { ...globalThis }, _makeSnapshot: true });
  py.runPython(warmup, { filename: "snapshot_warmup.py" });
  // The page installs the wheels again after restoring (their files are not in memory):
  // Pyodide must not think they are already there.
  for (const name of Object.keys(py.loadedPackages)) delete py.loadedPackages[name];
  globalThis.pettubeSnapshot = py.makeMemorySnapshot();
  return globalThis.pettubeSnapshot.length;
}
