// PetTube's entry into Pyodide. PyScript imports this module as its `interpreter` and calls
// its loadPyodide(). It restores the memory snapshot that `python -m tools.site_build` took
// after importing every module of the page's packages and building its boto3 clients, which
// skips seconds of interpreter start-up, imports and package installs; the restored page
// mounts only the part of the standard library that is not already in that memory.
// Whenever the browser lacks WebAssembly JSPI, or the snapshot is missing, was made by
// another Pyodide build (Pyodide checks a build id), fails to restore or does not match
// that standard library, Python boots the ordinary way. Pyodide's snapshot API is private
// (underscored options): only this file and snapshot.js use it.
//
// Before Python runs, only this module and the loader can tell the page anything: a first
// visit's download (`pettube:boot-progress`) and a Python that could not start at all
// (`pettube:boot-failed`), which index.html shows on its boot screen.
//
// A returning visitor's snapshot comes from IndexedDB, where the first visit saved it
// decoded: reading it back takes a tenth of the HTTP cache's brotli decoding. It is used
// only if its SHA-256 is the one this (immutable) module was built with, so nothing a
// script once wrote there can run as the page's Python.

// Pyodide's module, imported without waiting for it: this module's own work (the snapshot's
// download or read-back) then starts a round trip sooner. PyScript reads `version` as soon as
// it imports this module, so the build writes it in (snapshot.py, from Pyodide's package.json).
const pyodide = import("./pyodide.mjs");
pyodide.catch(() => {});  // a failure surfaces where loadPyodide awaits it
export const version = "/* Pyodide's version, filled in by snapshot.py */";

// Pyodide's runtime, asked for now too rather than once PyScript calls loadPyodide, some
// 150 ms later: the script Pyodide imports (the same module instance then), and the wasm
// module compiled (a returning visit's comes from Chromium's code cache meanwhile), which
// the instantiation watch hands Pyodide in place of its own download.
const runtimeScript = import("./pyodide.asm.mjs");
runtimeScript.catch(() => {});
const compiled = WebAssembly.compileStreaming(fetch(new URL("pyodide.asm.wasm", import.meta.url)));
compiled.catch(() => {});

const SNAPSHOT = new URL("snapshot.bin", import.meta.url);
// The standard library without the modules the snapshot holds in memory (snapshot.py).
const STDLIB_REST = new URL("python_stdlib_rest.zip", import.meta.url);
// -OO, as the snapshot was taken: no docstrings, no asserts, whichever way Python starts.
const OPTIMIZE = { PYTHONOPTIMIZE: "2" };
// Run once restored. The snapshot froze `random`'s state: every page would draw the same
// numbers. The standard library mounted now is not the archive the snapshot read: zipimport
// must forget its index of that one, and every module the new one leaves out must be in
// memory (a snapshot and an archive from two builds would not match).
const AFTER_RESTORE = `
import importlib, random, sys, zipimport
random.seed()
importlib.invalidate_caches()
archive = next(path for path in sys.path if path.endswith(".zip"))
held = zipimport.zipimporter(archive).get_data(archive + "/pettube-in-memory.txt").decode().split()
missing = [name for name in held if name not in sys.modules]
if missing:
    raise ImportError(f"the snapshot lacks {len(missing)} modules its standard library left out, "
                      f"such as {missing[0]}")
`;
// Hex SHA-256 of snapshot.bin, its length and the length of the image it holds, filled in by
// snapshot.py once the snapshot is taken.
const SNAPSHOT_SHA256 = "";
const SNAPSHOT_BYTES = 0;
const IMAGE_BYTES = 0;
const PAGE = 65536;
// The packages whose every module is in the snapshot: a restored page does not install them
// (their files are not in memory, and nothing reads them any more).
const SNAPSHOT_PACKAGES = [/* the snapshot's packages, filled in by snapshot.py */];
// One object store holding one snapshot, keyed by its SHA-256: saving a new one clears the old.
// localStorage notes which snapshot it holds, so that a first visit does not spend a fresh
// profile's slow first IndexedDB open before its download starts.
const STORE = { database: "pettube-runtime", objects: "snapshots", saved: "pettube-snapshot-saved" };

