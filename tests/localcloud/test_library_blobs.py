"""S3 objects keep their bytes in the blob store: once on disk, never in the saved state."""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterator
from pathlib import Path

import pytest
from moto.s3.models import FakeKey

from localcloud.library import s3keys
from localcloud.library.blobs import BlobStore

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
    assert s3keys.named_digests() == {hashlib.sha256(BODY).hexdigest()}


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

    assert store.collect(keep={kept}) == 1

    assert store.read(kept) == b"kept" and not store.path(dropped).exists()
    assert not any((store.root / "incoming").iterdir())
