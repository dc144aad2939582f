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
// 150 ms later: its module factory, and the wasm module compiled (a returning visit's comes
// from Chromium's code cache meanwhile), which the instantiation watch hands Pyodide in place
// of its own download. The factory is pyodide.asm.mjs made a classic script by the build
// (pyodide.asm.js, defining one global): Chromium compiled a module script's functions anew at
// every visit, 55-85 ms of a returning visit's page thread before Python's module could be
// instantiated, where it keeps a classic script's in its code cache (see WARM_UP). Pyodide is
// handed it (its createPyodideModule option) and imports no pyodide.asm.mjs.
const FACTORY = { url: new URL("pyodide.asm.js", import.meta.url), global: "pettubePyodideFactory" };
function loadFactory() {
  return new Promise((resolve, reject) => {
    const script = Object.assign(document.createElement("script"), { src: FACTORY.url.href });
    script.onload = () => resolve(globalThis[FACTORY.global].default);
    script.onerror = () => reject(new Error(`${FACTORY.url.pathname.split("/").pop()} did not load`));
    document.head.append(script);
  });
}
const factory = loadFactory();
factory.catch(() => {});  // a failure surfaces where loadPyodide awaits it
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
// Before the page's script, PyScript has Python run its set-up: 30 KB of Python that writes the
// 14 files of PyScript's `pyscript` package, which Python then compiles and imports, 45-75 ms
// of every start. The snapshot holds that package compiled from the same sources
// (snapshot_warmup.py, CompiledPackage): when PyScript hands exactly the set-up this runtime was
// built with (its length in UTF-16 units and SHA-256, filled in by snapshot.py), Python imports
// the package from there instead (20-45 ms). Any other code, such as a set-up that a plugin
// added to, runs as it is.
const PYSCRIPT_SET_UP = { length: 0, sha256: "" };
const SET_UP_FROM_SNAPSHOT = `
import _pettube_pyscript
_pettube_pyscript.package.install()
import pyscript as _pyscript
del _pettube_pyscript, _pyscript
`;
// Hex SHA-256 of snapshot.bin, its length, the length of Pyodide's header at the start of the
// image it holds (the memory follows), and the image's length and where the pages of the
// module's data segments end in it, filled in by snapshot.py once the snapshot is taken.
const SNAPSHOT_SHA256 = "";
const SNAPSHOT_BYTES = 0;
const HEADER_BYTES = 0;
const IMAGE = { length: 0, startingEnd: 0 };
const PAGE = 65536;
// The page's packages (site/pyscript.toml), which PyScript's config leaves out: every module of
// theirs is in the snapshot, so a restored page does not install them (their files are not in
// memory, and nothing reads them any more); the ordinary boot installs them.
const PAGE_PACKAGES = [/* the page's packages, filled in by snapshot.py */];
// One object store holding one snapshot, keyed by its SHA-256: saving a new one clears the old.
// localStorage notes which snapshot it holds, so that a first visit does not spend a fresh
// profile's slow first IndexedDB open before its download starts.
const STORE = { database: "pettube-runtime", objects: "snapshots", saved: "pettube-snapshot-saved" };
// Chromium keeps Pyodide's compiled module in its code cache only once V8 has optimized enough
// of it, which starting Python alone does not reach (measured: no cache written 8 s after a
// start): every later visit then compiled again, function by function as Python first called
// each, about 1,900 functions and 150 ms of the page's thread. So once per runtime build and
// browser, when the page is idle, Python presigns upload-part URLs (what every upload does), one
// per step so that the page stays responsive, and every 25th step builds the two clients the
// page builds at every start: V8 optimizes that code and Chromium caches the module with
// everything compiled so far. 500 URLs are about three times what it took here for the cache
// to be written; with the clients, a returning visit's start was about 20 ms shorter again.
// The factory script is loaded once more first: Chromium caches a script's compiled code only at
// its second load (the first only notes it), and V8 then keeps every function this start
// compiled, so the next visit compiles none of them.
const WARM_UP = { noted: "pettube-code-cache-warmed", presigns: 500, clientsEvery: 25 };
// Presigning computes a URL and building a client sends nothing.
const WARM_UP_PY = `
import asyncio
import boto3
from botocore import UNSIGNED
from botocore.config import Config

def s3_client():
    return boto3.client("s3", region_name="us-east-1", endpoint_url="http://127.0.0.1:9",
                        aws_access_key_id="warm-up", aws_secret_access_key="warm-up",
                        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))

async def warm_up(presigns, clients_every):
    s3 = s3_client()
    for part in range(1, presigns + 1):
        if part % clients_every == 0:
            s3_client()
            boto3.client("cognito-identity", region_name="us-east-1", config=Config(signature_version=UNSIGNED))
        s3.generate_presigned_url("upload_part", ExpiresIn=60, Params={
            "Bucket": "warm-up", "Key": "warm-up", "UploadId": "warm-up", "PartNumber": part})
        await asyncio.sleep(0)

warm_up
`;

