"""A restored bucket's objects and table's items load when first asked for, once, and saves never lose
records not loaded yet."""

from __future__ import annotations

import base64
import hashlib
import os
import pickle
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
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.s3.models import FakeKey, s3_backends
from moto.utilities.utils import LowercaseDict

from localcloud import motofixes
from localcloud.cloud import ACCOUNT_ID
from localcloud.library import changes as record_changes
from localcloud.library import ondemand
from localcloud.library.store import LibraryStore
from localcloud.persistence import MotoState, _dumps
from tests.localcloud.memory import has_a_dict_of_its_own, mymedia_record, retained

VIDEOS = [f"owner/{n:02d}/720p.mp4" for n in range(20)]
TABLE = "videos-table"
ORIGINAL = bytes(range(256)) * (6 * 4096)  # 6 MiB: two parts


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


def _put_in_parts(state: MotoState, s3: Any, bucket: str, key: str, body: bytes) -> None:
    """An upload in 5 MiB parts, as the page makes them: its object keeps the parts, named by number."""
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    size = 5 * 1024 * 1024
    parts = [{"PartNumber": n + 1, "ETag": s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=n + 1,
                                                          Body=body[start:start + size])["ETag"]}
             for n, start in enumerate(range(0, len(body), size))]
    with record_changes.recording() as changes:
        s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload, MultipartUpload={"Parts": parts})
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
        _put_in_parts(state, s3, "site", "intro.mp4", ORIGINAL)
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
        assert s3.get_object(Bucket="site", Key="intro.mp4")["Body"].read() == ORIGINAL
        _videos(dynamodb)
        objects = s3_backends[ACCOUNT_ID]["aws"].buckets["videos"].keys
        keys = [versions[-1] for _, versions in objects.lists()] + [
            s3_backends[ACCOUNT_ID]["aws"].buckets["site"].keys["intro.mp4"]]
        items = [item for partition in dynamodb_backends[ACCOUNT_ID]["us-east-1"].tables[TABLE].items.values()
                 for item in partition.values()]
        names = [name for key in keys for name in vars(key)] + [name for item in items for name in item.attrs]
        assert len({id(name) for name in names}) == len(set(names))
        # Between requests an object is on disk (library/paging.py): its name is the store's alone.
        assert all(type(held) is bytes for held in dict.values(objects))


def test_restored_items_take_no_more_memory_than_the_ones_moto_built() -> None:
    """pickle restored each value's attributes into a dict of its own and every string anew: a
    MyMedia-like record came back 1.6 times the size moto's constructor makes it. moto's constructor
    itself gives an item copies of its key values beside its attributes; a restored one holds each once."""
    def built() -> list[Item]:
        return [Item(hash_key=DynamoType(attrs["owner_id"]), range_key=DynamoType(attrs["video_id"]), attrs=attrs)
                for attrs in map(mymedia_record, range(50))]

    rows = [_dumps(item) for item in built()]
    restored = retained(lambda: [pickle.loads(row) for row in rows])  # noqa: S301 - rows made above
    assert [item.to_json() for item in map(pickle.loads, rows)] == [item.to_json() for item in built()]
    # 0.94x; 1.02x when each item held copies of its key values beside its attributes, 1.6x before that
    assert restored <= retained(built)
    assert all(item.range_key is item.attrs["video_id"] for item in map(pickle.loads, rows))  # noqa: S301