// How this page's Python started, for the page's tests and benchmarks: `snapshot` says where
// the snapshot came from ("stored" or "downloaded"), `store` what became of saving it. `mode`
// is "failed" when Python could not start at all.
const boot = { mode: "starting", reason: "", snapshot: "", store: "" };
globalThis.pettubeBoot = boot;

// Python cannot say that it failed to start: the page hears it as a `pettube:boot-failed`
// event, whose detail says why.
function failed(what, error) {
  boot.mode = "failed";
  boot.reason = `${what}: ${error?.message ?? error}`;
  console.error(`PetTube: ${boot.reason}`);
  globalThis.dispatchEvent(new CustomEvent("pettube:boot-failed", { detail: boot.reason }));
}

// The snapshot was taken in Chromium, and Pyodide keeps in memory that the engine has
// WebAssembly stack switching (JSPI), which PyScript's fetch then relies on.
function canRestore() {
  return "Suspending" in WebAssembly;
}

// snapshot.bin holds the memory image without the pages a page already has (snapshot.py):
// those of zeros, and those still as the module's data segments left them at instantiation.
// This writes the rest into `image` (zeros, as allocated) and returns how to complete it from
// the instantiated module's memory. Until then the image lacks Pyodide's magic number: one
// never completed is refused by Pyodide itself. Anything else (another format, a truncated
// file, an image that does not fit) throws here, and Python starts the ordinary way.
function fillImage(stored, image) {
  const fields = new DataView(stored.buffer, stored.byteOffset, stored.byteLength);
  const magic = String.fromCharCode(...stored.subarray(0, 4));
  if (stored.byteLength < 20 || magic !== "PTZ2") throw new Error(`${SNAPSHOT.pathname} is not a PetTube snapshot`);
  const [length, memoryOffset, startingEnd, runs] = [4, 8, 12, 16].map((at) => fields.getUint32(at, true));
  const truncated = new Error(`${SNAPSHOT.pathname} is truncated`);
  if (20 + 8 * runs > stored.byteLength) throw truncated;
  if (length > image.byteLength) throw new Error(`${SNAPSHOT.pathname} holds a larger image than this build's`);
  // The image's ranges left to the module's memory: [start, end), where image position p is
  // memory address p - memoryOffset.
  const gaps = [];
  const leaveGap = (start, end) => {
    [start, end] = [Math.max(start, memoryOffset), Math.min(end, startingEnd)];
    if (end > start) gaps.push([start, end]);
  };
  let data = 20 + 8 * runs, covered = 0;
  for (let run = 0; run < runs; run++) {
    const offset = fields.getUint32(20 + 8 * run, true), size = fields.getUint32(24 + 8 * run, true);
    image.set(stored.subarray(data, data + size), offset);
    leaveGap(covered, offset);
    covered = offset + size;
    data += size;
  }
  leaveGap(covered, startingEnd);
  if (data !== stored.byteLength) throw truncated;
  const magicNumber = image.slice(0, 4);
  image.fill(0, 0, 4);
  return (memory) => {
    for (const [start, end] of gaps) image.set(memory.subarray(start - memoryOffset, end - memoryOffset), start);
    image.set(magicNumber, 0);
  };
}

// A first visit waits for this download, the biggest of the page: the page hears how far it
// is as `pettube:boot-progress` events (detail: bytes received and expected), each whole
// percent once.
async function fetchSnapshot() {
  const response = await fetch(SNAPSHOT);
  if (!response.ok) throw new Error(`${SNAPSHOT.pathname} answered HTTP ${response.status}`);
  const chunks = [], reader = response.body.getReader();
  let received = 0, reported = -1;
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    chunks.push(read.value);
    received += read.value.byteLength;
    const expected = Math.max(received, SNAPSHOT_BYTES);
    const percent = Math.floor((100 * received) / expected);
    if (percent !== reported) {
      reported = percent;
      globalThis.dispatchEvent(new CustomEvent("pettube:boot-progress", { detail: { received, expected } }));
    }
  }
  const bytes = new Uint8Array(received);
  chunks.reduce((offset, chunk) => (bytes.set(chunk, offset), offset + chunk.byteLength), 0);
  return bytes;
}

