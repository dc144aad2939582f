"""Between requests an S3 object waits on disk, not in memory (library/paging.py): what every client sees is
unchanged, a listing reads only the page it answers, and an object two requests change at once keeps both
changes."""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto.s3.models import get_canned_acl, s3_backends

from localcloud.cloud import ACCOUNT_ID
from localcloud.library import changes as record_changes
from localcloud.library import paging
from localcloud.library.ondemand import UnreadableRecords
from localcloud.library.store import LibraryStore
from localcloud.persistence import MotoState, _objects
from tests.localcloud.in_process import started
from tests.localcloud.memory import retained

BUCKET = "pets"
KEYS = [f"{owner}/{n:02d}/{name}" for owner in ("rex", "tom") for n in range(6)
        for name in ("original.mov", "hls/stream.m3u8", "thumb.jpg")]


def _request(state: MotoState, call: Any, **arguments: Any) -> Any:
    """A changing request as the journal runs it: moto changes what it changes (the object its path names
    may be changed in place), then the change is saved."""
    with record_changes.recording() as changes:
        answer = call(**arguments)
    if "Key" in arguments:
        changes.named_objects.append((arguments["Bucket"], arguments["Key"]))
    state.save(changes, ("s3",))
    return answer


def _body(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest() * (1 + len(key) % 5)


def _store() -> Any:
    """The bucket's key store as moto holds it."""
    return s3_backends[ACCOUNT_ID]["aws"].buckets[BUCKET].keys


def _on_disk(keys: list[str] | None = None) -> bool:
    """Whether the objects (every one, by default) wait on disk: the store holds their bytes' digest."""
    store = _store()
    return all(type(dict.__getitem__(store, key)) is bytes for key in (keys or list(store)))


@pytest.fixture
def library(tmp_path: Path) -> Iterator[tuple[MotoState, Any]]:
    """A bucket of 36 objects of two owners, put one request at a time."""
    with started(tmp_path) as (state, s3):
        _request(state, s3.create_bucket, Bucket=BUCKET)
        for key in KEYS:
            _request(state, s3.put_object, Bucket=BUCKET, Key=key, Body=_body(key),
                     ContentType="video/quicktime" if key.endswith(".mov") else "image/jpeg",
                     Metadata={"title": f"Rex <{key}>"})
        yield state, s3


def test_objects_wait_on_disk_between_requests_and_answer_every_read_as_before(
        library: tuple[MotoState, Any]) -> None:
    _, s3 = library
    assert _on_disk()
    for key in KEYS:
        head = s3.head_object(Bucket=BUCKET, Key=key)
        got = s3.get_object(Bucket=BUCKET, Key=key)
        assert got["Body"].read() == _body(key)
        assert head["ETag"] == got["ETag"] == f'"{hashlib.md5(_body(key)).hexdigest()}"'  # noqa: S324 - S3's ETag
        assert head["Metadata"] == {"title": f"Rex <{key}>"}
        assert head["ContentLength"] == len(_body(key))
    ranged = s3.get_object(Bucket=BUCKET, Key=KEYS[0], Range="bytes=3-9")["Body"].read()
    assert ranged == _body(KEYS[0])[3:10]
    assert _on_disk()  # a read takes its object from disk for itself alone
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket=BUCKET, Key="rex/99/original.mov")


def test_a_listing_pages_by_name_and_reads_only_the_objects_it_answers(
        library: tuple[MotoState, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    _, s3 = library
    read: list[str] = []
    reading = paging._read
    monkeypatch.setattr(paging, "_read", lambda store, key: (read.append(key), reading(store, key))[1])

    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="rex/", PaginationConfig={
        "PageSize": 5})
    listed = [item for page in pages for item in page["Contents"]]
    rex = sorted(key for key in KEYS if key.startswith("rex/"))
    assert [item["Key"] for item in listed] == rex
    assert [item["Size"] for item in listed] == [len(_body(key)) for key in rex]
    assert [item["ETag"] for item in listed] == [f'"{hashlib.md5(_body(key)).hexdigest()}"' for key in rex]  # noqa: S324
    assert sorted(read) == rex  # each object of a page read once; tom's none, though the bucket holds them

    read.clear()
    folders = s3.list_objects_v2(Bucket=BUCKET, Delimiter="/")
    assert [prefix["Prefix"] for prefix in folders["CommonPrefixes"]] == ["rex/", "tom/"]
    assert "Contents" not in folders and read == []
    old_style = s3.list_objects(Bucket=BUCKET, Prefix="tom/03/", MaxKeys=2)
    assert [item["Key"] for item in old_style["Contents"]] == ["tom/03/hls/stream.m3u8", "tom/03/original.mov"]
    assert old_style["IsTruncated"]
    assert _on_disk()


def test_changes_are_kept_and_each_changed_object_goes_back_to_disk_once_saved(tmp_path: Path) -> None:
    with started(tmp_path) as (state, s3):
        _request(state, s3.create_bucket, Bucket=BUCKET)
        _request(state, s3.put_object, Bucket=BUCKET, Key="rex/a.mov", Body=b"first")
        _request(state, s3.put_object, Bucket=BUCKET, Key="rex/a.mov", Body=b"second")
        _request(state, s3.copy_object, Bucket=BUCKET, Key="rex/b.mov", CopySource={"Bucket": BUCKET,
                                                                                     "Key": "rex/a.mov"},
                 MetadataDirective="REPLACE", Metadata={"title": "copy"})
        _request(state, s3.put_object_acl, Bucket=BUCKET, Key="rex/a.mov", ACL="public-read")
        _request(state, s3.put_object, Bucket=BUCKET, Key="rex/c.mov", Body=b"gone soon")
        _request(state, s3.delete_objects, Bucket=BUCKET, Delete={"Objects": [{"Key": "rex/c.mov"}]})
        assert sorted(_store()) == ["rex/a.mov", "rex/b.mov"] and _on_disk()
    with started(tmp_path) as (_, s3):
        assert s3.get_object(Bucket=BUCKET, Key="rex/a.mov")["Body"].read() == b"second"
        assert s3.head_object(Bucket=BUCKET, Key="rex/b.mov")["Metadata"] == {"title": "copy"}
        grants = s3.get_object_acl(Bucket=BUCKET, Key="rex/a.mov")["Grants"]
        assert {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"} in [
            grant["Grantee"] for grant in grants]
        assert [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET)["Contents"]] == ["rex/a.mov", "rex/b.mov"]
        assert _on_disk()


