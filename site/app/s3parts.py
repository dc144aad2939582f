"""S3 multipart control calls and presigned part URLs with the session's current credentials."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable

from botocore.exceptions import ClientError, ConnectionError, HTTPClientError

from .upload import TransientError

# A part URL only has to outlive one attempt; it dies with the credentials anyway.
PART_URL_SECONDS = 900


@contextmanager
def _transient() -> Iterator[None]:
    """Connection trouble and S3's 5xx/SlowDown become TransientError: the engine retries those."""
    try:
        yield
    except (ConnectionError, HTTPClientError) as exc:
        raise TransientError("Connection lost.") from exc
    except ClientError as exc:
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if status >= 500 or exc.response.get("Error", {}).get("Code") == "SlowDown":
            raise TransientError("The storage service is busy.") from exc
        raise


class S3Multipart:
    """The upload engine's ``MultipartApi`` over boto3; the client is fetched per call so renewed credentials apply."""

    def __init__(self, client: Callable[[], Any], bucket: str,
                 metadata: Callable[[], dict[str, str]] = dict) -> None:
        self._client = client
        self.bucket = bucket
        self._metadata = metadata

    def create(self, key: str, content_type: str) -> str:
        """Start a multipart upload (with the owner's display name as user metadata) and return its id."""
        with _transient():
            answer = self._client().create_multipart_upload(Bucket=self.bucket, Key=key, ContentType=content_type,
                                                            Metadata=self._metadata())
        return answer["UploadId"]

    def list_parts(self, key: str, upload_id: str) -> dict[int, tuple[str, int]] | None:
        """The parts S3 already holds (number -> (ETag, size)), or None when the upload is gone."""
        parts: dict[int, tuple[str, int]] = {}
        marker = 0
        try:
            while True:
                with _transient():
                    answer = self._client().list_parts(
                        Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumberMarker=marker
                    )
                for part in answer.get("Parts", []):
                    parts[part["PartNumber"]] = (part["ETag"], part["Size"])
                if not answer.get("IsTruncated"):
                    return parts
                marker = answer["NextPartNumberMarker"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchUpload", "404", "NotFound"):
                return None
            raise

    def presign_part(self, key: str, upload_id: str, number: int) -> str:
        """A URL the browser can PUT one part to, signed here so no secret leaves Python."""
        return self._client().generate_presigned_url(
            "upload_part",
            Params={"Bucket": self.bucket, "Key": key, "UploadId": upload_id, "PartNumber": number},
            ExpiresIn=PART_URL_SECONDS,
        )

    def complete(self, key: str, upload_id: str, etags: dict[int, str]) -> None:
        """Assemble the object from its parts; S3 then fires ObjectCreated for the upload Lambda."""
        with _transient():
            self._client().complete_multipart_upload(
                Bucket=self.bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": [{"PartNumber": n, "ETag": etags[n]} for n in sorted(etags)]},
            )

    def abort(self, key: str, upload_id: str) -> None:
        """Discard a canceled upload's parts."""
        self._client().abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
