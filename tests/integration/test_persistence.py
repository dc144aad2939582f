"""A family's library survives restarts of `make dev`, backups, restores and format changes.

Crashes at random moments are tested in test_library_crash.py.
"""

from __future__ import annotations

import hashlib
import shutil
import signal
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from pathlib import Path

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from library_run import Run, library, put_library, run  # noqa: F401 - run is a fixture

pytestmark = pytest.mark.slow
# What each test saw, for its row in docs/reliability.md (the Persistence area): record_property("observed", ...).
Note = Callable[[str, object], None]


def _said(error: str) -> str:
    return " ".join(error.split())[:160]


def test_a_clean_restart_keeps_every_object_and_record(run: Run, wait_until, record_property: Note) -> None:
    """A clean stop (SIGTERM) and a start: every object, record and the user pool come back."""
    endpoints = run.start(wait_until)
    pool = endpoints.user_pool_id
    put_library(endpoints, "kept-video")
    run.stop(signal.SIGTERM)
    assert not (run.state_dir / "endpoints.json").exists()  # removed on a clean stop

    endpoints = run.start(wait_until)
    keys, videos = library(endpoints)
    body = endpoints.client("s3").get_object(Bucket=endpoints.transcoded_bucket, Key="owner/kept-video/720p.mp4")
    same = body["Body"].read() == b"kept-video" * 100
    record_property("observed", f"after the start: {len(keys)} object(s), {len(videos)} record(s); the object's "
                                f"bytes {'equal' if same else 'changed'}; user pool id "
                                f"{'the same' if endpoints.user_pool_id == pool else 'changed'}")
    assert "owner/kept-video/720p.mp4" in keys and "kept-video" in videos and same
    assert endpoints.user_pool_id == pool  # the user pool (and its users) came back with the same id


@pytest.mark.parametrize("name", ["library.sqlite3", "moto-state.pickle"])
def test_an_unreadable_library_is_kept_and_the_start_says_what_to_do(run: Run, name: str,
                                                                      record_property: Note) -> None:
    """A saved library (today's database, or a previous format's file) that cannot be read: the start refuses,
    names the file and the ways out, and keeps it."""
    saved = run.state_dir / name
    saved.parent.mkdir(parents=True)
    damaged = b"\x80\x05 half of a library, then the disk filled up" * 100
    saved.write_bytes(damaged)

    error = run.refused()

    record_property("observed", f"refused (exit 2), the file {'kept' if saved.read_bytes() == damaged else 'changed'}: "
                                f"{_said(error)}")
    assert saved.read_bytes() == damaged
    assert sorted(p.name for p in run.state_dir.iterdir() if p.name.startswith(name)) == [name]  # nothing beside it
    assert str(saved) in error and "cannot be read" in error
    assert "localcloud restore" in error and "PETTUBE_STATE_DIR" in error


def test_a_bucket_whose_saved_objects_cannot_be_read_says_so_and_the_rest_works(
        run: Run, wait_until, record_property: Note) -> None:
    """One object's row damaged: the cloud starts; requests to that bucket answer InternalError naming it,
    the other buckets and the table answer and save, and the damaged bucket's rows stay as they were."""
    endpoints = run.start(wait_until)
    put_library(endpoints, "kept-video")
    run.stop(signal.SIGTERM)
    with closing(sqlite3.connect(run.state_dir / "library.sqlite3")) as db, db:
        db.execute("UPDATE records SET state = ? WHERE container = ? AND key = ?",
                   (b"\x80\x05 half a row", endpoints.transcoded_bucket, "owner/kept-video/720p.mp4"))
    rows = _rows(run.state_dir, endpoints.transcoded_bucket)

    endpoints = run.start(wait_until)
    s3 = endpoints.client("s3", config=Config(retries={"max_attempts": 1}))
    with pytest.raises(ClientError) as refused:
        s3.get_object(Bucket=endpoints.transcoded_bucket, Key="owner/kept-video/720p.mp4")
    s3.put_object(Bucket=endpoints.originals_bucket, Key="owner/new-video/original.mp4", Body=b"new")
    new = s3.get_object(Bucket=endpoints.originals_bucket, Key="owner/new-video/original.mp4")["Body"].read()
    videos = {item["video_id"]["S"] for item in endpoints.client("dynamodb").scan(TableName=endpoints.table)["Items"]}
    run.stop(signal.SIGTERM)

    error = refused.value.response["Error"]
    record_property("observed", f"started; GetObject in the damaged bucket: {error['Code']} "
                                f"({_said(error['Message'])}); another bucket written and read: "
                                f"{new == b'new'}; records listed: {len(videos)}; the damaged rows "
                                f"{'kept' if _rows(run.state_dir, endpoints.transcoded_bucket) == rows else 'changed'}")
    assert error["Code"] == "InternalError" and endpoints.transcoded_bucket in error["Message"]
    assert "cannot be read" in error["Message"]
    assert new == b"new" and "kept-video" in videos
    assert _rows(run.state_dir, endpoints.transcoded_bucket) == rows


