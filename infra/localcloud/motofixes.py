"""Changes to moto 5.2.5's models that the local cloud applies once, before it serves anything.

Each one keeps moto's answers byte for byte and is tested against moto's own code
(tests/localcloud/test_motofixes.py). Fidelity fixes that live at the edge instead
(S3 event key encoding, moto's extra ObjectCreated:Put) are in lambdaruntime/dispatcher.py.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator

from moto.s3 import models as s3_models
from moto.s3.exceptions import EntityTooSmall, InvalidPart, MalformedXML
from moto.s3.utils import compute_checksum
from moto.utilities.utils import md5_hash

_DECODE_HEX = codecs.getdecoder("hex_codec")
# moto's own, kept for the tests that hold the replacement to its answers.
MOTO_COMPLETE_MULTIPART = s3_models.FakeMultipart.complete


def complete_multipart(
    self: s3_models.FakeMultipart, body: Iterator[tuple[int, str]]
) -> tuple[bytes, str, tuple[str, str, int] | None]:
    """FakeMultipart.complete with one copy of the object instead of five.

    moto grows two bytearrays part by part, copies both to bytes and reads every part
    twice: for a 256 MiB video, 3.5 s and over 1 GiB of memory in CompleteMultipartUpload
    (real S3 assembles the parts on its side). Same checks, same ETag, same checksum.
    """
    algorithm = self.metadata.get("x-amz-checksum-algorithm") or "CRC64NVME"
    kind = self.metadata.get("x-amz-checksum-type") or ("FULL_OBJECT" if algorithm == "CRC64NVME" else "COMPOSITE")
    values: list[bytes] = []
    md5s = bytearray()
    last = None
    for number, etag in body:
        part = self.parts.get(number)
        if part is None or part.etag.replace('"', "") != etag.replace('"', ""):
            raise InvalidPart()
        if last is not None and last.contentsize < s3_models.S3_UPLOAD_PART_MIN_SIZE:
            raise EntityTooSmall()
        md5s.extend(_DECODE_HEX(part.etag.replace('"', ""))[0])
        values.append(part.value)
        last = part
    if not values:
        raise MalformedXML()
    total = b"".join(values)
    if kind == "COMPOSITE":
        per_part = b"".join(compute_checksum(value, algorithm, encode_base64=False) for value in values)
        checksum = (kind, compute_checksum(per_part, algorithm).decode(), len(values))
    else:
        checksum = (kind, compute_checksum(total, algorithm).decode(), 1)
    return total, f"{md5_hash(bytes(md5s)).hexdigest()}-{len(values)}", checksum


def apply() -> None:
    """Install the changes (idempotent)."""
    s3_models.FakeMultipart.complete = complete_multipart  # type: ignore[method-assign]
