"""MyMedia API (API Gateway REST proxy, AWS_IAM): the caller's own videos, with short-lived URLs.

Routes::

    GET    /media?limit=24&cursor=...  -> 200 {"videos": [Video...], "next_cursor": str | null}
    GET    /media/{id}                 -> 200 Video
    PATCH  /media/{id}                 -> 200 Video  (any of title, description, visibility)
    DELETE /media/{id}                 -> 204 (job canceled; objects in both buckets and the record removed)
    GET    /shared/{token}             -> 200 SharedVideo (anyone, guests included, holding the link)
    errors                             -> {"error": code, "message": text} with 400/403/404/500

Video: {"id", "title", "description", "visibility", "share_url", "status", "progress",
"created_at", "updated_at", "size_bytes", "duration_ms", "renditions": [{"label", "width",
"height", "bitrate", "bytes", "duration_ms", "url"}], "thumbnail_url", "failure":
{"code", "message"} | null, "preview": {"label", "url"} | null}; URLs only on ready videos,
``share_url`` only on shared ones, ``preview`` (the original itself, presigned) only while a
browser-playable original is still being transcoded, so it can be watched at once.
SharedVideo: {"title", "description", "duration_ms", "thumbnail_url", "renditions",
"owner_name"}: nothing that identifies the owner beyond the name they uploaded with.
GET /media/{id} and GET /shared/{token} add "stream": {"master": text, "playlists": {URI in
the master: media playlist text}} | null, the HLS playlists with every segment URI presigned
(see playlists.py); the list leaves it out, as its playlists would multiply the page's size.

The caller is ``requestContext.identity.cognitoIdentityId``, which API Gateway sets
from the SigV4 credentials; nothing else in the request can name a user. Who may
call which route is IAM's decision (guests: only GET /shared/*, see the template).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig, Response, content_types
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError

from pettube import aws
from pettube.cleanup import purge_video
from pettube.config import mymedia_config
from pettube.cursor import decode_cursor, encode_cursor
from pettube.edits import parse_edit
from pettube.errors import ApiError, BadRequest, Forbidden, NotFound
from pettube.layout import is_video_id, parse_original_key
from pettube.model import IN_FLIGHT, Status, Video
from pettube.playlists import stream_answer
from pettube.shapes import expects
from pettube.sharing import is_share_token, share_url
from pettube.videos import VideoRepository

logger = Logger()

DEFAULT_LIMIT = 24
MAX_LIMIT = 100
# One answer for every share link that does not play: unknown, revoked, deleted or not ready yet.
NOT_SHARED = "This video is not available."
# Originals a browser can usually play as they are (H.264/HEVC/VP9 in MP4, QuickTime or WebM): their
# owner may watch them while the ladder is made. The page falls back to "processing" if it cannot.
PREVIEWABLE = frozenset({"mp4", "m4v", "mov", "webm"})
PREVIEW_LABEL = "Original"


@cache
def api() -> APIGatewayRestResolver:
    """The resolver, built on first request so importing this module never needs the environment."""
    app = APIGatewayRestResolver(cors=CORSConfig(allow_origin=mymedia_config().allowed_origin, max_age=600))
    app.get("/media")(list_media)
    app.get("/media/<video_id>")(get_media)
    app.patch("/media/<video_id>")(edit_media)
    app.delete("/media/<video_id>")(delete_media)
    app.get("/shared/<token>")(get_shared)
    app.exception_handler(ApiError)(_api_error)
    app.exception_handler(Exception)(_unexpected_error)
    app.not_found(_route_not_found)
    return app


@expects("an API Gateway proxy request", {"httpMethod": str, "path": str, "requestContext": dict})
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
    """One of the caller's videos, with its stream's playlists."""
    video = _own_video(video_id, _readable)
    return present(video) | {"stream": _stream(video)}


def edit_media(video_id: str) -> dict[str, Any]:
    """Change one of the caller's videos: title, description, who may watch it."""
    edit = parse_edit(api().current_event.body)
    video = _own_video(video_id, lambda videos, owner_id, vid: videos.edit(owner_id, vid, edit))
    logger.info("Video edited", extra={"fields": sorted(k for k, v in vars(edit).items() if v is not None),
                                       "visibility": str(video.visibility)})
    return present(video)


def delete_media(video_id: str) -> Response:
    """Remove a video everywhere: tombstone the record, stop its job, empty both buckets, drop the record.

    The tombstone comes first so that a job still writing outputs meets a record it
    may no longer change, and the job-state function removes what it writes later.
    """
    video = _own_video(video_id, VideoRepository.begin_delete)
    config = mymedia_config()
    running = video.status in IN_FLIGHT or video.status is Status.DELETING
    purge_video(video.owner_id, video_id, video.job_id if running else None,
                (config.originals_bucket, config.transcoded_bucket))
    _videos().delete(video.owner_id, video_id)
    logger.info("Video deleted", extra={"status_before": str(video.status)})
    return Response(status_code=204)