def test_objects_restored_or_written_take_two_thirds_of_the_memory_moto_gives_them(
        saved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """moto gives every object a dict of its own for 36 attributes (14 of them almost always None),
    a lock for a buffer a stored object has not, and a place in its record of instances: each
    object, restored or written, was about 2 KB."""
    with _library(saved) as (_, s3, _dynamodb):
        s3.put_object(Bucket="videos", Key="encrypted.mp4", Body=b"clip", ServerSideEncryption="aws:kms",
                      SSEKMSKeyId="alias/family", ChecksumAlgorithm="SHA256", Metadata={"title": "Rex"})
        keys = [versions[-1] for _, versions in s3_backends[ACCOUNT_ID]["aws"].buckets["videos"].keys.lists()]
        rows = [_dumps(key) for key in keys] * 10

        def built() -> list[FakeKey]:
            return [FakeKey(name=key.name, value=key.value, account_id=ACCOUNT_ID, region_name="us-east-1",
                            bucket_name="videos") for key in keys * 10]

        restored = retained(lambda: [pickle.loads(row) for row in rows])  # noqa: S301 - rows made above
        written = retained(built)
        with monkeypatch.context() as moto_way:
            moto_way.delattr(FakeKey, "__setattr__")
            as_moto_builds = retained(built)
        assert restored <= 2 / 3 * as_moto_builds  # 0.49x now
        assert written <= 2 / 3 * as_moto_builds  # 0.40x now, 1.0x before
        aspects = ("name", "value", "etag", "metadata", "encryption", "kms_key_id", "checksum_algorithm",
                   "lock_mode", "multipart", "size", "last_modified")
        for key, row in zip(keys, rows, strict=False):
            copy = pickle.loads(row)  # noqa: S301 - made above
            assert [getattr(copy, name) for name in aspects] == [getattr(key, name) for name in aspects]
        assert keys[-1].encryption == "aws:kms" and keys[-1].checksum_algorithm == "SHA256"
        s3.put_object(Bucket="videos", Key=VIDEOS[0], Body=b"replaced")  # moto writes on a restored object
        assert s3.get_object(Bucket="videos", Key=VIDEOS[0])["Body"].read() == b"replaced"


def test_saving_a_record_reads_every_attribute_and_leaves_the_record_compact(saved: Path) -> None:
    """A save read each object's and item's attributes through vars(), which gives the record a dict of its
    own for good: 64 B more for every object and item ever saved. They are read by name now; the saved
    state holds the same attributes."""
    with _library(saved) as (state, s3, dynamodb):
        with record_changes.recording() as changes:
            s3.put_object(Bucket="videos", Key="rex/720p.mp4", Body=b"clip", ContentType="video/mp4")
            s3.put_object(Bucket="videos", Key="encrypted.mp4", Body=b"clip", ServerSideEncryption="aws:kms",
                          SSEKMSKeyId="alias/family", ChecksumAlgorithm="SHA256", Metadata={"title": "Rex"},
                          WebsiteRedirectLocation="/elsewhere")
        state.save(changes, ("s3",))
        _put_item(state, dynamodb, "video-new")
        buckets = s3_backends[ACCOUNT_ID]["aws"].buckets
        keys = [versions[-1] for name in ("videos", "site") for _, versions in buckets[name].keys.lists()]
        items = list(dynamodb_backends[ACCOUNT_ID]["us-east-1"].tables[TABLE].all_items())
        compact = [record for record in [*keys, *items] if not has_a_dict_of_its_own(record)]
        # All but the object with a redirect: its 30th name is past the 29 a key keeps in the object.
        assert [key.name for key in keys if not any(key is record for record in compact)] == ["encrypted.mp4"]
        states = {id(key): FakeKey.__getstate__(key) for key in keys}
        for record in compact:
            _dumps(record)
            assert not has_a_dict_of_its_own(record)
            vars(record)
            assert has_a_dict_of_its_own(record)  # what a save did
        class_wide = vars(FakeKey)  # the None a key leaves to its class
        for key in keys:
            assert states[id(key)] == {name: value for name, value in vars(key).items() if name not in (
                "_value_buffer", "lock") and not (name in class_wide and value is class_wide[name])}
        for item in items:
            restored = pickle.loads(_dumps(item))  # noqa: S301 - made here
            assert vars(restored).keys() == vars(item).keys() and restored == item


def test_objects_written_hold_their_metadata_names_and_values_once(saved: Path) -> None:
    """Every object names a content type, most the same: moto kept a string of its own from each request."""
    with _library(saved) as (_, s3, _dynamodb):
        for n in range(2):
            s3.put_object(Bucket="videos", Key=f"new/{n}.mp4", Body=b"clip", ContentType="video/mp4",
                          Metadata={"title": "Rex"})
        s3.copy_object(Bucket="videos", Key="new/1.mp4", CopySource="videos/new/1.mp4", ContentType="video/mp4",
                       Metadata={"title": "Rex"}, MetadataDirective="REPLACE")
        first, second = (s3_backends[ACCOUNT_ID]["aws"].buckets["videos"].keys[f"new/{n}.mp4"] for n in range(2))
        # moto's LowercaseDict, or a plain dict once CopyObject replaced the metadata
        tables = [getattr(key._metadata, "store", key._metadata) for key in (first, second)]
        alike = [name for name, value in tables[0].items() if tables[1].get(name) == value]
        assert {"content-type", "x-amz-meta-title"} <= set(alike)
        for name in alike:
            names = [next(held for held in table if held == name) for table in tables]
            assert names[0] is names[1] and tables[0][name] is tables[1][name], name
        head = s3.head_object(Bucket="videos", Key="new/1.mp4")
        assert (head["ContentType"], head["Metadata"]) == ("video/mp4", {"title": "Rex"})


def test_an_objects_upload_headers_are_not_kept_as_its_metadata(saved: Path) -> None:
    """S3 keeps neither the signature's payload hash nor a transfer checksum with an object: moto filed
    both among its metadata (a unique string on every object) and answered them on every HeadObject."""
    body = b"clip"
    with _library(saved) as (state, s3, _dynamodb):
        with record_changes.recording() as changes:
            s3.put_object(Bucket="videos", Key="new/0.mp4", Body=body, ContentType="video/mp4",
                          ContentMD5=base64.b64encode(hashlib.md5(body).digest()).decode())  # noqa: S324 - S3's
        state.save(changes, ("s3",))
        written = s3.head_object(Bucket="videos", Key="new/0.mp4")["ResponseMetadata"]["HTTPHeaders"]
        key = s3_backends[ACCOUNT_ID]["aws"].buckets["videos"].keys["new/0.mp4"]
        # A table of its own (the one it holds is every such key's), as a library saved by earlier code holds it.
        key._metadata = LowercaseDict({**key._metadata.store, "x-amz-content-sha256": "ab" * 32})
        from_earlier_code = pickle.loads(_dumps(key))  # noqa: S301 - made here
    with _library(saved) as (_, s3, _dynamodb):
        restored = s3.head_object(Bucket="videos", Key="new/0.mp4")["ResponseMetadata"]["HTTPHeaders"]
    for headers in (written, restored):
        assert headers["content-type"] == "video/mp4"
        assert not {"x-amz-content-sha256", "content-md5"} & set(headers), headers
    assert dict(from_earlier_code.metadata) == {"content-type": "video/mp4"}


def test_restored_items_share_the_values_they_repeat_and_a_write_to_one_changes_no_other(saved: Path) -> None:
    """Records repeat most of their values (an owner's id, a status, a rendition's width), each a
    DynamoType of about 90 B: a restored table holds each once, and moto replaces a value it writes."""
    def video(n: int) -> dict[str, Any]:
        return {"owner_id": {"S": "owner"}, "video_id": {"S": f"clip-{n}"}, "status": {"S": "ready"},
                "progress": {"N": "100"}, "renditions": {"L": [{"M": {"width": {"N": "1280"}}}]}}

    with _library(saved) as (state, _, dynamodb):
        for n in range(3):
            with record_changes.recording() as changes:
                dynamodb.put_item(TableName=TABLE, Item=video(n))
            state.save(changes, ("dynamodb",))
    with _library(saved) as (state, _, dynamodb):
        _videos(dynamodb)  # loads the table
        partition = dynamodb_backends[ACCOUNT_ID]["us-east-1"].tables[TABLE].items[DynamoType({"S": "owner"})]
        first, second, third = (partition[DynamoType({"S": f"clip-{n}"})] for n in range(3))
        assert first.attrs["status"] is second.attrs["status"] is third.attrs["status"]
        assert first.attrs["progress"] is third.attrs["progress"]
        writes = [{"UpdateExpression": "SET #s = :s", "ExpressionAttributeNames": {"#s": "status"},
                   "ExpressionAttributeValues": {":s": {"S": "deleting"}}},
                  {"UpdateExpression": "ADD progress :p", "ExpressionAttributeValues": {":p": {"N": "-50"}}},
                  {"UpdateExpression": "SET renditions[0].width = :w",
                   "ExpressionAttributeValues": {":w": {"N": "640"}}}]
        for n, write in enumerate(writes):
            with record_changes.recording() as changes:
                dynamodb.update_item(TableName=TABLE, Key=_clip(n), **write)
            state.save(changes, ("dynamodb",))
        expected = [("deleting", "100", "1280"), ("ready", "50", "1280"), ("ready", "100", "640")]
        assert _status_progress_width(dynamodb) == expected
    with _library(saved) as (_, _, dynamodb):
        assert _status_progress_width(dynamodb) == expected


def _clip(n: int) -> dict[str, Any]:
    return {"owner_id": {"S": "owner"}, "video_id": {"S": f"clip-{n}"}}


def _status_progress_width(dynamodb: Any) -> list[tuple[str, str, str]]:
    items = [dynamodb.get_item(TableName=TABLE, Key=_clip(n))["Item"] for n in range(3)]
    return [(item["status"]["S"], item["progress"]["N"], item["renditions"]["L"][0]["M"]["width"]["N"])
            for item in items]