def _rows(state_dir: Path, container: str) -> list[tuple[str, bytes]]:
    with closing(sqlite3.connect(f"file:{state_dir / 'library.sqlite3'}?mode=ro", uri=True)) as db:
        return db.execute("SELECT key, state FROM records WHERE container = ? ORDER BY key", (container,)).fetchall()


def test_a_second_cloud_on_the_same_library_refuses_to_start(run: Run, wait_until, record_property: Note) -> None:
    """A second `make dev` on a library a running cloud holds: refused, the running cloud untouched."""
    endpoints = run.start(wait_until)
    put_library(endpoints, "first-cloud")

    error = run.refused()

    keys, videos = library(endpoints)
    record_property("observed", f"refused (exit 2): {_said(error)}; the running cloud still lists {len(keys)} "
                                f"object(s), {len(videos)} record(s)")
    assert "another local cloud is using" in error and str(run.state_dir) in error
    assert (run.state_dir / "endpoints.json").exists()  # the running cloud's, left in place
    assert "owner/first-cloud/720p.mp4" in keys and "first-cloud" in videos


def test_a_backup_taken_while_the_cloud_runs_restores_the_whole_library(
        run: Run, wait_until, tmp_path: Path, record_property: Note) -> None:
    """`backup` while uploads go on, then `restore` elsewhere and start: the library and its ids come back."""
    endpoints = run.start(wait_until)
    put_library(endpoints, "backed-up")
    backup = tmp_path / "backup"
    with ThreadPoolExecutor(1) as uploads:  # the library keeps changing (and saving) during the copy
        busy = uploads.submit(lambda: [put_library(endpoints, f"meanwhile-{n}") for n in range(20)])
        done = run.command("backup", str(backup))
        busy.result()
    assert done.returncode == 0, done.stderr
    run.stop(signal.SIGKILL)

    restored = Run(tmp_path / "restored")
    assert restored.command("restore", str(backup)).returncode == 0
    endpoints_after = restored.start(wait_until)
    try:
        keys, videos = library(endpoints_after)
        body = endpoints_after.client("s3").get_object(Bucket=endpoints_after.transcoded_bucket,
                                                       Key="owner/backed-up/720p.mp4")["Body"].read()
        same_ids = (endpoints_after.user_pool_id, endpoints_after.admin_access_key_id) == (
            endpoints.user_pool_id, endpoints.admin_access_key_id)
        record_property("observed", f"backup during 20 uploads: exit {done.returncode}; restored and started "
                                    f"elsewhere: {len(keys)} object(s), {len(videos)} record(s), the first object's "
                                    f"bytes {'equal' if body == b'backed-up' * 100 else 'changed'}, user pool and "
                                    f"admin key {'the same' if same_ids else 'changed'}")
        assert "owner/backed-up/720p.mp4" in keys and "backed-up" in videos
        assert body == b"backed-up" * 100
        assert endpoints_after.user_pool_id == endpoints.user_pool_id
        assert endpoints_after.admin_access_key_id == endpoints.admin_access_key_id
        for private in (restored.state_dir / "admin-credentials.json", restored.state_dir / "objects", backup):
            assert private.stat().st_mode & 0o077 == 0, private  # the owner's alone, in the copy too
    finally:
        restored.stop(signal.SIGKILL)


