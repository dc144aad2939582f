"""Bad input: broken files, hostile names, malformed API calls and events each get a clear, named outcome."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rel_actors import User, body_json, clip, pool_user, settled, video_id

from localcloud.cloud import LocalCloud
from localcloud.endpoints import Endpoints
from localcloud.lambdaruntime.runtime import FunctionError
from localcloud.provision import event_queue_name
from pettube import errors

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def user(local_cloud: Endpoints) -> User:
    return pool_user(local_cloud, "badinput")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The bad files, made once."""
    import imageio_ffmpeg

    folder = tmp_path_factory.mktemp("bad")
    good = clip(folder / "good.mp4")
    huge = folder / "huge.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi", "-i",
                    "color=c=blue:size=8192x8192:rate=1:duration=1", "-f", "lavfi", "-i", "sine=duration=1",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                    str(huge)], check=True, timeout=300)
    return {
        "empty": b"",
        "text": b"Just a shopping list, named like a video.\n" * 50,
        "truncated": good[: len(good) // 2],
        "audio only": clip(folder / "audio.mp4", video=False),
        "8192x8192": huge.read_bytes(),
        "good": good,
    }


def _upload_and_settle(local_cloud: Endpoints, user: User, name: str, body: bytes, wait_until) -> dict[str, Any]:
    vid = video_id()
    user.upload(vid, name, body)
    return wait_until(lambda: settled(local_cloud, user.identity_id, vid), timeout=240, message=f"{name} to settle")


def _outcome(item: dict[str, Any]) -> str:
    return item["status"] if item["status"] == "ready" else f"{item['status']} {item['failure_code']}: {item['failure_message']}"


@pytest.mark.parametrize(("kind", "expected"), [
    ("empty", "EmptyFile"), ("text", "MediaConvert1010"), ("truncated", None), ("audio only", "MediaConvert1020"),
    ("8192x8192", None)])
def test_a_broken_or_extreme_file_ends_with_a_named_outcome(
        local_cloud: Endpoints, user: User, files: dict[str, bytes], wait_until, observed: Callable[[str], None],
        kind: str, expected: str | None) -> None:
    """A bad file uploaded as .mp4"""
    item = _upload_and_settle(local_cloud, user, f"{kind}.mp4", files[kind], wait_until)
    observed(_outcome(item))
    if expected:
        assert (item["status"], item["failure_code"]) == ("failed", expected)
    else:  # the transcoder decides: playable as far as it goes, or failed with its reason
        assert item["status"] == "ready" or (item["status"] == "failed" and item["failure_message"])


def test_a_file_over_the_size_limit_is_refused_with_the_limit(
        local_cloud: Endpoints, user: User, files: dict[str, bytes], reconfigure, wait_until,
        observed: Callable[[str], None]) -> None:
    """A clip larger than MAX_UPLOAD_BYTES (set to 1000 bytes for the test)"""
    reconfigure("UploadFunction", MAX_UPLOAD_BYTES="1000")
    item = _upload_and_settle(local_cloud, user, "big.mp4", files["good"], wait_until)
    observed(_outcome(item))
    assert (item["status"], item["failure_code"]) == ("failed", "FileTooLarge")


@pytest.mark.parametrize("name", [
    "my holiday clip.mp4", "chat été 🐈 猫.mp4", "../../etc/passwd.mp4", "it's \"quoted\".mp4",
    "<script>alert(1)</script>.mp4", "<img src=x onerror=alert(1)>.mov"])
def test_a_hostile_file_name_comes_back_from_mymedia_as_plain_data(
        local_cloud: Endpoints, user: User, wait_until, observed: Callable[[str], None], name: str) -> None:
    """A file name with spaces, unicode, ../, quotes or HTML, uploaded (empty, so it fails fast) and listed"""
    vid = video_id()
    key = user.upload(vid, name, b"")
    item = wait_until(lambda: settled(local_cloud, user.identity_id, vid), timeout=60, message="the record")
    reply = user.api("GET", f"/media/{vid}")
    observed(f"key kept under the owner's prefix; MyMedia {reply.status_code} {reply.headers['Content-Type']}, "
             f"title {json.dumps(reply.json()['title'], ensure_ascii=False)}")
    assert key == f"{user.identity_id}/{vid}/{name}"
    title = name.rsplit(".", 1)[0]  # the default title: the file name without its extension
    assert item["title"] == title and reply.json()["title"] == title
    assert reply.headers["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(("method", "path", "query"), [
    ("GET", "/media", {"limit": "0"}), ("GET", "/media", {"limit": "abc"}), ("GET", "/media", {"limit": "101"}),
    ("GET", "/media", {"cursor": "not-a-cursor"}), ("GET", "/media", {"cursor": "A" * 8000}),
    ("GET", "/media/x", None), ("GET", "/media/" + "a" * 300, None), ("DELETE", "/media/%2E%2E", None),
    ("POST", "/media", None), ("GET", "/nothing/here", None)],
    ids=["limit 0", "limit abc", "limit 101", "bad cursor", "8000-char cursor", "short id", "300-char id",
         "dot-dot id", "unrouted method", "unknown path"])
