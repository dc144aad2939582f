"""``python -m localcloud backup <dir>`` / ``restore <dir>``: copy a library, safely, even while it runs.

A library is every file of the state directory except the running cloud's own
(endpoints.json, the lock, temporary files, SQLite's log beside the database).
The database is copied with SQLite's online backup, one consistent version even
while changes are saved; the cloud replaces every other file whole, by a rename,
and never changes an object file, nor deletes one while a backup runs (``reclaim.paused``).
The database is copied first and the rest
listed after it: every object file it names is already there, and identities
only ever gain links, so every video's owner in the copy still has its
identity. backup.json, written last, lists every file's SHA-256;
restore checks them all before it writes anything, refuses while a cloud holds
the state directory, and never writes over a library that is already there.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from localcloud.library import reclaim
from localcloud.library.blobs import fsync_directory
from localcloud.library.store import copy_library
from localcloud.persistence import LOCK_NAME, SNAPSHOT_NAME, STATE_NAME, LibraryLock

MANIFEST = "backup.json"
BACKUP_FORMAT = 1
_RUNTIME_FILES = {"endpoints.json", LOCK_NAME, reclaim.PAUSE_NAME, f"{STATE_NAME}-wal", f"{STATE_NAME}-shm"}
_STATE_FILES = (STATE_NAME, SNAPSHOT_NAME)  # today's database, or a previous format's pickle
_CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


def library_files(state_dir: Path) -> list[Path]:
    """The library's files, relative to ``state_dir``."""
    return sorted(path.relative_to(state_dir) for path in state_dir.rglob("*")
                  if path.is_file() and path.name not in _RUNTIME_FILES and path.suffix != ".tmp")


def _private_directories(root: Path, rel: Path) -> None:
    """Create ``root`` and the directories of ``rel`` under it that are missing, for their owner only."""
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    for part in reversed(rel.parents[:-1]):  # the last parent is "." (root itself)
        (root / part).mkdir(mode=0o700, exist_ok=True)


def _copy(root: Path, rel: Path, target_root: Path) -> dict[str, Any]:
    """Copy ``root/rel`` to ``target_root/rel`` through a temporary name (fsynced, renamed); size and SHA-256."""
    source, target = root / rel, target_root / rel
    _private_directories(target_root, rel)
    tmp = target.with_name(target.name + ".tmp")
    if str(rel) == STATE_NAME:
        copy_library(source, tmp)  # the database may be changing: SQLite copies one consistent version
        with open(tmp, "rb+") as copied:
            os.fsync(copied.fileno())
    else:
        with open(source, "rb") as reader, open(tmp, "wb") as writer:
            shutil.copyfileobj(reader, writer, _CHUNK)
            writer.flush()
            os.fsync(writer.fileno())
    shutil.copymode(source, tmp)  # keys and credentials stay readable by their owner only
    tmp.replace(target)
    return {"sha256": _sha256(target), "size": target.stat().st_size}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as reader:
        while chunk := reader.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as out:
        json.dump(data, out, indent=1)
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)
    fsync_directory(path.parent)


def backup(state_dir: Path, target: Path) -> int:
    """Copy the library in ``state_dir`` to the new or empty directory ``target``; the number of files."""
    states = [name for name in _STATE_FILES if (state_dir / name).exists()]
    if not states:
        raise BackupError(f"there is no library in {state_dir} yet (no {STATE_NAME}): nothing to back up")
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: back up into a new directory")
    # The state first, then the files listed after it: every object file it names is already there,
    # and stays there while the backup copies (a running cloud deletes none while it is paused).
    with reclaim.paused(state_dir):
        files = {states[0]: _copy(state_dir, Path(states[0]), target)}
        files |= {str(rel): _copy(state_dir, rel, target) for rel in library_files(state_dir)
                  if str(rel) not in files}
    for directory in {(target / rel).parent for rel in files}:
        fsync_directory(directory)
    _write_json(target / MANIFEST, {"format": BACKUP_FORMAT, "files": files})
    return len(files)


def _manifest(source: Path) -> dict[str, dict[str, Any]]:
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} is not a complete backup: {MANIFEST} is missing or unreadable ({exc})") from exc
    if manifest.get("format") != BACKUP_FORMAT:
        raise BackupError(f"{source} was written in backup format {manifest.get('format')!r}; this PetTube "
                          f"reads format {BACKUP_FORMAT}")
    return manifest["files"]


def _damaged(source: Path, files: dict[str, dict[str, Any]]) -> Iterator[str]:
    for rel, expected in files.items():
        path = source / rel
        if not path.is_file() or _sha256(path) != expected["sha256"]:
            yield rel


def restore(source: Path, state_dir: Path) -> int:
    """Copy the backup in ``source`` into ``state_dir``, which must hold no library; the number of files."""
    files = _manifest(source)
    damaged = list(_damaged(source, files))
    if damaged:
        raise BackupError(f"the backup {source} is damaged ({', '.join(damaged[:5])} missing or changed "
                          f"since it was written); nothing was restored")
    lock = LibraryLock(state_dir)
    if not lock.acquire():
        raise BackupError(f"a local cloud is running on {state_dir}: stop it (Ctrl-C in `make dev`), then restore")
    try:
        present = library_files(state_dir)
        if present:
            raise BackupError(
                f"{state_dir} already holds a library ({len(present)} files, e.g. {present[0]}); nothing was "
                f"restored. Move it aside first (`mv {state_dir} {state_dir}.old`), or restore into another "
                f"directory and run with PETTUBE_STATE_DIR=<that directory>")
        # The moto state last: an interrupted restore leaves no library behind, only files to overwrite.
        for rel in sorted(files, key=lambda rel: rel in _STATE_FILES):
            _copy(source, Path(rel), state_dir)
        for directory in {(state_dir / rel).parent for rel in files}:
            fsync_directory(directory)
    finally:
        lock.release()
    return len(files)


def add_commands(commands: Any, default_state_dir: Path) -> None:
    """Register ``backup`` and ``restore`` on the ``python -m localcloud`` sub-command parser."""
    for name, run, help_text in (("backup", _backup_command, "copy the library to a new directory (safe while it runs)"),
                                 ("restore", _restore_command, "put a backup back (the cloud stopped)")):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("dir", type=Path)
        command.add_argument("--state-dir", type=Path, default=default_state_dir,
                             help=f"the library's state directory (default {default_state_dir})")
        command.set_defaults(func=run)


def _backup_command(args: argparse.Namespace) -> int:
    return _report(lambda: f"backed up {backup(args.state_dir, args.dir)} files of {args.state_dir} to {args.dir}")


def _restore_command(args: argparse.Namespace) -> int:
    return _report(lambda: f"restored {restore(args.dir, args.state_dir)} files of {args.dir} into {args.state_dir}")


def _report(action: Any) -> int:
    try:
        print(action())
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