def test_restore_never_writes_over_a_running_or_existing_library(
        run: Run, wait_until, tmp_path: Path, record_property: Note) -> None:
    """`restore` onto a running cloud, and onto a stopped library: both refused, not a byte changed."""
    endpoints = run.start(wait_until)
    put_library(endpoints, "current")
    backup = tmp_path / "backup"
    assert run.command("backup", str(backup)).returncode == 0

    running = run.refused("restore", str(backup))
    run.stop(signal.SIGTERM)
    library = {path: path.read_bytes() for path in run.state_dir.rglob("*") if path.is_file()}
    stopped = run.refused("restore", str(backup))
    unchanged = {path: path.read_bytes() for path in run.state_dir.rglob("*") if path.is_file()} == library
    record_property("observed", f"onto the running cloud: {_said(running)}; onto the stopped library: "
                                f"{_said(stopped)}; its {len(library)} files {'unchanged' if unchanged else 'changed'}")
    assert "a local cloud is running on" in running and "already holds a library" in stopped and unchanged


def test_a_damaged_backup_restores_nothing(run: Run, wait_until, tmp_path: Path, record_property: Note) -> None:
    """`restore` of a backup whose state file was cut short: refused before anything is written."""
    put_library(run.start(wait_until), "precious")
    backup = tmp_path / "backup"
    assert run.command("backup", str(backup)).returncode == 0
    run.stop(signal.SIGTERM)
    saved = backup / "library.sqlite3"
    saved.write_bytes(saved.read_bytes()[:-10])

    empty = Run(tmp_path / "elsewhere")
    error = empty.refused("restore", str(backup))
    written = (empty.state_dir / "library.sqlite3").exists()
    record_property("observed", f"refused (exit 2): {_said(error)}; "
                                f"{'a library written' if written else 'nothing written'}")
    assert "is damaged" in error and not written


FIXTURES = Path(__file__).parent / "fixtures"
# Libraries the previous formats' code saved (fixtures/make_saved_library.py printed the pool ids):
# format 1, every byte in one pickle; format 2, object bytes in files and the rest in one pickle.
PREVIOUS_FORMATS = {1: (FIXTURES / "moto-state-v1.pickle", "v1-video", "us-east-1_17db4b80b7244104a6a3cf5a72e3b0d5"),
                    2: (FIXTURES / "library-v2", "v2-video", "us-east-1_f6ba097086fc4a7096f63d851f764986")}


def _object_file(state_dir: Path, data: bytes) -> Path:
    digest = hashlib.sha256(data).hexdigest()
    return state_dir / "objects" / digest[:2] / digest


def test_files_nothing_names_leave_while_the_cloud_runs(run: Run, wait_until, record_property: Note) -> None:
    """A multipart upload's parts once the object is assembled, an aborted upload's, a deleted object's: gone
    without a restart, while every object still there keeps its file."""
    endpoints = run.start(wait_until)
    s3, bucket = endpoints.client("s3"), endpoints.originals_bucket
    parts = [b"a" * (5 << 20), b"the last part"]  # S3's smallest part but the last: 5 MiB
    upload = s3.create_multipart_upload(Bucket=bucket, Key="owner/big/original.mp4")["UploadId"]
    etags = [s3.upload_part(Bucket=bucket, Key="owner/big/original.mp4", UploadId=upload, PartNumber=n,
                            Body=part)["ETag"] for n, part in enumerate(parts, start=1)]
    abandoned = s3.create_multipart_upload(Bucket=bucket, Key="owner/gone/original.mp4")["UploadId"]
    s3.upload_part(Bucket=bucket, Key="owner/gone/original.mp4", UploadId=abandoned, PartNumber=1, Body=b"abandoned")
    s3.put_object(Bucket=bucket, Key="owner/small/original.mp4", Body=b"deleted video")
    s3.put_object(Bucket=bucket, Key="owner/kept/original.mp4", Body=b"kept video")
    assert all(_object_file(run.state_dir, data).exists() for data in (*parts, b"abandoned"))

    s3.complete_multipart_upload(Bucket=bucket, Key="owner/big/original.mp4", UploadId=upload, MultipartUpload={
        "Parts": [{"ETag": etag, "PartNumber": n} for n, etag in enumerate(etags, start=1)]})
    s3.abort_multipart_upload(Bucket=bucket, Key="owner/gone/original.mp4", UploadId=abandoned)
    s3.delete_object(Bucket=bucket, Key="owner/small/original.mp4")
    released = (*parts, b"abandoned", b"deleted video")
    wait_until(lambda: not any(_object_file(run.state_dir, data).exists() for data in released),
               message="the released files to leave")

    files = sum(1 for path in (run.state_dir / "objects").rglob("*") if path.is_file())
    record_property("observed", f"a 2-part upload completed, one aborted, one object deleted, no restart: their "
                                f"{len(released)} file(s) removed; {files} file(s) left under objects/")
    assert s3.get_object(Bucket=bucket, Key="owner/big/original.mp4")["Body"].read() == b"".join(parts)
    assert s3.get_object(Bucket=bucket, Key="owner/kept/original.mp4")["Body"].read() == b"kept video"
    run.stop(signal.SIGTERM)
    endpoints = run.start(wait_until)  # and the library they left behind starts whole
    assert endpoints.client("s3").get_object(Bucket=bucket, Key="owner/big/original.mp4")["Body"].read() == \
        b"".join(parts)


