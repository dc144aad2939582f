"""Shared fakes for the Lambda unit tests: names from the template, stored events, a LambdaContext."""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from botocore.stub import Stubber

import botocore.session
import yaml
from botocore.validate import validate_parameters


EVENTS = Path(__file__).resolve().parents[1] / "events"
TEMPLATE = Path(__file__).resolve().parents[2] / "infra" / "template.yaml"

REGION = "us-east-1"
ORIGINALS = "pettube-originals-123456789012-us-east-1"
TRANSCODED = "pettube-transcoded-123456789012"
TABLE = "pettube-VideosTable-TEST"
ROLE_ARN = "arn:aws:iam::123456789012:role/pettube-MediaConvertRole-TEST"
APPLICATION = "pettube"
SITE = "https://d111111abcdef8.cloudfront.net"
OWNER = "us-east-1:6f1a2b3c-4d5e-4f60-8a7b-9c0d1e2f3a4b"
OTHER = "us-east-1:0b9e8d7c-6a5f-4e3d-9c2b-1a0f9e8d7c6b"

FUNCTION_ENV = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "POWERTOOLS_SERVICE_NAME": "pettube",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "VIDEOS_TABLE": TABLE,
    "TRANSCODED_BUCKET": TRANSCODED,
    "ORIGINALS_BUCKET": ORIGINALS,
    "MEDIACONVERT_ROLE_ARN": ROLE_ARN,
    "MAX_UPLOAD_BYTES": str(50 * 1024 * 1024),
    "APPLICATION_TAG": APPLICATION,
    "URL_EXPIRY_SECONDS": "900",
    "ALLOWED_ORIGIN": SITE,
    "STUCK_AFTER_SECONDS": "600",
}


# The CreateTable arguments whose CloudFormation spelling is the API's own.
TABLE_SHAPE = ("BillingMode", "AttributeDefinitions", "KeySchema", "LocalSecondaryIndexes", "GlobalSecondaryIndexes")


class _CloudFormationLoader(yaml.SafeLoader):
    """Reads the template without resolving intrinsics (!Ref, !Sub ...): only literal properties are used."""


_CloudFormationLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def videos_table_definition() -> dict[str, Any]:
    """CreateTable arguments for VideosTable, taken from the template (the single source of truth)."""
    template = yaml.load(TEMPLATE.read_text(), Loader=_CloudFormationLoader)
    props = template["Resources"]["VideosTable"]["Properties"]
    return {"TableName": TABLE, **{name: props[name] for name in TABLE_SHAPE if name in props}}


def load_event(name: str) -> dict[str, Any]:
    """A stored event from tests/events, as AWS delivers it."""
    return json.loads((EVENTS / name).read_text())


@dataclass
class FakeLambdaContext:
    """The LambdaContext fields Powertools reads, with Lambda's own value formats."""

    function_name: str = "pettube-Function-TEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:pettube-Function-TEST"
    aws_request_id: str = "52fdfc07-2182-454f-963f-5f0f9a621d72"
    remaining_ms: int = 30_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@dataclass
