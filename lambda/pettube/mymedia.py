"""MyMedia API (API Gateway REST proxy, AWS_IAM): the caller's own videos, with short-lived URLs.

Routes::

    GET    /media?limit=24&cursor=...  -> 200 {"videos": [Video...], "next_cursor": str | null}
    GET    /media/{id}                 -> 200 Video
    DELETE /media/{id}                 -> 204 (original, renditions, thumbnail and record removed)
    errors                             -> {"error": code, "message": text} with 400/403/404/500

Video: {"id", "title", "status", "progress", "created_at", "updated_at", "size_bytes",
"duration_ms", "renditions": [{"label", "width", "height", "bitrate", "bytes",
"duration_ms", "url"}], "thumbnail_url", "failure": {"code", "message"} | null}; URLs
only on ready videos. The caller is ``requestContext.identity.cognitoIdentityId``,
which API Gateway sets from the SigV4 credentials; nothing else in the request
can name a user.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.utilities.typing import LambdaContext

from pettube import aws
from pettube.config import mymedia_config
from pettube.cursor import decode_cursor, encode_cursor
from pettube.errors import ApiError, BadRequest, DeleteFailed, Forbidden, NotFound
from pettube.layout import is_video_id, video_prefix
from pettube.model import Status, Video
from pettube.videos import VideoRepository

logger = Logger()

DEFAULT_LIMIT = 24
MAX_LIMIT = 100


@cache
def api() -> APIGatewayRestResolver:
    """The resolver, built on first request so importing this module never needs the environment."""
    app = APIGatewayRestResolver(cors=CORSConfig(allow_origin=mymedia_config().allowed_origin, max_age=600))
    app.get("/media")(list_media)
    app.get("/media/<video_id>")(get_media)
    app.delete("/media/<video_id>")(delete_media)
    app.exception_handler(ApiError)(_api_error)
    app.exception_handler(Exception)(_unexpected_error)
    app.not_found(_route_not_found)
    return app


@logger.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Answer one API Gateway proxy request."""
    return api().resolve(event, context)


def list_media() -> dict[str, Any]:
    """The caller's videos, newest first, one page at a time."""
    owner_id = _caller()
    event = api().current_event
    limit = _limit(event.get_query_string_value("limit"))
    raw_cursor = event.get_query_string_value("cursor")
    page = _videos().list_newest(owner_id, limit, decode_cursor(raw_cursor) if raw_cursor else None)
    logger.info("Listed videos", extra={"count": len(page.videos), "more": page.after is not None})
    return {
        "videos": [present(video) for video in page.videos],
        "next_cursor": encode_cursor(page.after) if page.after else None,
    }


def get_media(video_id: str) -> dict[str, Any]:
    """One of the caller's videos."""
    return present(_own_video(video_id))


def delete_media(video_id: str) -> Response:
    """Remove a video everywhere: its objects in both buckets first, then the record."""
    video = _own_video(video_id)
    config = mymedia_config()
    prefix = video_prefix(video.owner_id, video.video_id)
    _delete_objects(config.originals_bucket, prefix, {video.original_key})
    derived = {r.key for r in video.renditions} | ({video.thumbnail_key} if video.thumbnail_key else set())
    _delete_objects(config.transcoded_bucket, prefix, derived)
    _videos().delete(video.owner_id, video.video_id)
    logger.info("Video deleted")
    return Response(status_code=204)


def present(video: Video) -> dict[str, Any]:
    """The JSON a client sees: status for every video, presigned URLs only for ready ones."""
    body: dict[str, Any] = {
        "id": video.video_id,
        "title": video.title,
        "status": str(video.status),
        "progress": video.progress,
        "created_at": video.created_at,
        "updated_at": video.updated_at,
        "size_bytes": video.size_bytes,
        "duration_ms": video.duration_ms,
        "renditions": [],
        "thumbnail_url": None,
        "failure": {"code": video.failure.code, "message": video.failure.message} if video.failure else None,
    }
    if video.status is Status.READY:
        body["renditions"] = [
            {"label": f"{min(r.width, r.height)}p", "width": r.width, "height": r.height, "bitrate": r.bitrate,
             "bytes": r.bytes, "duration_ms": r.duration_ms, "url": _presign(r.key)}
            for r in video.renditions
        ]
        body["thumbnail_url"] = _presign(video.thumbnail_key) if video.thumbnail_key else None
    return body


def _caller() -> str:
    identity_id = api().current_event.request_context.identity.cognito_identity_id
    if not identity_id:
        raise Forbidden("This API needs signed requests from a signed-in user.")
    logger.append_keys(identity_id=identity_id)
    return identity_id


def _own_video(video_id: str) -> Video:
    owner_id = _caller()
    logger.append_keys(video_id=video_id)
    video = _videos().get(owner_id, video_id) if is_video_id(video_id) else None
    if video is None:
        raise NotFound("No such video.")
    return video


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    return int(raw)


def _videos() -> VideoRepository:
    return VideoRepository(aws.table(mymedia_config().videos_table))


def _presign(key: str) -> str:
    config = mymedia_config()
    return aws.client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": config.transcoded_bucket, "Key": key}, ExpiresIn=config.url_expiry_seconds
    )


def _delete_objects(bucket: str, prefix: str, known_keys: set[str]) -> None:
    """Delete the known keys and anything else under the video's prefix (partial outputs, re-uploads)."""
    s3 = aws.client("s3")
    keys = set(known_keys)
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.update(obj["Key"] for obj in page.get("Contents", ()))
    ordered = sorted(keys)
    for start in range(0, len(ordered), 1000):  # DeleteObjects takes at most 1,000 keys
        batch = [{"Key": key} for key in ordered[start:start + 1000]]
        result = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
        if result.get("Errors"):
            codes = sorted({e.get("Code", "") for e in result["Errors"]})
            raise DeleteFailed(f"S3 refused to delete {len(result['Errors'])} objects in {bucket}: {codes}")


def _error(status: int, code: str, message: str) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON,
                    body={"error": code, "message": message})


def _api_error(error: ApiError) -> Response:
    return _error(error.STATUS_CODE, error.CODE, str(error))


def _route_not_found(_: Exception) -> Response:
    return _error(404, NotFound.CODE, "No such route.")


def _unexpected_error(error: Exception) -> Response:
    logger.exception("Unhandled error")
    return _error(500, "internal_error", "Something went wrong on our side; please try again.")
