"""The library's records: a save costs what changed (an upload writes as much at 300 objects as at 10, tags kept
as moto keeps them), and objects share what they all hold alike.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
from moto.s3.models import S3Backend, s3_backends

from localcloud import motofixes
from localcloud.cloud import ACCOUNT_ID
from localcloud.library import changes as record_changes
from localcloud.library import store
from localcloud.persistence import MotoState
from tests.localcloud.in_process import started


@pytest.fixture
def library(tmp_path: Path) -> Iterator[tuple[MotoState, Any]]:
    """A library in ``tmp_path`` and an S3 client with a bucket."""
    with started(tmp_path) as (state, s3):
        s3.create_bucket(Bucket="pets")
        yield state, s3


def _saved_s3_service(state: MotoState) -> int:
    """Bytes of the S3 service's own row (buckets and the rest; objects are rows of their own)."""
    with closing(sqlite3.connect(f"file:{state.path}?mode=ro", uri=True)) as db:  # a connection's `with` only commits
        return db.execute("SELECT length(state) FROM services WHERE service = 's3'").fetchone()[0]


def _upload(state: MotoState, s3: Any, key: str, **extra: Any) -> None:
    """PutObject as the journal runs it: moto changes the object, then the change is saved."""
    with record_changes.recording() as changes:
        s3.put_object(Bucket="pets", Key=key, Body=b"rendition", **extra)
    state.save(changes, ("s3",))


@contextmanager
def _reloaded(tmp_path: Path, names: list[str], **extra: Any) -> Iterator[tuple[MotoState, Any]]:
    """A library holding an upload to each of ``names`` (with ``extra``), then started again: its state and client."""
    with started(tmp_path) as (state, s3):
        s3.create_bucket(Bucket="pets")
        for name in names:
            _upload(state, s3, name, **extra)
    with started(tmp_path) as again:
        yield again


def test_an_upload_saves_as_much_at_300_objects_as_at_10(library: tuple[MotoState, Any]) -> None:
    """moto kept an empty tag set per object in the S3 service: each upload rewrote one entry per object."""
    state, s3 = library
    for n in range(10):
        _upload(state, s3, f"rex/{n}/720p.mp4")
    at_10 = _saved_s3_service(state)
    for n in range(10, 300):
        _upload(state, s3, f"rex/{n}/720p.mp4")
    assert _saved_s3_service(state) == at_10


def _tag_answers(s3: Any, upload: Any) -> list[Any]:
    """What a client sees of tags: objects put with and without them, copied, their tags deleted."""
    upload("rex/plain.mp4")
    upload("rex/tagged.mp4", Tagging="pet=rex&walk=long")
    s3.copy_object(Bucket="pets", Key="rex/copy.mp4", CopySource={"Bucket": "pets", "Key": "rex/tagged.mp4"})
    s3.copy_object(Bucket="pets", Key="rex/plain copy.mp4", CopySource={"Bucket": "pets", "Key": "rex/plain.mp4"})
    keys = ("rex/plain.mp4", "rex/tagged.mp4", "rex/copy.mp4", "rex/plain copy.mp4")
    seen = [(s3.get_object_tagging(Bucket="pets", Key=key)["TagSet"], s3.head_object(Bucket="pets", Key=key).get(
        "TagCount"), s3.get_object(Bucket="pets", Key=key).get("TagCount")) for key in keys]
    s3.delete_object_tagging(Bucket="pets", Key="rex/tagged.mp4")
    return [*seen, s3.get_object_tagging(Bucket="pets", Key="rex/tagged.mp4")["TagSet"]]