def test_an_object_two_requests_hold_stays_in_memory_until_the_last_is_saved(
        library: tuple[MotoState, Any]) -> None:
    """moto changes objects in place and the journal saves what memory holds: had the first request's save put
    the object back on disk, the second's change would land on an object nothing saves."""
    state, s3 = library
    key = KEYS[0]
    with record_changes.recording() as slow:  # a request that has read the object and not yet changed it
        held = _store().getlist(key)[-1]
    _request(state, s3.put_object_acl, Bucket=BUCKET, Key=key, ACL="public-read")  # another, on the same object
    assert not _on_disk([key])  # the slow request holds it still

    held.acl = get_canned_acl("authenticated-read")  # the slow request's change, in place as moto makes them
    slow.named_objects.append((BUCKET, key))
    state.save(slow, ("s3",))
    assert _on_disk([key])
    grantees = [grant["Grantee"] for grant in s3.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]]
    assert {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"} in grantees


def test_a_read_that_finds_its_object_deleted_before_its_row_is_read_answers_no_such_key(
        library: tuple[MotoState, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    state, s3 = library
    reading = paging._read

    def deleted_meanwhile(store: Any, key: str) -> list[Any]:
        monkeypatch.setattr(paging, "_read", reading)
        _request(state, s3.delete_object, Bucket=BUCKET, Key=key)
        return reading(store, key)

    monkeypatch.setattr(paging, "_read", deleted_meanwhile)
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket=BUCKET, Key=KEYS[0])
    assert s3.get_object(Bucket=BUCKET, Key=KEYS[1])["Body"].read() == _body(KEYS[1])


def test_a_listing_that_finds_an_object_deleted_before_its_row_is_read_is_retried_without_it(
        library: tuple[MotoState, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """S3 never answers a listing NoSuchKey: the listing fails with InternalError (the edge answers it as S3's
    500, tests/integration/test_persistence.py), which SDKs retry."""
    state, s3 = library
    reading = paging._read
    gone = sorted(KEYS)[0]

    def deleted_meanwhile(store: Any, key: str) -> list[Any]:
        monkeypatch.setattr(paging, "_read", reading)
        _request(state, s3.delete_object, Bucket=BUCKET, Key=gone)
        return reading(store, key)

    monkeypatch.setattr(paging, "_read", deleted_meanwhile)
    with pytest.raises(UnreadableRecords, match="deleted while it was being listed; list again") as failed:
        s3.list_objects_v2(Bucket=BUCKET, MaxKeys=3)
    assert failed.value.code == "InternalError"
    listed = s3.list_objects_v2(Bucket=BUCKET, MaxKeys=3)
    assert [item["Key"] for item in listed["Contents"]] == sorted(KEYS)[1:4]


def test_a_restored_object_takes_a_third_of_the_memory_moto_holds_it_in(tmp_path: Path) -> None:
    """A 10 GB library is 100,000 objects: held as moto holds them they were most of its memory."""
    with started(tmp_path) as (state, s3):
        _request(state, s3.create_bucket, Bucket=BUCKET)
        for n in range(300):
            _request(state, s3.put_object, Bucket=BUCKET, Key=f"us-east-1:{n:036d}/video-{n:04d}/hls/stream_720p.ts",
                     Body=str(n).encode(), ContentType="video/mp2t")
        store = LibraryStore.open(state.path)
        try:
            container = ("s3", "aws", BUCKET)
            rows = list(store.records(*container))
            as_moto = retained(lambda: {key: pickle.loads(row) for key, row in rows})  # noqa: S301 - our rows
            on_disk = retained(lambda: _objects(store, container))
        finally:
            store.close()
    assert on_disk <= as_moto / 3  # 0.26x: its name, the store's slot for it and its digest


def test_a_reset_forgets_objects_on_disk_without_reading_them(library: tuple[MotoState, Any],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    state, s3 = library
    monkeypatch.setattr(paging, "_read", lambda store, key: pytest.fail(f"{key} read from disk"))
    s3_backends[ACCOUNT_ID]["aws"].reset()
    state.reset()
    assert s3.list_buckets()["Buckets"] == []