@pytest.mark.parametrize("version", sorted(PREVIOUS_FORMATS))
def test_a_library_saved_in_a_previous_format_is_migrated_and_kept(
        run: Run, wait_until, version: int, record_property: Note) -> None:
    """A library saved by the format-1 or format-2 code: migrated on start, the old file kept aside."""
    fixture, video, pool = PREVIOUS_FORMATS[version]
    if fixture.is_dir():
        shutil.copytree(fixture, run.state_dir)
    else:
        run.state_dir.mkdir(parents=True)
        shutil.copy(fixture, run.state_dir / "moto-state.pickle")
    previous = (run.state_dir / "moto-state.pickle").read_bytes()
    rendition, original = video.encode() * 1000, b"original bytes " * 50

    for _ in range(2):  # migrated on the first start, read in today's format on the second
        endpoints = run.start(wait_until)
        s3 = endpoints.client("s3")
        assert s3.get_object(Bucket=endpoints.transcoded_bucket, Key=f"owner/{video}/720p.mp4")["Body"].read() \
            == rendition
        kept = s3.get_object(Bucket=endpoints.originals_bucket, Key=f"owner/{video}/original.mp4")
        assert kept["Body"].read() == original and kept["Metadata"] == {"owner-name": "Julie"}
        assert video in library(endpoints)[1]
        assert endpoints.user_pool_id == pool
        run.stop(signal.SIGTERM)

    aside = run.state_dir / f"moto-state.pickle.v{version}"
    record_property("observed", f"both starts served the format-{version} objects, metadata, record and user pool "
                                f"id; the old file {'kept' if aside.exists() else 'gone'} as {aside.name}")
    assert aside.read_bytes() == previous and not (run.state_dir / "moto-state.pickle").exists()
    assert rendition not in (run.state_dir / "library.sqlite3").read_bytes()
    assert _object_file(run.state_dir, rendition).read_bytes() == rendition


