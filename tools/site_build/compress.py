"""Pre-compressed `.br` and `.gz` siblings, which the site server sends by the browser's Accept-Encoding."""

from __future__ import annotations

import gzip
import heapq
import os
import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType

import brotli

from sitepack.kept import write_whole

# Below this a file costs a round trip either way; compressing it buys nothing.
MIN_BYTES = 1024
# A sibling must save at least this share of the bytes.
MIN_SAVING = 0.10
# Types a site server compresses: snapshot.bin is the page's Pyodide memory; the wheels and
# the standard library's zip are built with stored members for this (wheels.repack_stored).
SUFFIXES = (".js", ".mjs", ".wasm", ".json", ".css", ".bin", ".whl", ".zip")
# What ships (`python -m tools.site_build --release`: make deploy and the benchmarks) gets brotli's
# best quality, with its largest standard window (16 MB) for big files: compressed once, downloaded
# on every cold visit. It is nearly all of a release build's time. One idle core, 2026-12-05,
# quality 11 / 10 / 9 (each with the 16 MB window): the memory snapshot 5.20 / 5.39 / 5.93 MB in
# 45 / 26 / 7 s, pyodide.asm.wasm 2.77 / 2.86 / 3.13 MB in 26 / 16 / 2 s.
RELEASE_QUALITY = 11
# make dev and make test serve the runtime on this machine, where its bytes cost nothing: the same
# files, compressed in seconds instead of minutes. The build prints what a browser gets; on
# 2026-12-06 11.73 MB at quality 11 (about 100 s of a core), 13.69 MB at 6 (1.1 s).
LOCAL_QUALITY = 6
LARGE_WINDOW_ABOVE = 2_000_000
# A .gz sibling serves a browser that takes no br, from the local site server (S3 is given the
# .br where there is one): zlib's default level. The runtime's 41 files, 2026-12-06: 16.46 MB in
# 1.7 s of a core at level 6, 16.27 MB in 7.7 s at level 9.
GZIP_LEVEL = 6


def _brotli(data: bytes, quality: int) -> bytes:
    return brotli.compress(data, quality=quality, lgwin=24 if len(data) > LARGE_WINDOW_ABOVE else 22)


def file_siblings(path: Path, quality: int = RELEASE_QUALITY) -> list[Path]:
    """Write `name.br` (brotli at `quality`) and `name.gz` next to `path` where each saves enough;
    byte-identical on every build of the same quality."""
    data = path.read_bytes()
    if len(data) < MIN_BYTES:
        return []
    written = []
    # mtime=0 and no file name in the gzip header keep the output reproducible.
    gzipped = gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
    for suffix, packed in ((".br", _brotli(data, quality)), (".gz", gzipped)):
        if len(packed) <= len(data) * (1 - MIN_SAVING):
            sibling = path.with_name(path.name + suffix)
            write_whole(sibling, packed)  # `--release` rewrites the siblings of a runtime a local cloud may serve
            written.append(sibling)
    return written


def brotli_served_bytes(directory: Path) -> int:
    """What a browser that takes br gets of every file worth compressing under `directory`: its
    `.br` sibling where there is one, else the file (the build reports it for each quality)."""
    return sum(next((s.stat().st_size for s in [path.with_name(path.name + ".br")] if s.is_file()),
                    path.stat().st_size) for path in worth_compressing(directory))


def worth_compressing(directory: Path) -> list[Path]:
    """Every file under `directory` of a type a site server compresses, in path order."""
    return sorted(p for p in directory.rglob("*") if p.is_file() and p.suffix in SUFFIXES)


class Compressor:
    """Writes siblings on `threads` threads while the caller goes on (brotli and zlib let go of
    the GIL); each free thread takes the largest file waiting, as the longest jobs set the wall time."""

    def __init__(self, threads: int = os.cpu_count() or 1, quality: int = RELEASE_QUALITY) -> None:
        self._quality = quality
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="compress")
        self._waiting: list[tuple[int, Path]] = []
        self._lock = threading.Lock()
        self._pending: list[Future[list[Path]]] = []

    def add(self, paths: Iterable[Path]) -> None:
        """Queue `paths` (all of them before a thread picks, so the largest goes first)."""
        paths = list(paths)
        with self._lock:
            for path in paths:
                heapq.heappush(self._waiting, (-path.stat().st_size, path))
        self._pending += [self._pool.submit(self._compress_largest) for _ in paths]

    def _compress_largest(self) -> list[Path]:
        with self._lock:
            _, path = heapq.heappop(self._waiting)
        return file_siblings(path, self._quality)

    def written(self) -> list[Path]:
        """Wait for every file added; the siblings written (the first failure raises)."""
        return sorted(sibling for job in self._pending for sibling in job.result())

    def __enter__(self) -> Compressor:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._pool.shutdown(wait=True, cancel_futures=kind is not None)
        if kind is None:
            self.written()


def siblings(directory: Path, quality: int = RELEASE_QUALITY) -> list[Path]:
    """Compressed siblings for every file under `directory` of a type worth compressing."""
    with Compressor(quality=quality) as compressor:
        compressor.add(worth_compressing(directory))
        return compressor.written()