async function sha256(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

// IndexedDB's callbacks as promises.
const settled = (request) => new Promise((resolve, reject) => {
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});

async function withStore(mode, use) {
  const opening = indexedDB.open(STORE.database, 1);
  opening.onupgradeneeded = () => opening.result.createObjectStore(STORE.objects);
  const database = await settled(opening);
  try {
    const transaction = database.transaction(STORE.objects, mode);
    const done = new Promise((resolve, reject) => {
      transaction.oncomplete = resolve;
      transaction.onerror = transaction.onabort = () => reject(transaction.error);
    });
    const result = await use(transaction.objectStore(STORE.objects));
    await done;
    return result;
  } finally {
    database.close();
  }
}

// localStorage throws where storage is blocked: then nothing is noted, and every visit downloads.
function savedDigest() {
  try {
    return localStorage.getItem(STORE.saved);
  } catch {
    return null;
  }
}

function noteSaved(digest) {
  try {
    if (digest) localStorage.setItem(STORE.saved, digest);
    else localStorage.removeItem(STORE.saved);
  } catch {
    // not noted
  }
}

// The snapshot saved by an earlier visit, or null: none saved, no IndexedDB (some private
// windows), or bytes that are not exactly this build's snapshot.
async function storedSnapshot() {
  if (!SNAPSHOT_SHA256 || savedDigest() !== SNAPSHOT_SHA256) return null;
  try {
    const saved = await withStore("readonly", (objects) => settled(objects.get(SNAPSHOT_SHA256)));
    const bytes = saved instanceof Blob ? new Uint8Array(await saved.arrayBuffer()) : null;
    if (bytes && (await sha256(bytes)) === SNAPSHOT_SHA256) return bytes;
  } catch {
    // unreadable: the download below, and saving it again
  }
  noteSaved(null);
  return null;
}

// The bytes of snapshot.bin as downloaded, kept to be saved once the page is idle.
let downloaded = null;

// The snapshot's bytes into `image`; then how to complete it (fillImage).
async function loadSnapshot(image) {
  const stored = await storedSnapshot();
  boot.snapshot = stored ? "stored" : "downloaded";
  if (!stored) downloaded = await fetchSnapshot();
  return fillImage(stored ?? downloaded, image);
}

// Once the page is idle: keep a downloaded snapshot for the next visit, if it is this build's.
function saveWhenIdle(bytes) {
  boot.store = "saving";
  const save = async () => {
    try {
      if ((await sha256(bytes)) !== SNAPSHOT_SHA256) throw new Error("the downloaded snapshot is not this build's");
      await withStore("readwrite", (objects) => {
        objects.clear();
        objects.put(new Blob([bytes]), SNAPSHOT_SHA256);
      });
      noteSaved(SNAPSHOT_SHA256);
      boot.store = "saved";
    } catch (error) {
      boot.store = `not saved: ${error?.message ?? error}`;
    }
  };
  if (globalThis.requestIdleCallback) requestIdleCallback(save, { timeout: 3000 });
  else setTimeout(save, 1000);
}

// Pyodide's module, as it is instantiated: from `compiled`, not from the download Pyodide
// started, which is dropped. Pyodide logs a module that failed to download or compile and
// then waits for ever: this says so instead (`failed`). Restoring also needs it: `onMemory`
// is handed the module's memory before Emscripten makes its heap views. Then WebAssembly is
// put back.
function watchInstantiation(onMemory = async () => {}) {
  const wasm = WebAssembly;
  const saved = { instantiate: wasm.instantiate, instantiateStreaming: wasm.instantiateStreaming };
  const watch = { failure: null, restore: () => Object.assign(wasm, saved) };
  wasm.instantiateStreaming = async function (source, imports) {
    watch.restore();
    Promise.resolve(source).then((response) => response.body?.cancel(), () => {});
    let result;
    try {
      const module = await compiled;
      result = { module, instance: await saved.instantiate.call(wasm, module, imports) };
    } catch (error) {
      failed("Python's runtime did not load", error);
      throw error;
    }
    try {
      await onMemory(result.instance.exports.memory);
    } catch (error) {
      watch.failure = error;
    }
    return result;
  };
  return watch;
}

// Restoring copies the image over the wasm memory, which must already be that large, and
// this Pyodide build ignores its INITIAL_MEMORY hint. So the moment the module is instantiated,
// grow the memory, wait for the snapshot's bytes and complete the image from that memory.
// Pyodide is handed the image (of a length known at build time) at once, so it fetches,
// compiles and instantiates its module while the snapshot is still downloading. A snapshot
// that failed leaves the image incomplete, which Pyodide refuses; `failure` then says why.
function completeOnInstantiate({ image, complete }) {
  return watchInstantiation(async (memory) => {
    const missing = Math.ceil((image.byteLength - memory.buffer.byteLength) / PAGE);
    if (missing > 0) memory.grow(missing);
    (await complete)(new Uint8Array(memory.buffer));
  });
}

// Read back or downloaded from the moment this module is imported (PetTube's loader imports
// it while PyScript is still starting), into the image Pyodide will restore. The instantiated
// module awaits it much later: meanwhile a failed download must not count as an unhandled
// rejection. Restoring copies the image into Python's memory; then nothing here holds on to
// its tens of MB.
let snapshot = null;
if (canRestore()) {
  const image = new Uint8Array(IMAGE_BYTES);
  snapshot = { image, complete: loadSnapshot(image) };
  snapshot.complete.catch(() => {});
}

// A requirement's name without its version ("boto3==1.40" -> "boto3").
const packageName = (requirement) => requirement.split(/[<>=!~ ;\[]/)[0];

// Pyodide the ordinary way: installing the page's packages, seconds slower.
async function ordinaryBoot(options) {
  const watch = watchInstantiation();
  try {
    return await (await pyodide).loadPyodide({ ...options, env: { ...options.env, ...OPTIMIZE } });
  } finally {
    watch.restore();
  }
}

export async function loadPyodide(options = {}) {
  try {
    return await restoreOrBoot(options);
  } catch (error) {
    if (boot.mode !== "failed") failed("Python could not start", error);
    throw error;
  }
}

async function restoreOrBoot(options) {
  if (!canRestore()) {
    boot.mode = "ordinary";
    boot.reason = "this browser has no WebAssembly stack switching (JSPI), which the snapshot needs";
    return ordinaryBoot(options);
  }
  // A second interpreter on the page (PetTube's has one) starts the ordinary way.
  if (!snapshot) return ordinaryBoot(options);
  const restoring = snapshot;
  snapshot = null;
  const packages = (options.packages ?? []).filter((name) => !SNAPSHOT_PACKAGES.includes(packageName(name)));
  const watch = completeOnInstantiate(restoring);
  try {
    const interpreter = await (await pyodide).loadPyodide({ ...options, packages, stdLibURL: STDLIB_REST.href,
                                                            _loadSnapshot: restoring.image });
    const scratch = interpreter.toPy({});
    try {
      interpreter.runPython(AFTER_RESTORE, { globals: scratch });
    } finally {
      scratch.destroy();
    }
    boot.mode = "snapshot";
    if (downloaded && SNAPSHOT_SHA256) saveWhenIdle(downloaded);
    return interpreter;
  } catch (error) {
    watch.restore();
    boot.mode = "ordinary";
    // Why the image was incomplete, if it was; a Python error's message is its traceback,
    // whose last line names it.
    const cause = watch.failure ?? error;
    const lines = String(cause?.message ?? cause).trim().split("\n");
    boot.reason = lines[0].startsWith("Traceback") ? lines.at(-1) : lines[0];
    console.warn(`PetTube: starting Python the ordinary way; the memory snapshot was not used (${boot.reason})`);
    return ordinaryBoot(options);
  } finally {
    watch.restore();
    downloaded = null;
  }
}