def test_tags_answer_as_in_moto(library: tuple[MotoState, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    state, s3 = library
    fixed = _tag_answers(s3, lambda key, **extra: _upload(state, s3, key, **extra))
    assert len(s3_backends[ACCOUNT_ID]["aws"].tagger.tags) == 1  # the copy's: objects without tags hold no entry
    assert fixed[2][0] == [{"Key": "pet", "Value": "rex"}, {"Key": "walk", "Value": "long"}]

    monkeypatch.setattr(S3Backend, "put_object_tagging", motofixes.MOTO_PUT_OBJECT_TAGGING)
    s3.delete_objects(Bucket="pets", Delete={"Objects": [{"Key": key} for key in (
        "rex/plain.mp4", "rex/tagged.mp4", "rex/copy.mp4", "rex/plain copy.mp4")]})
    assert _tag_answers(s3, lambda key, **extra: _upload(state, s3, key, **extra)) == fixed


def test_a_library_saved_with_an_empty_tag_set_per_object_loses_them_as_it_loads(tmp_path: Path) -> None:
    with started(tmp_path) as (state, s3):
        s3.create_bucket(Bucket="pets")
        _upload(state, s3, "rex/tagged.mp4", Tagging="pet=rex")
        backend = s3_backends[ACCOUNT_ID]["aws"]
        for n in range(50):  # as moto's own put_object_tagging left them
            _upload(state, s3, f"rex/{n}.mp4")
            backend.tagger.tags[backend.buckets["pets"].keys[f"rex/{n}.mp4"].arn] = {}
        state.save(record_changes.Changes(), ("s3",))
    with started(tmp_path) as (_, s3):
        assert list(s3_backends[ACCOUNT_ID]["aws"].tagger.tags.values()) == [{"pet": "rex"}]
        assert s3.get_object_tagging(Bucket="pets", Key="rex/tagged.mp4")["TagSet"] == [{"Key": "pet", "Value": "rex"}]
        assert s3.get_object(Bucket="pets", Key="rex/7.mp4")["Body"].read() == b"rendition"


def test_objects_share_what_they_hold_alike_and_an_acl_change_stays_with_its_object(tmp_path: Path) -> None:
    """moto gives each object its own canned ACL and names: one shared instance each, kept apart when one changes."""
    names = [f"rex/{n}/720p.mp4" for n in range(3)]
    with _reloaded(tmp_path, names) as (state, s3):
        _upload(state, s3, "rex/new/720p.mp4")
        stored = s3_backends[ACCOUNT_ID]["aws"].buckets["pets"].keys
        loaded, objects = [stored[name] for name in names], [stored[name] for name in [*names, "rex/new/720p.mp4"]]
        assert len({id(key.acl) for key in loaded}) == 1  # a new one shares its bucket's, as moto has it
        assert len({id(key.bucket_name) for key in objects}) == len({id(key._transitions) for key in objects}) == 1
        private = s3.get_object_acl(Bucket="pets", Key=names[1])["Grants"]
        assert [grant["Permission"] for grant in private] == ["FULL_CONTROL"]

        with record_changes.recording() as changes:
            s3.put_object_acl(Bucket="pets", Key=names[0], ACL="public-read")
        changes.named_objects.append(("pets", names[0]))  # changed in place: the journal names it by its path
        state.save(changes, ("s3",))
        public = s3.get_object_acl(Bucket="pets", Key=names[0])["Grants"]
        assert {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"} in [
            grant["Grantee"] for grant in public if grant["Permission"] == "READ"]
        for name in names[1:]:
            assert s3.get_object_acl(Bucket="pets", Key=name)["Grants"] == private


def test_objects_hold_one_metadata_table_alike_and_a_change_to_one_changes_no_other(tmp_path: Path) -> None:
    """Most objects' metadata is the same table ({"content-type": "video/mp4"}): one instance for all of them,
    loaded or written. A CopyObject that replaces one object's metadata, or copies another's, changes no other."""
    names = [f"rex/{n}/720p.mp4" for n in range(3)]
    with _reloaded(tmp_path, names, ContentType="video/mp4") as (state, s3):
        _upload(state, s3, "rex/new/720p.mp4", ContentType="video/mp4")
        stored = s3_backends[ACCOUNT_ID]["aws"].buckets["pets"].keys
        assert len({id(stored[name]._metadata) for name in [*names, "rex/new/720p.mp4"]}) == 1

        s3.copy_object(Bucket="pets", Key=names[0], CopySource={"Bucket": "pets", "Key": names[0]},
                       MetadataDirective="REPLACE", ContentType="video/webm", Metadata={"title": "Rex"})
        _upload(state, s3, names[1], ContentType="video/mp4", ContentEncoding="aws-chunked,gzip")
        s3.copy_object(Bucket="pets", Key="rex/copy.mp4", CopySource={"Bucket": "pets", "Key": names[1]})

        def head(name: str) -> tuple[str, str | None, dict[str, str]]:
            answer = s3.head_object(Bucket="pets", Key=name)
            return answer["ContentType"], answer.get("ContentEncoding"), answer["Metadata"]

        assert head(names[0]) == ("video/webm", None, {"title": "Rex"})
        assert head(names[1]) == head("rex/copy.mp4") == ("video/mp4", "gzip", {})
        assert head(names[2]) == head("rex/new/720p.mp4") == ("video/mp4", None, {})


def _segments(state: MotoState, s3: Any) -> Path:
    """300 objects named as a stream's segment files are, saved; the library's file."""
    s3.create_bucket(Bucket="pets")
    for n in range(300):
        _upload(state, s3, f"us-east-1:{n:08x}-0000-4000-8000-{n:012x}/01jc{n:022d}/hls/stream_720p.ts",
                ContentType="video/mp2t")
    return state.path


def _file_per_row(path: Path) -> float:
    """The library file's size against its records' own bytes (keys and saved states)."""
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        rows, payload = db.execute("SELECT count(*), sum(length(key) + length(state)) FROM records").fetchone()
    assert rows == 300
    return (path.stat().st_size - 64 * 1024) / payload  # less what the services and the schema take


def test_a_saved_object_takes_little_more_file_than_its_row(tmp_path: Path) -> None:
    """An object's row (its key and saved state, ~1.2 KB) spilled its last few hundred bytes into an overflow page
    of its own with SQLite's 4 KB pages: 4.7 KB of file an object, a 10 GB library's 100,000 objects 490 MB."""
    with started(tmp_path) as (state, s3):
        path = _segments(state, s3)
    assert _file_per_row(path) < 1.6  # 4 KB pages: 4x


def test_a_library_made_with_small_pages_is_rewritten_once_and_keeps_every_object(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A library made by earlier code (4 KB pages) is rewritten with the larger pages at its next start."""
    with monkeypatch.context() as earlier_code:
        earlier_code.setattr(store, "PAGE_SIZE", 4096)
        with started(tmp_path) as (state, s3):
            path = _segments(state, s3)
            bodies = {item["Key"]: s3.get_object(Bucket="pets", Key=item["Key"])["Body"].read()
                      for item in s3.list_objects_v2(Bucket="pets")["Contents"]}
    assert _file_per_row(path) > 3
    with started(tmp_path) as (_, s3):
        assert {item["Key"]: s3.get_object(Bucket="pets", Key=item["Key"])["Body"].read()
                for item in s3.list_objects_v2(Bucket="pets")["Contents"]} == bodies
    assert _file_per_row(path) < 1.6
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)  # saves are durable as before