// How this page's Python started, for the page's tests and benchmarks: `snapshot` says where
// the snapshot came from ("stored" or "downloaded"), `store` what became of saving it,
// `warmUp` whether this visit warms up Chromium's code cache ("pending", then "done" or why it
// failed; "" when an earlier visit did), `setUp` "snapshot" once PyScript's package came from
// the snapshot. `mode` is "failed" when Python could not start at all.
const boot = { mode: "starting", reason: "", snapshot: "", store: "", warmUp: "", setUp: "" };
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

// snapshot.bin holds the memory image (Pyodide's header, then its memory) without the pages
// a page already has (snapshot.py): those of zeros, and those still as the module's data
// segments left them at instantiation. This reads its layout, checking everything: another
// format, a truncated or damaged file, or another build's header throws here, and Python
// starts the ordinary way. Runs are [image offset, offset in `stored`, size].
function layoutOf(stored, headerBytes) {
  const name = SNAPSHOT.pathname;
  const fields = new DataView(stored.buffer, stored.byteOffset, stored.byteLength);
  if (stored.byteLength < 20 || String.fromCharCode(...stored.subarray(0, 4)) !== "PTZ2") {
    throw new Error(`${name} is not a PetTube snapshot`);
  }
  const [length, memoryOffset, startingEnd, count] = [4, 8, 12, 16].map((at) => fields.getUint32(at, true));
  if (memoryOffset !== headerBytes) throw new Error(`${name} was made by another build`);
  const truncated = new Error(`${name} is truncated`);
  if (20 + 8 * count > stored.byteLength) throw truncated;
  const runs = [];
  let data = 20 + 8 * count, end = 0;
  for (let run = 0; run < count; run++) {
    const offset = fields.getUint32(20 + 8 * run, true), size = fields.getUint32(24 + 8 * run, true);
    if (offset < end || offset + size > length) throw new Error(`${name} is damaged`);
    runs.push([offset, data, size]);
    [data, end] = [data + size, offset + size];
  }
  if (data !== stored.byteLength) throw truncated;
  // The memory was grown to this build's image at instantiation.
  if (length > IMAGE.length) throw new Error(`${name} was made by another build`);
  return { length, memoryOffset, startingEnd, runs };
}

// Pyodide restores an image by checking its header and copying the rest over the module's
// memory (`image.subarray(header length)`). It is handed the header alone, and at that copy
// this writes the memory itself: the stored runs, the data segments' pages as instantiation
// left them (`starting`: Emscripten's start-up writes some in between) and zeros. No 38 MB
// image is made and copied twice. `restored` says it happened.
function restoreThroughHeader(stored, layout, header, memory, starting) {
  const { length, memoryOffset, runs } = layout;
  const state = { restored: false };
  const writeMemory = () => {
    const heap = new Uint8Array(memory.buffer);
    // Image positions [start, end) that the file leaves out: as the module started.
    const leftOut = (start, end) => {
      const kept = Math.min(end, memoryOffset + starting.length);
      if (kept > start) heap.set(starting.subarray(start - memoryOffset, kept - memoryOffset), start - memoryOffset);
      if (end > Math.max(start, kept)) heap.fill(0, Math.max(start, kept) - memoryOffset, end - memoryOffset);
    };
    let covered = memoryOffset;
    for (const [offset, at, size] of runs) {
      const from = Math.max(offset, memoryOffset);
      if (from > covered) leftOut(covered, from);
      if (offset + size > from) heap.set(stored.subarray(at + from - offset, at + size), from - memoryOffset);
      covered = Math.max(covered, offset + size);
    }
    if (length > covered) leftOut(covered, length);
    state.restored = true;
    delete header.subarray;  // Pyodide keeps the header: it must not keep the snapshot's bytes too
  };
  for (const [offset, at, size] of runs) {
    if (offset < memoryOffset) header.set(stored.subarray(at, at + Math.min(size, memoryOffset - offset)), offset);
  }
  header.subarray = function (start, end) {
    if (end !== undefined) return Uint8Array.prototype.subarray.call(this, start, end);
    if (start !== memoryOffset) throw new Error(`Pyodide read the snapshot's memory at ${start}, not ${memoryOffset}`);
    writeMemory();
    return new Uint8Array(0);
  };
  return state;
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

// localStorage throws where storage is blocked: then nothing is noted, every visit downloads
// the snapshot and warms up.
function noted(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function note(key, value) {
  try {
    if (value) localStorage.setItem(key, value);
    else localStorage.removeItem(key);
  } catch {
    // not noted
  }
}

// The snapshot saved by an earlier visit, or null: none saved, no IndexedDB (some private
// windows), or bytes that are not exactly this build's snapshot.
async function storedSnapshot() {
  if (!SNAPSHOT_SHA256 || noted(STORE.saved) !== SNAPSHOT_SHA256) return null;
  try {
    const saved = await withStore("readonly", (objects) => settled(objects.get(SNAPSHOT_SHA256)));
    const bytes = saved instanceof Blob ? new Uint8Array(await saved.arrayBuffer()) : null;
    if (bytes && (await sha256(bytes)) === SNAPSHOT_SHA256) return bytes;
  } catch {
    // unreadable: the download below, and saving it again
  }
  note(STORE.saved, null);
  return null;
}

// The bytes of snapshot.bin as downloaded, kept to be saved once the page is idle.
let downloaded = null;

// snapshot.bin's bytes: saved by an earlier visit, or downloaded.
async function loadSnapshot() {
  const stored = await storedSnapshot();
  boot.snapshot = stored ? "stored" : "downloaded";
  if (stored) return stored;
  downloaded = await fetchSnapshot();
  return downloaded;
}

// Work that waits until the page's own start has run (at most 3 s).
const whenIdle = (task) => (globalThis.requestIdleCallback ? requestIdleCallback(task, { timeout: 3000 }) : setTimeout(task, 1000));

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
      note(STORE.saved, SNAPSHOT_SHA256);
      boot.store = "saved";
    } catch (error) {
      boot.store = `not saved: ${error?.message ?? error}`;
    }
  };
  whenIdle(save);
}

