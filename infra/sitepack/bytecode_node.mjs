// Compiles Python sources with the page's own Pyodide, in Node (bytecode.py): reads
// {path: source} as JSON on stdin, writes {.pyc path: base64} as JSON on stdout.
// usage: node bytecode_node.mjs <the runtime's pyodide directory> <bytecode_pyodide.py>
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const [pyodideDir, pyodideSide] = process.argv.slice(2);
const sources = JSON.parse(readFileSync(0, "utf8"));
const { loadPyodide } = await import(pathToFileURL(`${pyodideDir}/pyodide.mjs`).href);
// -OO, as the page runs (the .pyc names carry the optimization level), and a fixed hash seed:
// the order of a set constant in the bytecode follows string hashes, and the same sources must
// give the same archive (a deploy uploads only what changed).
const py = await loadPyodide({ indexURL: `${pyodideDir}/`, env: { PYTHONOPTIMIZE: "2", PYTHONHASHSEED: "0" },
                               stdout: (line) => console.error(line) });
py.runPython(readFileSync(pyodideSide, "utf8"));
const compiled = py.globals.get("checked_bytecode")(py.toPy(sources)).toJs({ dict_converter: Object.fromEntries });
process.stdout.write(JSON.stringify(Object.fromEntries(
  Object.entries(compiled).map(([path, data]) => [path, Buffer.from(data).toString("base64")]))));
