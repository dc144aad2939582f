"""A restored bucket's objects load when first asked for, once, and saves never lose a bucket not loaded yet."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.s3.models import s3_backends

from localcloud import motofixes
from localcloud.cloud import ACCOUNT_ID
from localcloud.library import changes as record_changes
from localcloud.library import ondemand
from localcloud.library.store import LibraryStore
from localcloud.persistence import MotoState

VIDEOS = [f"owner/{n:02d}/720p.mp4" for n in range(20)]


@contextmanager
def _library(state_dir: Path) -> Iterator[tuple[MotoState, Any]]:
    """The library in ``state_dir`` loaded into moto's in-process backends, and an S3 client."""
    motofixes.apply()
    with mock_aws():
        state = MotoState(state_dir, ACCOUNT_ID)
        state.load()
        try:
            yield state, boto3.client("s3", region_name="us-east-1")
        finally:
            state.close()


def _put(state: MotoState, s3: Any, bucket: str, key: str, body: bytes) -> None:
    """PutObject as the journal runs it: moto changes the object, then the change is saved."""
    with record_changes.recording() as changes:
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    state.save(changes, ("s3",))


def _pending(bucket: str) -> bool:
    return type(ondemand.stored(s3_backends[ACCOUNT_ID]["aws"].buckets[bucket])) is ondemand.PendingObjects


def _saved_rows(state_dir: Path, bucket: str) -> list[tuple[str, bytes]]:
    with closing(sqlite3.connect(f"file:{state_dir / 'library.sqlite3'}?mode=ro", uri=True)) as db:
        return db.execute("SELECT key, state FROM records WHERE container = ? ORDER BY key", (bucket,)).fetchall()


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    """A library holding a bucket of 20 videos and a small one."""
    with _library(tmp_path) as (state, s3):
        for bucket in ("videos", "site"):
            s3.create_bucket(Bucket=bucket)
            state.save(record_changes.Changes(), ("s3",))
        for key in VIDEOS:
            _put(state, s3, "videos", key, key.encode())
        _put(state, s3, "site", "index.html", b"<h1>PetTube</h1>")
    return tmp_path


def test_a_restored_bucket_loads_when_first_asked_for_and_a_save_meanwhile_loses_nothing(saved: Path) -> None:
    rows = _saved_rows(saved, "videos")
    with _library(saved) as (state, s3):
        assert _pending("videos") and _pending("site")

        _put(state, s3, "site", "config.json", b"{}")  # saves the S3 service, which holds both buckets
        assert _pending("videos") and not _pending("site")
        assert _saved_rows(saved, "videos") == rows

        assert s3.get_object(Bucket="videos", Key=VIDEOS[7])["Body"].read() == VIDEOS[7].encode()
        assert not _pending("videos")
        listed = s3.list_objects_v2(Bucket="videos")["Contents"]
        assert [item["Key"] for item in listed] == VIDEOS
    with _library(saved) as (state, s3):
        assert [item["Key"] for item in s3.list_objects_v2(Bucket="videos")["Contents"]] == VIDEOS
        assert s3.get_object(Bucket="site", Key="config.json")["Body"].read() == b"{}"


def test_requests_racing_for_a_pending_bucket_load_it_once(saved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[str] = []
    read = LibraryStore.records_apart

    def counted(store: LibraryStore, kind: str, region: str, container: str) -> Iterator[tuple[str, bytes]]:
        loads.append(container)
        time.sleep(0.2)  # a large bucket: the other requests arrive while it loads
        return read(store, kind, region, container)

    monkeypatch.setattr(LibraryStore, "records_apart", counted)
    with _library(saved) as (_, s3):
        answers: list[list[str]] = []
        askers = [threading.Thread(target=lambda: answers.append(
            [item["Key"] for item in s3.list_objects_v2(Bucket="videos")["Contents"]])) for _ in range(8)]
        for asker in askers:
            asker.start()
        for asker in askers:
            asker.join()
        assert answers == [VIDEOS] * 8
        assert loads == ["videos"]


def test_the_background_load_loads_every_bucket_then_deletes_files_nothing_names(saved: Path) -> None:
    leftover = saved / "objects" / "ab" / ("ab" + "0" * 62)  # a file a crash left, which no object names
    leftover.parent.mkdir(exist_ok=True)
    leftover.write_bytes(b"written, never saved")
    os.utime(leftover, (time.time() - 60, time.time() - 60))
    with _library(saved) as (state, s3):
        assert leftover.exists()  # the start did not read every object, so it could not tell
        state.load_objects_in_background()
        deadline = time.monotonic() + 60
        while leftover.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not leftover.exists()
        assert not _pending("videos") and not _pending("site")
        assert all(s3.get_object(Bucket="videos", Key=key)["Body"].read() == key.encode() for key in VIDEOS)
