"""S3 objects keep their bytes in the blob store: once on disk, never in the saved state, gone when unnamed."""

from __future__ import annotations

import hashlib
import os
import pickle
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from moto.s3.models import FakeBucket, FakeKey, FakeMultipart

from localcloud.library import s3keys
from localcloud.library.blobs import BlobStore
from localcloud.library.reclaim import Reclaimer, named_digests, paused
from tests.localcloud.memory import has_a_dict_of_its_own

BODY = b"a rendition's bytes " * 4096


def _key(value: bytes) -> FakeKey:
    return FakeKey("owner/v/720p.mp4", value, account_id="123456789012", region_name="us-east-1")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[BlobStore]:
    blobs = BlobStore(tmp_path / "objects")
    s3keys.use(blobs)
    s3keys.start_loading()
    yield blobs
    s3keys.use(None)


def test_a_written_object_is_one_file_and_answers_as_moto_would(store: BlobStore) -> None:
    key = _key(BODY)
    digest = hashlib.sha256(BODY).hexdigest()

    assert store.path(digest).read_bytes() == BODY
    assert store.root.stat().st_mode & 0o077 == 0  # other accounts on the machine cannot list the videos
    assert key.value == BODY and key.contentsize == len(BODY)
    s3keys.use(None)
    assert key.etag == _key(BODY).etag  # moto's own ETag, computed from its buffer


def test_a_saved_object_holds_the_file_name_not_the_bytes(store: BlobStore) -> None:
    saved = pickle.dumps(_key(BODY))

    assert BODY[:100] not in saved
    restored = pickle.loads(saved)
    assert restored.value == BODY and restored.etag == f'"{hashlib.md5(BODY).hexdigest()}"'
    assert s3keys.end_loading() == {hashlib.sha256(BODY).hexdigest()}


def test_an_object_saved_with_its_bytes_moves_them_into_the_store(store: BlobStore) -> None:
    s3keys.use(None)
    previous_format = pickle.dumps(_key(BODY))  # moto's pickling: the bytes inline
    assert BODY[:100] in previous_format
    s3keys.use(store)

    migrated = pickle.loads(previous_format)

    assert migrated.value == BODY and BODY[:100] not in pickle.dumps(migrated)
    assert store.path(hashlib.sha256(BODY).hexdigest()).read_bytes() == BODY


def test_collecting_keeps_named_files_and_drops_the_rest(store: BlobStore) -> None:
    kept, dropped = store.put(b"kept"), store.put(b"dropped")
    (store.root / "incoming" / "interrupted.tmp").write_bytes(b"half")

    store.clear_leftovers()
    assert store.collect(keep={kept}) == 1

    assert store.read(kept) == b"kept" and not store.path(dropped).exists()
    assert not any((store.root / "incoming").iterdir())


def _age(store: BlobStore, digest: str, seconds: float) -> None:
    """Make a file look written ``seconds`` ago."""
    then = time.time() - seconds
    os.utime(store.path(digest), (then, then))


def test_files_nothing_names_go_unless_written_or_reused_since_the_reading(store: BlobStore) -> None:
    named, released, reused = store.put(b"named"), store.put(b"released"), store.put(b"reused")
    for digest in (named, released, reused):
        _age(store, digest, 600)
    reading = time.time() - 1
    assert store.put(b"reused") == reused  # an upload of equal bytes, after the reading: about to be named
    fresh = store.put(b"fresh")  # a new upload, after the reading

    assert store.discard_unnamed({named}, since=reading) == (1, 2)
    assert not store.path(released).exists()
    assert all(store.path(digest).exists() for digest in (named, reused, fresh))


def _moto_s3(bucket: FakeBucket) -> dict[str, object]:
    """moto's S3 backends as the reclaimer reads them (region -> backend), holding one bucket."""
    return {"aws": SimpleNamespace(buckets={bucket.name: bucket})}


def test_the_named_files_are_every_version_and_every_part_of_an_upload_under_way(store: BlobStore) -> None:
    bucket = FakeBucket("pettube-originals", account_id="123456789012", region_name="us-east-1")
    bucket.keys["owner/v/original.mp4"] = _key(b"the original")
    bucket.keys.setlist("owner/w/original.mp4", [_key(b"version 1"), _key(b"version 2")])
    upload = FakeMultipart("owner/x/original.mp4", {}, account_id="123456789012", region_name="us-east-1")
    upload.parts[1] = _key(b"part one")
    bucket.multiparts[upload.id] = upload

    named = named_digests(_moto_s3(bucket))

    expected = {hashlib.sha256(data).hexdigest() for data in
                (b"the original", b"version 1", b"version 2", b"part one")}
    assert named == expected
    # Read by name: a pass (one after every delete) that read each key's __dict__ gave all of them one for good.
    assert not any(map(has_a_dict_of_its_own, [*bucket.keys.values(), upload.parts[1]]))


def test_a_pass_waits_until_no_change_is_under_way(store: BlobStore) -> None:
    """A change between its effect in memory and its save: the pass must not read what is named until it is saved."""
    released = store.put(b"released")
    _age(store, released, 600)
    named: set[str] = {released}
    reclaimer = Reclaimer(store, lambda: set(named), store.root.parent)
    try:
        change = reclaimer.changing()
        change.__enter__()  # e.g. a DeleteObject: moto forgot the key, the journal has not saved it yet
        named.clear()
        outcome: list[tuple[int, int]] = []
        waiting = threading.Thread(target=lambda: outcome.append(reclaimer.reclaim_now()))
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive() and store.path(released).exists()
        change.__exit__(None, None, None)  # saved: now the file may go
        waiting.join(30)
        assert outcome == [(1, 0)] and not store.path(released).exists()
    finally:
        reclaimer.close()


def test_nothing_is_deleted_while_a_backup_is_under_way(store: BlobStore) -> None:
    """A backup copies the database, then the files it names: none may go in between, whatever moto says."""
    released = store.put(b"deleted after the backup's copy of the database")
    _age(store, released, 600)
    reclaimer = Reclaimer(store, set, store.root.parent)
    try:
        with paused(store.root.parent):  # as `python -m localcloud backup` holds it, from another process
            assert reclaimer.reclaim_now() is None
            assert store.path(released).exists()
        assert reclaimer.reclaim_now() == (1, 0) and not store.path(released).exists()
    finally:
        reclaimer.close()
