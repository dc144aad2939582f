"""The local cloud's faster CompleteMultipartUpload gives moto's answers: same bytes, ETag, checksum and errors."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest
from moto.s3.utils import CaseInsensitiveDict
from moto.s3.exceptions import EntityTooSmall, InvalidPart, MalformedXML
from moto.s3.models import FakeMultipart

from localcloud.motofixes import MOTO_COMPLETE_MULTIPART, complete_multipart

MIB = 1024 * 1024


def upload(parts: list[bytes], **metadata: str) -> FakeMultipart:
    multipart = FakeMultipart("pets/rex.mp4", CaseInsensitiveDict(metadata), "123456789012", "us-east-1")
    for number, data in enumerate(parts, start=1):
        multipart.set_part(number, data)
    return multipart


def listing(multipart: FakeMultipart) -> list[tuple[int, str]]:
    return [(number, part.etag) for number, part in sorted(multipart.parts.items())]


@pytest.mark.parametrize("metadata", [
    {},  # moto's default: CRC64NVME over the whole object
    {"x-amz-checksum-algorithm": "CRC32"},  # composite: a checksum of the parts' checksums
    {"x-amz-checksum-algorithm": "SHA256", "x-amz-checksum-type": "FULL_OBJECT"},
], ids=["default", "crc32-composite", "sha256-full-object"])
def test_same_object_etag_and_checksum_as_moto(metadata: dict[str, str]) -> None:
    parts = [os.urandom(5 * MIB), os.urandom(5 * MIB), os.urandom(123)]
    multipart = upload(parts, **metadata)
    ours = complete_multipart(multipart, iter(listing(multipart)))
    assert ours == MOTO_COMPLETE_MULTIPART(multipart, iter(listing(multipart)))
    assert ours[0] == b"".join(parts) and ours[1].endswith("-3")


@pytest.mark.parametrize(("parts", "tamper", "error"), [
    ([b"a" * 5 * MIB, b"b"], lambda listed: [(1, listed[0][1]), (2, '"0000"')], InvalidPart),
    ([b"a" * 5 * MIB, b"b"], lambda listed: [*listed, (3, '"0000"')], InvalidPart),
    ([b"small", b"b" * 5 * MIB], lambda listed: listed, EntityTooSmall),
    ([b"a" * 5 * MIB], lambda listed: [], MalformedXML),
], ids=["wrong-etag", "missing-part", "small-middle-part", "no-parts"])
def test_same_refusals_as_moto(parts: list[bytes], tamper: Callable, error: type[Exception]) -> None:
    multipart = upload(parts)
    for complete in (MOTO_COMPLETE_MULTIPART, complete_multipart):
        with pytest.raises(error):
            complete(multipart, iter(tamper(listing(multipart))))