def test_a_malformed_or_oversized_api_request_gets_a_clear_4xx(
        user: User, observed: Callable[[str], None], method: str, path: str, query: dict[str, str] | None) -> None:
    """A malformed or oversized MyMedia request"""
    reply = user.api(method, path, query)
    observed(f"{reply.status_code} {json.dumps(body_json(reply))[:100]}")
    assert 400 <= reply.status_code < 500
    assert user.api("GET", "/media", {"limit": "1"}).status_code == 200


GARBAGE = pytest.mark.parametrize(
    "event", [{}, [], "garbage", {"Records": [{}]}, {"detail": None}, {"httpMethod": 42}],
    ids=["empty", "list", "string", "empty-record", "null-detail", "bad-proxy"])
# What PetTube raises on purpose: an error a reader of the dead letter or the log understands.
NAMED_ERRORS = {name for name, value in vars(errors).items()
                if isinstance(value, type) and issubclass(value, errors.PetTubeError)}


@GARBAGE
@pytest.mark.parametrize("function", ["UploadFunction", "JobStateFunction", "MyMediaFunction"])
def test_a_garbage_event_is_a_clear_function_error_and_the_runtime_survives(
        cloud: LocalCloud, observed: Callable[[str], None], function: str, event: Any) -> None:
    """A garbage event invoked on a function that reads its event"""
    try:
        result = cloud.runtime.invoke(function, event)
    except FunctionError as error:
        kind, message = error.payload["errorType"], str(error.payload["errorMessage"])
        observed(f"{kind}: {message[:80]}")
        assert kind in NAMED_ERRORS, f"{kind} is not an error PetTube names (pettube.errors)"
        assert message
    else:
        observed(f"returned normally: {json.dumps(result)[:80]}")
        pytest.fail("a garbage event was handled as if it were a real one")
    _assert_runtime_alive(cloud)


@GARBAGE
def test_the_sweeper_reads_nothing_from_its_event(cloud: LocalCloud, observed: Callable[[str], None],
                                                 event: Any) -> None:
    """A garbage event invoked on the scheduled sweeper (it needs nothing from its event)"""
    result = cloud.runtime.invoke("SweeperFunction", event)
    observed(f"swept: {json.dumps(result)[:80]}")
    assert isinstance(result, dict) and all(isinstance(count, int) for count in result.values())
    _assert_runtime_alive(cloud)


def _assert_runtime_alive(cloud: LocalCloud) -> None:
    listing = cloud.runtime.invoke("MyMediaFunction", _list_event())
    assert listing["statusCode"] == 403  # an unsigned proxy event is refused as it should be


def _list_event() -> dict[str, Any]:
    events = Path(__file__).resolve().parents[1] / "events"
    event = json.loads((events / "apigw_list_media.json").read_text())
    event["requestContext"]["identity"]["cognitoIdentityId"] = None
    return event


def test_a_garbage_s3_event_is_dead_lettered(cloud: LocalCloud, local_cloud: Endpoints, wait_until,
                                             observed: Callable[[str], None]) -> None:
    """A malformed event delivered asynchronously to the upload function's event queue"""
    sqs = local_cloud.client("sqs")
    queue = sqs.get_queue_url(QueueName=event_queue_name(cloud.runtime.stack.functions["UploadFunction"].name))["QueueUrl"]
    marker = f"garbage-{video_id()}"
    sqs.send_message(QueueUrl=queue, MessageBody=json.dumps({"Records": [{"marker": marker}]}))
    record = wait_until(lambda: next((r for r in cloud.dead_letters() if marker in json.dumps(r)), None),
                        timeout=60, message="the dead letter")
    observed(f"dead-lettered after {record['requestContext']['approximateInvokeCount']} attempts: "
             f"{record['responsePayload']['errorType']}")
    assert record["requestContext"]["condition"] == "RetriesExhausted"


def test_after_all_the_bad_input_a_good_clip_still_plays(
        local_cloud: Endpoints, user: User, files: dict[str, bytes], wait_until,
        observed: Callable[[str], None]) -> None:
    """A good clip uploaded after every bad input above"""
    item = _upload_and_settle(local_cloud, user, "good.mp4", files["good"], wait_until)
    observed(_outcome(item))
    assert item["status"] == "ready"
