"""A restored bucket's objects and table's items load when first asked for, once, and saves never lose
records not loaded yet."""

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
from moto.dynamodb.models import dynamodb_backends
from moto.s3.models import s3_backends

from localcloud import motofixes
from localcloud.cloud import ACCOUNT_ID
from localcloud.library import changes as record_changes
from localcloud.library import ondemand
from localcloud.library.store import LibraryStore
from localcloud.persistence import MotoState

VIDEOS = [f"owner/{n:02d}/720p.mp4" for n in range(20)]
TABLE = "videos-table"


@contextmanager
def _library(state_dir: Path) -> Iterator[tuple[MotoState, Any, Any]]:
    """The library in ``state_dir`` loaded into moto's in-process backends, and S3 and DynamoDB clients."""
    motofixes.apply()
    with mock_aws():
        state = MotoState(state_dir, ACCOUNT_ID)
        state.load()
        try:
            yield state, boto3.client("s3", region_name="us-east-1"), boto3.client("dynamodb", region_name="us-east-1")
        finally:
            state.close()


def _put(state: MotoState, s3: Any, bucket: str, key: str, body: bytes) -> None:
    """PutObject as the journal runs it: moto changes the object, then the change is saved."""
    with record_changes.recording() as changes:
        s3.put_object(Bucket=bucket, Key=key, Body=body)
    state.save(changes, ("s3",))


def _put_item(state: MotoState, dynamodb: Any, video: str) -> None:
    with record_changes.recording() as changes:
        dynamodb.put_item(TableName=TABLE, Item={"owner_id": {"S": "owner"}, "video_id": {"S": video}})
    state.save(changes, ("dynamodb",))


def _pending(bucket: str) -> bool:
    return ondemand.is_pending(s3_backends[ACCOUNT_ID]["aws"].buckets[bucket])


def _table_pending() -> bool:
    return ondemand.is_pending(dynamodb_backends[ACCOUNT_ID]["us-east-1"].tables[TABLE])


def _videos(dynamodb: Any) -> list[str]:
    answer = dynamodb.query(TableName=TABLE, KeyConditionExpression="owner_id = :o",
                            ExpressionAttributeValues={":o": {"S": "owner"}})
    return [item["video_id"]["S"] for item in answer["Items"]]


def _saved_rows(state_dir: Path, bucket: str) -> list[tuple[str, bytes]]:
    with closing(sqlite3.connect(f"file:{state_dir / 'library.sqlite3'}?mode=ro", uri=True)) as db:
        return db.execute("SELECT key, state FROM records WHERE container = ? ORDER BY key", (bucket,)).fetchall()


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    """A library holding a bucket of 20 videos, a small one, and a table of 5 records."""
    with _library(tmp_path) as (state, s3, dynamodb):
        for bucket in ("videos", "site"):
            s3.create_bucket(Bucket=bucket)
            state.save(record_changes.Changes(), ("s3",))
        for key in VIDEOS:
            _put(state, s3, "videos", key, key.encode())
        _put(state, s3, "site", "index.html", b"<h1>PetTube</h1>")
        dynamodb.create_table(TableName=TABLE, BillingMode="PAY_PER_REQUEST", KeySchema=[
            {"AttributeName": "owner_id", "KeyType": "HASH"}, {"AttributeName": "video_id", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "owner_id", "AttributeType": "S"},
                                  {"AttributeName": "video_id", "AttributeType": "S"}])
        state.save(record_changes.Changes(), ("dynamodb",))
        for n in range(5):
            _put_item(state, dynamodb, f"video-{n}")
    return tmp_path


def test_a_restored_bucket_loads_when_first_asked_for_and_a_save_meanwhile_loses_nothing(saved: Path) -> None:
    rows = _saved_rows(saved, "videos")
    with _library(saved) as (state, s3, _):
        assert _pending("videos") and _pending("site")

        _put(state, s3, "site", "config.json", b"{}")  # saves the S3 service, which holds both buckets
        assert _pending("videos") and not _pending("site")
        assert _saved_rows(saved, "videos") == rows

        assert s3.get_object(Bucket="videos", Key=VIDEOS[7])["Body"].read() == VIDEOS[7].encode()
        assert not _pending("videos")
        listed = s3.list_objects_v2(Bucket="videos")["Contents"]
        assert [item["Key"] for item in listed] == VIDEOS
    with _library(saved) as (state, s3, _):
        assert [item["Key"] for item in s3.list_objects_v2(Bucket="videos")["Contents"]] == VIDEOS
        assert s3.get_object(Bucket="site", Key="config.json")["Body"].read() == b"{}"