// Once the page is idle, on a visit whose runtime build and browser no visit has warmed up yet:
// warm up Chromium's code cache for Pyodide's module (WARM_UP).
function warmUpWhenIdle(interpreter) {
  const warmed = `${SNAPSHOT_SHA256} ${navigator.userAgent}`;
  if (noted(WARM_UP.noted) === warmed) return;
  boot.warmUp = "pending";
  whenIdle(async () => {
    const scratch = interpreter.toPy({});
    let warmUp = null;
    try {
      await loadFactory();  // it defines the same factory again, which Python does not use
      warmUp = interpreter.runPython(WARM_UP_PY, { globals: scratch });
      await warmUp(WARM_UP.presigns, WARM_UP.clientsEvery);
      note(WARM_UP.noted, warmed);
      boot.warmUp = "done";
    } catch (error) {
      boot.warmUp = `failed: ${error?.message ?? error}`;
    } finally {
      warmUp?.destroy();
      scratch.destroy();
    }
  });
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

// Pyodide is handed the header's array at once (its length is known at build time), so it
// fetches, compiles and instantiates its module while the snapshot is still on its way. The
// moment the module is instantiated, before Emscripten makes its heap views and runs its
// start-up, this grows the memory to the image's size (this Pyodide build ignores its
// INITIAL_MEMORY hint) and keeps the data segments' pages as they are now. Emscripten's
// start-up then runs, about 100 ms of the page's thread, whether or not the snapshot is here.
// What waits for the snapshot's bytes is `fsInit`, the hook Pyodide's loader lets Emscripten
// await before Python starts: it makes the header the one Pyodide restores through
// (restoreThroughHeader). A snapshot that failed leaves the header without a magic number,
// which Pyodide refuses; `failure` then says why.
function restoreOnInstantiate({ header, stored }) {
  let instantiated;
  const ready = new Promise((resolve) => { instantiated = resolve; });
  const watch = watchInstantiation(async (memory) => {
    const missing = Math.ceil((IMAGE.length - HEADER_BYTES - memory.buffer.byteLength) / PAGE);
    if (missing > 0) memory.grow(missing);
    instantiated({ memory, starting: new Uint8Array(memory.buffer, 0, Math.max(0, IMAGE.startingEnd - HEADER_BYTES)).slice() });
  });
  watch.fsInit = async () => {
    try {
      const [{ memory, starting }, bytes] = await Promise.all([ready, stored]);
      watch.restoring = restoreThroughHeader(bytes, layoutOf(bytes, header.byteLength), header, memory, starting);
    } catch (error) {
      watch.failure = error;
    }
  };
  return watch;
}

// Read back or downloaded from the moment this module is imported (PetTube's loader imports
// it while PyScript is still starting). The instantiated module awaits it much later:
// meanwhile a failed download must not count as an unhandled rejection.
let snapshot = null;
if (canRestore()) {
  snapshot = { header: new Uint8Array(HEADER_BYTES), stored: loadSnapshot() };
  snapshot.stored.catch(() => {});
}

// Emscripten's start-up compiles a tiny wasm module for each of some 260 JavaScript functions
// it puts in the function table (convertJsFunctionToWasm), 15-30 ms of the page's thread,
// although they have only about 30 distinct signatures, hence byte strings. A compiled module
// is immutable: while Python starts, one compiled module serves every copy of the same bytes.
// Returns what puts WebAssembly.Module back.
function reuseSmallModules() {
  const Module = WebAssembly.Module, compiled = new Map();
  function Reused(bytes, ...rest) {
    if (!(bytes instanceof Uint8Array) || bytes.byteLength > 256) return new Module(bytes, ...rest);
    const key = String.fromCharCode(...bytes);
    if (!compiled.has(key)) compiled.set(key, new Module(bytes));
    return compiled.get(key);
  }
  Reused.prototype = Module.prototype;  // `instanceof WebAssembly.Module` still holds
  Object.setPrototypeOf(Reused, Module);  // and Module.imports, .exports, .customSections
  WebAssembly.Module = Reused;
  return () => { WebAssembly.Module = Module; };
}

// A restored interpreter whose runPythonAsync recognizes PyScript's set-up (PYSCRIPT_SET_UP) and
// imports PyScript's package from the snapshot instead; `boot.setUp` is "snapshot" once it has.
function setUpFromSnapshot(interpreter) {
  const runPythonAsync = interpreter.runPythonAsync;
  interpreter.runPythonAsync = async function (code, ...rest) {
    if (typeof code === "string" && code.length === PYSCRIPT_SET_UP.length && PYSCRIPT_SET_UP.sha256
        && (await sha256(new TextEncoder().encode(code))) === PYSCRIPT_SET_UP.sha256) {
      boot.setUp = "snapshot";
      return runPythonAsync.call(this, SET_UP_FROM_SNAPSHOT, ...rest);
    }
    return runPythonAsync.call(this, code, ...rest);
  };
}

// A requirement's name without its version ("boto3==1.40" -> "boto3").
const packageName = (requirement) => requirement.split(/[<>=!~ ;\[]/)[0];

// Pyodide the ordinary way: installing the page's packages, seconds slower.
async function ordinaryBoot(options) {
  const watch = watchInstantiation();
  const packages = [...(options.packages ?? []), ...PAGE_PACKAGES];
  try {
    return await (await pyodide).loadPyodide({ ...options, packages, env: { ...options.env, ...OPTIMIZE } });
  } finally {
    watch.restore();
  }
}

export async function loadPyodide(options = {}) {
  let createPyodideModule;
  try {
    createPyodideModule = await factory;
  } catch (error) {
    failed("Python's runtime did not load", error);
    throw error;
  }
  try {
    return await restoreOrBoot({ ...options, createPyodideModule });
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
  const packages = (options.packages ?? []).filter((name) => !PAGE_PACKAGES.includes(packageName(name)));
  const watch = restoreOnInstantiate(restoring);
  const stopReusing = reuseSmallModules();
  try {
    const fsInit = async (...args) => {
      await watch.fsInit();
      await options.fsInit?.(...args);
    };
    const interpreter = await (await pyodide).loadPyodide({ ...options, packages, stdLibURL: STDLIB_REST.href,
                                                            _loadSnapshot: restoring.header, fsInit });
    // A Pyodide that restored without reading the memory part of the image would run on none.
    if (!watch.restoring?.restored) throw new Error("Pyodide did not read the snapshot's memory");
    const scratch = interpreter.toPy({});
    try {
      interpreter.runPython(AFTER_RESTORE, { globals: scratch });
    } finally {
      scratch.destroy();
    }
    boot.mode = "snapshot";
    setUpFromSnapshot(interpreter);
    if (downloaded && SNAPSHOT_SHA256) saveWhenIdle(downloaded);
    warmUpWhenIdle(interpreter);
    return interpreter;
  } catch (error) {
    watch.restore();
    boot.mode = "ordinary";
    // Why the snapshot was refused, if it was; a Python error's message is its traceback,
    // whose last line names it.
    const cause = watch.failure ?? error;
    const lines = String(cause?.message ?? cause).trim().split("\n");
    boot.reason = lines[0].startsWith("Traceback") ? lines.at(-1) : lines[0];
    console.warn(`PetTube: starting Python the ordinary way; the memory snapshot was not used (${boot.reason})`);
    return ordinaryBoot(options);
  } finally {
    watch.restore();
    stopReusing();
    downloaded = null;
  }
}
