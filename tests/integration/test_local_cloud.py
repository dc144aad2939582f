"""The local cloud from the outside: events reach handlers as AWS delivers them."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from localcloud.__main__ import main as localcloud_cli
from localcloud.cloud import LocalCloud, PortInUseError, Ports
from localcloud.endpoints import Endpoints
from localcloud.lambdaruntime.runtime import FunctionError

pytestmark = pytest.mark.slow
HANDLERS_DIR = Path(__file__).parent / "handlers"


@pytest.fixture
def swap_handler(cloud: LocalCloud, tmp_path: Path) -> Iterator:
    """Replace a function's code for one test, then put the template's back."""
    restored: list[tuple[str, object]] = []

    def swap(function: str, handler: str, **changes: object) -> Path:
        spec = cloud.runtime.stack.functions[function]
        environment = {**spec.environment, "PYTHONPATH": str(HANDLERS_DIR), "PROBE_DIR": str(tmp_path)}
        previous = cloud.runtime.update_function(function, handler=handler, environment=environment, **changes)
        restored.append((function, previous))
        return tmp_path

    yield swap
    for function, previous in restored:
        cloud.runtime._pools[function].spec = previous


def test_endpoints_file_names_every_service(cloud: LocalCloud, local_cloud: Endpoints) -> None:
    data = json.loads(cloud.endpoints_path.read_text())
    for key in ("site", "aws", "api", "idp", "region", "originals_bucket", "transcoded_bucket", "table",
                "identity_pool_id", "google_client_id", "admin_access_key_id", "admin_secret_access_key"):
        assert data[key], key
    buckets = {b["Name"] for b in local_cloud.client("s3").list_buckets()["Buckets"]}
    assert {local_cloud.originals_bucket, local_cloud.transcoded_bucket} <= buckets
    table = local_cloud.client("dynamodb").describe_table(TableName=local_cloud.table)["Table"]
    assert [k["AttributeName"] for k in table["KeySchema"]] == ["owner_id", "video_id"]
    assert requests.get(f"{local_cloud.site}/config.json", timeout=5).json()["api_url"] == local_cloud.api


@pytest.mark.parametrize("file_name", ["my cat+dog.mp4", "chat été 🐈.mov"])
def test_upload_handler_gets_the_real_s3_record_with_the_key_decoded(
        local_cloud: Endpoints, swap_handler, wait_until, file_name: str) -> None:
    probe_dir = swap_handler("UploadFunction", "probes.record")
    key = f"us-east-1:00000000-0000-0000-0000-000000000001/vid{len(file_name)}/{file_name}"
    local_cloud.client("s3").put_object(Bucket=local_cloud.originals_bucket, Key=key, Body=b"\0" * 64)

    def probe() -> dict | None:
        for path in probe_dir.glob("*.json"):
            seen = json.loads(path.read_text())
            if seen["keys"] == [key]:
                return seen
        return None

    seen = wait_until(probe, message="the upload handler to see the object")
    # S3 sends the key URL-encoded, spaces as '+', '/' kept; the handler decodes it back.
    assert seen["raw_keys"] == [urllib.parse.quote_plus(key, safe="/")]
    assert " " not in seen["raw_keys"][0]
    assert seen["videos_table"] == local_cloud.table
    assert seen["function_name"] == "pettube-upload-function"
    assert 0 < seen["remaining_ms"] <= 30_000


def test_a_multipart_upload_fires_one_event_as_s3_does(local_cloud: Endpoints, swap_handler, wait_until) -> None:
    probe_dir = swap_handler("UploadFunction", "probes.record")
    s3 = local_cloud.client("s3")
    key = "us-east-1:00000000-0000-0000-0000-000000000003/multi/big clip.mp4"
    upload = s3.create_multipart_upload(Bucket=local_cloud.originals_bucket, Key=key)["UploadId"]
    parts = [{"PartNumber": n, "ETag": s3.upload_part(Bucket=local_cloud.originals_bucket, Key=key, UploadId=upload,
                                                     PartNumber=n, Body=b"\0" * (5 * 1024 * 1024))["ETag"]}
             for n in (1, 2)]
    s3.complete_multipart_upload(Bucket=local_cloud.originals_bucket, Key=key, UploadId=upload,
                                 MultipartUpload={"Parts": parts})
    # A plain put afterwards: moto queued any duplicate before this one's event.
    s3.put_object(Bucket=local_cloud.originals_bucket, Key=key + ".done", Body=b"x")

    def seen() -> list[dict]:
        found = [json.loads(p.read_text()) for p in probe_dir.glob("*.json")]
        done = {tuple(f["keys"]) for f in found} >= {(key,), (key + ".done",)}
        return found if done else []

    events = [f["event_names"] for f in wait_until(seen, message="both uploads' events") if f["keys"] == [key]]
    assert events == [["ObjectCreated:CompleteMultipartUpload"]]


def test_a_failing_handler_is_retried_twice_then_dead_lettered(
        cloud: LocalCloud, local_cloud: Endpoints, swap_handler, wait_until,
        capsys: pytest.CaptureFixture[str]) -> None:
    swap_handler("UploadFunction", "probes.always_fails")
    key = "us-east-1:00000000-0000-0000-0000-000000000002/failing/broken.mp4"
    local_cloud.client("s3").put_object(Bucket=local_cloud.originals_bucket, Key=key, Body=b"\0" * 64)

    def dead_letter() -> dict | None:
        for record in cloud.dead_letters():
            keys = [r["s3"]["object"]["key"] for r in record["requestPayload"].get("Records", [])]
            if keys == [urllib.parse.quote_plus(key, safe="/")]:
                return record
        return None

    record = wait_until(dead_letter, message="the failed event in the dead-letter queue")
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["responsePayload"]["errorMessage"] == "probe handler fails on purpose"
    attempts = [i for i in cloud.runtime.invocations
                if i["function"] == "UploadFunction" and "failing/broken.mp4" in json.dumps(i["event"])]
    assert len(attempts) == 3 and not any(a["ok"] for a in attempts)

    capsys.readouterr()
    assert localcloud_cli(["dead-letters", "--state-dir", str(cloud.state_dir)]) == 0
    assert "probe handler fails on purpose" in capsys.readouterr().out


def test_the_function_timeout_from_the_template_is_enforced(cloud: LocalCloud, swap_handler) -> None:
    swap_handler("JobStateFunction", "probes.sleeps", timeout=1)
    with pytest.raises(FunctionError) as failure:
        cloud.runtime.invoke("JobStateFunction", {"detail": {}})
    assert failure.value.payload["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 1.00 seconds" in failure.value.payload["errorMessage"]


def test_a_port_in_use_is_a_clear_error_naming_it(cloud: LocalCloud, tmp_path: Path) -> None:
    taken = int(cloud.endpoints.site.rsplit(":", 1)[1])
    other = LocalCloud(state_dir=tmp_path, ports=Ports(0, taken, 0))
    with pytest.raises(PortInUseError, match=rf"port {taken} \(site\).*PETTUBE_SITE_PORT"):
        other.start()
    other.stop()


def test_browser_preflight_is_answered_from_the_bucket_cors_rules(local_cloud: Endpoints) -> None:
    url = f"{local_cloud.aws}/{local_cloud.originals_bucket}/someone/video/file.mp4?uploads"
    allowed = requests.options(url, timeout=5, headers={
        "Origin": local_cloud.site, "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type,x-amz-date"})
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == local_cloud.site
    assert "ETag" in allowed.headers["Access-Control-Expose-Headers"]
    refused = requests.options(url, timeout=5, headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "PUT"})
    assert refused.status_code == 403
    assert "Access-Control-Allow-Origin" not in refused.headers