def test_a_restored_table_counts_its_items_without_loading_them_and_loads_for_a_query(saved: Path) -> None:
    with _library(saved) as (state, _, dynamodb):
        assert _table_pending()
        assert dynamodb.describe_table(TableName=TABLE)["Table"]["ItemCount"] == 5  # a start's provisioning asks
        assert _table_pending()

        assert _videos(dynamodb) == [f"video-{n}" for n in range(5)]
        assert not _table_pending()
        _put_item(state, dynamodb, "video-5")
    with _library(saved) as (_, _, dynamodb):
        assert dynamodb.describe_table(TableName=TABLE)["Table"]["ItemCount"] == 6
        assert _videos(dynamodb) == [f"video-{n}" for n in range(6)]


def test_requests_racing_for_a_pending_bucket_load_it_once(saved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loads: list[str] = []
    read = LibraryStore.records

    def counted(store: LibraryStore, kind: str, region: str, container: str) -> Iterator[tuple[str, bytes]]:
        loads.append(container)
        time.sleep(0.2)  # a large bucket: the other requests arrive while it loads
        return read(store, kind, region, container)

    monkeypatch.setattr(LibraryStore, "records", counted)
    with _library(saved) as (_, s3, _):
        answers: list[list[str]] = []
        askers = [threading.Thread(target=lambda: answers.append(
            [item["Key"] for item in s3.list_objects_v2(Bucket="videos")["Contents"]])) for _ in range(8)]
        for asker in askers:
            asker.start()
        for asker in askers:
            asker.join()
        assert answers == [VIDEOS] * 8
        assert loads == ["videos"]


def test_the_background_load_loads_everything_then_deletes_files_nothing_names(saved: Path) -> None:
    leftover = saved / "objects" / "ab" / ("ab" + "0" * 62)  # a file a crash left, which no object names
    leftover.parent.mkdir(exist_ok=True)
    leftover.write_bytes(b"written, never saved")
    os.utime(leftover, (time.time() - 60, time.time() - 60))
    with _library(saved) as (state, s3, dynamodb):
        assert leftover.exists()  # the start did not read every object, so it could not tell
        state.load_records_in_background()
        deadline = time.monotonic() + 60
        while leftover.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not leftover.exists()
        assert not _pending("videos") and not _pending("site") and not _table_pending()
        assert _videos(dynamodb) == [f"video-{n}" for n in range(5)]
        assert all(s3.get_object(Bucket="videos", Key=key)["Body"].read() == key.encode() for key in VIDEOS)


def test_the_background_load_goes_on_past_a_bucket_it_cannot_read(saved: Path) -> None:
    with closing(sqlite3.connect(saved / "library.sqlite3")) as db, db:
        db.execute("UPDATE records SET state = ? WHERE container = 'videos' AND key = ?", (b"not a pickle", VIDEOS[3]))
    with _library(saved) as (state, s3, _):
        state.load_records_in_background()
        deadline = time.monotonic() + 60
        while (_pending("site") or _table_pending()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _pending("site") and not _table_pending()  # "videos" comes before "site"
        assert _pending("videos")  # left as it is; its requests say why
        assert s3.get_object(Bucket="site", Key="index.html")["Body"].read() == b"<h1>PetTube</h1>"


def test_restored_records_share_one_copy_of_each_attribute_name(saved: Path) -> None:
    """A family's library is tens of thousands of records: each held its own copy of moto's names
    (36 an S3 object, about 2 KB), which was a third of a restored 10 GB library's memory."""
    with _library(saved) as (_, s3, dynamodb):
        s3.head_object(Bucket="videos", Key=VIDEOS[0])
        _videos(dynamodb)
        objects = s3_backends[ACCOUNT_ID]["aws"].buckets["videos"].keys
        keys = [versions[-1] for _, versions in objects.lists()]
        items = [item for partition in dynamodb_backends[ACCOUNT_ID]["us-east-1"].tables[TABLE].items.values()
                 for item in partition.values()]
        names = [name for key in keys for name in vars(key)] + [name for item in items for name in item.attrs]
        assert len({id(name) for name in names}) == len(set(names))
        assert all(stored is key.name for stored, key in zip(objects, keys, strict=True))