def get_shared(token: str) -> dict[str, Any]:
    """A shared, ready video for anyone holding its link; one 404 for every link that does not play."""
    video = _videos().find_shared(token) if is_share_token(token) else None
    if video is None or not video.shareable:
        raise NotFound(NOT_SHARED)
    logger.info("Shared video opened", extra={"video_id": video.video_id})  # never the token
    return {
        "title": video.title,
        "description": video.description,
        "duration_ms": video.duration_ms,
        "thumbnail_url": _presign(video.thumbnail_key) if video.thumbnail_key else None,
        "renditions": _renditions(video),
        "owner_name": video.owner_name,
        "stream": _stream(video),
    }


def present(video: Video) -> dict[str, Any]:
    """The JSON a client sees: status for every video, presigned URLs only for ready ones."""
    body: dict[str, Any] = {
        "id": video.video_id,
        "title": video.title,
        "description": video.description,
        "visibility": str(video.visibility),
        "share_url": share_url(mymedia_config().allowed_origin, video.share_token) if video.share_token else None,
        "status": str(video.status),
        "progress": video.progress,
        "created_at": video.created_at,
        "updated_at": video.updated_at,
        "size_bytes": video.size_bytes,
        "duration_ms": video.duration_ms,
        "renditions": [],
        "thumbnail_url": None,
        "failure": {"code": video.failure.code, "message": video.failure.message} if video.failure else None,
        "preview": _preview(video),
    }
    if video.status is Status.READY:
        body["renditions"] = _renditions(video)
        body["thumbnail_url"] = _presign(video.thumbnail_key) if video.thumbnail_key else None
    return body


def _renditions(video: Video) -> list[dict[str, Any]]:
    return [
        {"label": f"{min(r.width, r.height)}p", "width": r.width, "height": r.height, "bitrate": r.bitrate,
         "bytes": r.bytes, "duration_ms": r.duration_ms, "url": _presign(r.key)}
        for r in video.renditions
    ]


def _stream(video: Video) -> dict[str, Any] | None:
    """The stream's playlists, signed for this answer (None until the video is ready, or without a stream)."""
    if video.status is not Status.READY or video.stream is None:
        return None
    try:
        return stream_answer(video.stream, _read_transcoded, _presign)
    except ClientError as error:
        # The MP4 renditions still play: answer without the stream, and say why in the log.
        logger.warning("Could not read the stream's playlists", extra={"aws_error": aws.error_code(error)})
        return None


def _preview(video: Video) -> dict[str, str] | None:
    """The original, presigned, while the ladder is being made (if a browser may play it as it is)."""
    if video.status not in IN_FLIGHT or not video.original_key:
        return None
    if parse_original_key(video.original_key).extension not in PREVIEWABLE:
        return None
    return {"label": PREVIEW_LABEL, "url": _presign(video.original_key, mymedia_config().originals_bucket)}


def _caller() -> str:
    identity_id = api().current_event.request_context.identity.cognito_identity_id
    if not identity_id:
        raise Forbidden("This API needs signed requests from a signed-in user.")
    logger.append_keys(identity_id=identity_id)
    return identity_id


def _own_video(video_id: str, access: Callable[[VideoRepository, str, str], Video | None]) -> Video:
    """``access`` (read, edit, begin_delete) applied to the caller's video; NotFound for anyone else's."""
    owner_id = _caller()
    logger.append_keys(video_id=video_id)
    video = access(_videos(), owner_id, video_id) if is_video_id(video_id) else None
    if video is None:
        raise NotFound("No such video.")
    return video


def _readable(videos: VideoRepository, owner_id: str, video_id: str) -> Video | None:
    video = videos.get(owner_id, video_id)
    return None if video is None or video.status is Status.DELETING else video


def _limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest(f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    return int(raw)


def _videos() -> VideoRepository:
    return VideoRepository(aws.table(mymedia_config().videos_table))


def _presign(key: str, bucket: str | None = None) -> str:
    """A GET URL of ``key`` (in the transcoded bucket unless said) that expires with the API's URL lifetime."""
    config = mymedia_config()
    return aws.presigned_get(bucket or config.transcoded_bucket, key, config.url_expiry_seconds)


def _read_transcoded(key: str) -> str:
    return aws.client("s3").get_object(Bucket=mymedia_config().transcoded_bucket, Key=key)["Body"].read().decode()


def _error(status: int, code: str, message: str) -> Response:
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON,
                    body={"error": code, "message": message})


def _api_error(error: ApiError) -> Response:
    return _error(error.STATUS_CODE, error.CODE, str(error))


def _route_not_found(_: Exception) -> Response:
    return _error(404, NotFound.CODE, "No such route.")


def _unexpected_error(error: Exception) -> Response:
    logger.exception("Unhandled error")
    return _error(ApiError.STATUS_CODE, ApiError.CODE, "Something went wrong on our side; please try again.")