def test_object_bytes_live_in_one_file_and_leave_with_the_object(run: Run, wait_until, record_property: Note) -> None:
    """Object bytes: one file when acknowledged, never in the saved state, removed after the object is deleted."""
    endpoints = run.start(wait_until)
    s3, bucket = endpoints.client("s3"), endpoints.transcoded_bucket
    kept, deleted = b"kept rendition " * 5000, b"deleted rendition " * 5000
    s3.put_object(Bucket=bucket, Key="owner/a/720p.mp4", Body=kept)
    s3.put_object(Bucket=bucket, Key="owner/b/720p.mp4", Body=kept)  # equal bytes share the file
    s3.put_object(Bucket=bucket, Key="owner/c/720p.mp4", Body=deleted)
    assert _object_file(run.state_dir, kept).read_bytes() == kept  # on disk as soon as acknowledged
    run.stop(signal.SIGTERM)
    saved = (run.state_dir / "library.sqlite3").read_bytes()
    assert kept not in saved and deleted not in saved
    assert (run.state_dir / "library.sqlite3").stat().st_mode & 0o077 == 0  # the owner's alone

    endpoints = run.start(wait_until)
    endpoints.client("s3").delete_object(Bucket=bucket, Key="owner/c/720p.mp4")
    run.stop(signal.SIGTERM)
    endpoints = run.start(wait_until)  # files no saved object names are removed at start

    files = sum(1 for path in (run.state_dir / "objects").rglob("*") if path.is_file())
    record_property("observed", f"of 3 objects, one deleted and the cloud restarted: {files} file(s) under objects/ "
                                f"for the 2 left (equal bytes); the deleted object's file "
                                f"{'left behind' if _object_file(run.state_dir, deleted).exists() else 'removed'}")
    assert not _object_file(run.state_dir, deleted).exists()
    for key in ("owner/a/720p.mp4", "owner/b/720p.mp4"):
        assert endpoints.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read() == kept


def test_a_dynamodb_export_leaves_the_library_saving_and_is_kept(run: Run, wait_until, record_property: Note) -> None:
    """A DynamoDB table export while the cloud runs: the library goes on saving, and both survive a restart.

    moto runs an export as a thread, which the journal could not pickle: from that request on every
    DynamoDB change answered 500 (found by moto's own tests, bench/compat.py)."""
    endpoints = run.start(wait_until)
    dynamodb, s3 = endpoints.client("dynamodb"), endpoints.client("s3")
    dynamodb.create_table(TableName="exported", BillingMode="PAY_PER_REQUEST",
                          KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                          AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    dynamodb.put_item(TableName="exported", Item={"pk": {"S": "rex"}})
    dynamodb.update_continuous_backups(TableName="exported",
                                       PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    s3.create_bucket(Bucket="exports")
    arn = dynamodb.describe_table(TableName="exported")["Table"]["TableArn"]
    export = dynamodb.export_table_to_point_in_time(TableArn=arn, S3Bucket="exports", S3Prefix="rex",
                                                    ExportFormat="DYNAMODB_JSON")
    put_library(endpoints, "after-the-export")  # a change to PetTube's own table, after the export began
    run.stop(signal.SIGTERM)

    endpoints = run.start(wait_until)
    _, videos = library(endpoints)
    described = endpoints.client("dynamodb").describe_export(ExportArn=export["ExportDescription"]["ExportArn"])
    status = described["ExportDescription"]["ExportStatus"]
    record_property("observed", f"the change after the export {'kept' if 'after-the-export' in videos else 'lost'}; "
                                f"the export came back {status}")
    assert "after-the-export" in videos
    assert status in ("IN_PROGRESS", "COMPLETED")


def test_what_a_stack_of_ones_own_creates_is_saved_with_the_library(run: Run, wait_until,
                                                                     record_property: Note) -> None:
    """A developer's own stack (moto's CloudFormation): the queue it creates is saved by its own request.

    Saved as every SQS queue is, beside the library. The stack itself, like IAM and moto's other backends,
    lives in memory only (docs/compatibility.md)."""
    endpoints = run.start(wait_until)
    put_library(endpoints, "before-the-stack")
    template = '{"Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "scratch-q"}}}}'
    endpoints.client("cloudformation").create_stack(StackName="scratch", TemplateBody=template)
    run.stop(signal.SIGKILL)  # no save at the stop: what the stack's request saved is all there is

    endpoints = run.start(wait_until)
    _, videos = library(endpoints)
    stacks = endpoints.client("cloudformation").describe_stacks()["Stacks"]
    queues = endpoints.client("sqs").list_queues(QueueNamePrefix="scratch-q").get("QueueUrls", [])
    record_property("observed", f"stacks after the start: {[s['StackName'] for s in stacks]}; {len(queues)} queue(s); "
                                f"the library {'kept' if 'before-the-stack' in videos else 'lost'}")
    assert len(queues) == 1 and "before-the-stack" in videos
    assert stacks[0]["StackName"].startswith("pettube-")  # PetTube's own stack, described from the template