class MotoAws:
    """moto in-process with PetTube's buckets and table."""

    s3: Any
    table: Any

    def put_original(self, key: str, body: bytes = b"\x00\x00\x00\x18ftypmp42", content_type: str = "video/mp4",
                     metadata: dict[str, str] | None = None) -> None:
        self.s3.put_object(Bucket=ORIGINALS, Key=key, Body=body, ContentType=content_type, Metadata=metadata or {})

    def keys(self, bucket: str, prefix: str) -> list[str]:
        """Every key under ``prefix`` in ``bucket``."""
        return [o["Key"] for o in self.s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", ())]

    def video(self, owner_id: str, video_id: str) -> dict[str, Any] | None:
        return self.table.get_item(Key={"owner_id": owner_id, "video_id": video_id}).get("Item")


@dataclass
class StubbedMediaConvert:
    """A real botocore MediaConvert client behind a Stubber: requests are validated against the service model."""

    stubber: Stubber
    requests: list[dict[str, Any]] = field(default_factory=list)

    def accept(self, job_id: str = "1762086896123-x7k2pq") -> None:
        self.stubber.add_response("create_job", {"Job": {"Id": job_id, "Role": ROLE_ARN, "Settings": {}}})

    def reject(self, code: str, message: str, status: int) -> None:
        self.stubber.add_client_error("create_job", service_error_code=code, service_message=message,
                                      http_status_code=status)

    def expect_cancel(self, job_id: str, refusal: str | None = None) -> None:
        """The next call must be CancelJob of ``job_id``; ``refusal`` answers it with that error code."""
        if refusal:
            self.stubber.add_client_error("cancel_job", service_error_code=refusal, http_status_code=409,
                                          expected_params={"Id": job_id})
        else:
            self.stubber.add_response("cancel_job", {}, {"Id": job_id})


def box(kind: bytes, payload: bytes) -> bytes:
    """One ISO-BMFF box."""
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def tkhd(width: int, height: int, rotate_90: bool = False, version: int = 0) -> bytes:
    """A track header box as ffmpeg and phones write it (16.16 fixed-point size, 3x3 matrix)."""
    times = bytes(20) if version == 0 else bytes(32)
    matrix = (0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000) if rotate_90 else \
        (0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)
    body = bytes([version, 0, 0, 0]) + times + bytes(16) + struct.pack(">9i", *matrix)
    return box(b"tkhd", body + struct.pack(">II", width << 16, height << 16))


def track(handler: bytes, width: int = 0, height: int = 0, rotate_90: bool = False, version: int = 0) -> bytes:
    """A trak with a header and a media handler (vide or soun)."""
    hdlr = box(b"hdlr", bytes(8) + handler + bytes(12) + b"pettube\0")
    return box(b"trak", tkhd(width, height, rotate_90, version) + box(b"mdia", hdlr))


def mp4_bytes(width: int, height: int, rotate_90: bool = False, audio: bool = True, media_bytes: int = 4096,
              moov_first: bool = False) -> bytes:
    """A structurally real MP4 (ftyp, mdat, moov) with zeroed media data."""
    tracks = track(b"vide", width, height, rotate_90) + (track(b"soun") if audio else b"")
    moov = box(b"moov", box(b"mvhd", bytes(100)) + tracks)
    ftyp = box(b"ftyp", b"isom\x00\x00\x02\x00isomiso2avc1mp41")
    mdat = box(b"mdat", bytes(media_bytes))
    return ftyp + (moov + mdat if moov_first else mdat + moov)


def _enum_violations(value: Any, shape: Any, path: str) -> list[str]:
    """Enum values botocore's validator does not check (it checks types, required members and ranges)."""
    if shape.type_name == "structure":
        return [v for name, member in value.items() for v in _enum_violations(member, shape.members[name], f"{path}.{name}")]
    if shape.type_name == "list":
        return [v for i, item in enumerate(value) for v in _enum_violations(item, shape.member, f"{path}[{i}]")]
    if shape.type_name == "map":
        return [v for key, item in value.items() for v in _enum_violations(item, shape.value, f"{path}[{key}]")]
    if shape.type_name == "string" and shape.enum and value not in shape.enum:
        return [f"{path}={value!r} not in {shape.enum}"]
    return []


@cache
def _create_job_model() -> Any:
    return botocore.session.get_session().get_service_model("mediaconvert").operation_model("CreateJob")


def assert_valid_create_job(request: dict[str, Any]) -> None:
    """Fail unless ``request`` is a CreateJob input MediaConvert's published model accepts, enums included."""
    operation = _create_job_model()
    validate_parameters(request, operation.input_shape)
    violations = _enum_violations(request, operation.input_shape, "CreateJob")
    if violations:
        raise AssertionError("; ".join(violations))
