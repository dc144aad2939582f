"""The videos table: one item per original, changed only by conditional writes.

Status only moves forward: ``uploaded -> processing -> ready | failed | canceled``,
and any of them ``-> deleting`` (the tombstone a delete leaves until its objects
are gone). Every transition is a single conditional ``UpdateItem``, so duplicate
or reordered events (S3 and EventBridge both deliver at least once, in no promised
order) are no-ops instead of moving a video backwards or resurrecting a deleted one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from boto3.dynamodb.conditions import Key
from boto3.dynamodb.types import TypeDeserializer
from botocore.exceptions import ClientError

from pettube.aws import error_code
from pettube.edits import VideoEdit
from pettube.layout import OriginalKey
from pettube.model import Failure, Rendition, Status, Stream, StreamVariant, Video, Visibility, default_title, utc_now
from pettube.sharing import new_share_token

BY_CREATED = "by_created"
BY_SHARE_TOKEN = "by_share_token"
_DESERIALIZER = TypeDeserializer()


@dataclass(frozen=True)
class Claim:
    """The outcome of recording an original: the record, and whether this call created it."""

    video: Video
    created: bool


@dataclass(frozen=True)
class Page:
    """One page of a newest-first listing; ``after`` continues it (None on the last page)."""

    videos: list[Video]
    after: tuple[str, str] | None


def _video_from_item(item: Mapping[str, Any]) -> Video:
    """Rebuild a video from its DynamoDB item (numbers come back as Decimal)."""
    failure = None
    if "failure_code" in item:
        failure = Failure(item["failure_code"], item.get("failure_message", ""))
    return Video(
        owner_id=item["owner_id"],
        video_id=item["video_id"],
        status=Status(item["status"]),
        title=item.get("title", ""),
        original_key=item.get("original_key", ""),
        created_at=item["created_at"],
        updated_at=item.get("updated_at", item["created_at"]),
        size_bytes=_int_or_none(item.get("size_bytes")),
        progress=int(item.get("progress", 0)),
        job_id=item.get("job_id"),
        renditions=tuple(_rendition_from_item(r) for r in item.get("renditions", ())),
        thumbnail_key=item.get("thumbnail_key"),
        duration_ms=_int_or_none(item.get("duration_ms")),
        failure=failure,
        description=item.get("description", ""),
        visibility=Visibility(item.get("visibility", Visibility.PRIVATE)),
        share_token=item.get("share_token"),
        owner_name=item.get("owner_name"),
        stream=_stream_from_item(item["stream"]) if "stream" in item else None,
    )


def _stream_from_item(item: Mapping[str, Any]) -> Stream:
    variants = tuple(StreamVariant(v["playlist_key"], int(v["width"]), int(v["height"])) for v in item["variants"])
    return Stream(master_key=item["master_key"], variants=variants)


def _rendition_from_item(item: Mapping[str, Any]) -> Rendition:
    return Rendition(
        key=item["key"],
        width=int(item["width"]),
        height=int(item["height"]),
        bitrate=_int_or_none(item.get("bitrate")),
        bytes=_int_or_none(item.get("bytes")),
        duration_ms=_int_or_none(item.get("duration_ms")),
    )


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _condition_failed(error: ClientError) -> bool:
    return error_code(error) == "ConditionalCheckFailedException"


_PLACEHOLDER = re.compile(r"#(\w+)")  # attribute-name placeholders in an expression
# A job's events may arrive before the upload function has stored the job id, so
# they accept a record without one; once stored, only that job may change it.
_SAME_JOB = "(attribute_not_exists(job_id) OR job_id = :job)"
_ACTIVE = "#status IN (:uploaded, :processing)"


class VideoRepository:
    """Keys, conditional writes and newest-first queries over the videos table."""

    def __init__(self, table: Any, clock: Callable[[], str] = utc_now) -> None:
        self._table = table
        self._clock = clock

    def claim(self, original: OriginalKey, size_bytes: int | None, failure: Failure | None = None,
              owner_name: str | None = None) -> Claim:
        """Record a new original once: a repeated event finds the existing record instead."""
        now = self._clock()
        item: dict[str, Any] = {
            "owner_id": original.owner_id,
            "video_id": original.video_id,
            "status": str(Status.FAILED if failure else Status.UPLOADED),
            "title": default_title(original.file_name),
            "description": "",
            "visibility": str(Visibility.PRIVATE),
            "original_key": original.key,
            "created_at": now,
            "updated_at": now,
            "progress": 0,
        }
        if size_bytes is not None:
            item["size_bytes"] = size_bytes
        if owner_name:
            item["owner_name"] = owner_name
        if failure:
            item.update(failure_code=failure.code, failure_message=failure.message)
        try:
            self._table.put_item(
                Item=item,
                ConditionExpression="attribute_not_exists(video_id)",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if not _condition_failed(error):
                raise
            # The Table resource deserialises results, not error payloads: this item is in wire format.
            existing = {name: _DESERIALIZER.deserialize(value) for name, value in error.response["Item"].items()}
            return Claim(_video_from_item(existing), created=False)
        return Claim(_video_from_item(item), created=True)

    def start_processing(self, owner_id: str, video_id: str, job_id: str) -> bool:
        """Store the job id of a freshly created job (a no-op if its events got there first)."""
        return self._update(owner_id, video_id, {"status": Status.PROCESSING, "job_id": job_id},
                            "#status = :uploaded", {":uploaded": Status.UPLOADED})

    def fail_before_job(self, owner_id: str, video_id: str, failure: Failure) -> bool:
        """Mark a video failed when no transcoding job could be started for it."""
        return self._update(owner_id, video_id, _failure_values(Status.FAILED, failure),
                            "#status = :uploaded AND attribute_not_exists(job_id)", {":uploaded": Status.UPLOADED})

    def record_progress(self, owner_id: str, video_id: str, job_id: str, percent: int | None) -> bool:
        """Move to processing and raise the progress; never lowers it, never leaves a final state."""
        values: dict[str, Any] = {"status": Status.PROCESSING, "job_id": job_id}
        condition = f"{_ACTIVE} AND {_SAME_JOB}"
        bound = _job_bound(job_id)
        if percent is not None:
            values["progress"] = percent
            condition += " AND (attribute_not_exists(#progress) OR #progress <= :progress)"
            bound[":progress"] = percent
        return self._update(owner_id, video_id, values, condition, bound)

    def record_ready(self, owner_id: str, video_id: str, job_id: str, renditions: list[Rendition],
                     thumbnail_key: str | None, duration_ms: int | None, stream: Stream | None = None) -> bool:
        """Store a finished job's outputs and make the video playable."""
        values: dict[str, Any] = {
            "status": Status.READY,
            "job_id": job_id,
            "progress": 100,
            "renditions": [{k: v for k, v in asdict(r).items() if v is not None} for r in renditions],
        }
        if thumbnail_key:
            values["thumbnail_key"] = thumbnail_key
        if duration_ms is not None:
            values["duration_ms"] = duration_ms
        if stream is not None:
            values["stream"] = asdict(stream)
        return self._update(owner_id, video_id, values, f"{_ACTIVE} AND {_SAME_JOB}", _job_bound(job_id))

    def record_end(self, owner_id: str, video_id: str, job_id: str, status: Status, failure: Failure) -> bool:
        """Record a job that ended without outputs (failed or canceled) with its reason."""
        values = _failure_values(status, failure) | {"job_id": job_id}
        return self._update(owner_id, video_id, values, f"{_ACTIVE} AND {_SAME_JOB}", _job_bound(job_id))

    def get(self, owner_id: str, video_id: str) -> Video | None:
        """One of the owner's videos, or None (strongly consistent: right after an upload too)."""
        item = self._table.get_item(Key=_key(owner_id, video_id), ConsistentRead=True).get("Item")
        return _video_from_item(item) if item else None

    def list_newest(self, owner_id: str, limit: int, after: tuple[str, str] | None = None) -> Page:
        """A page of the owner's videos, newest first; reads ``limit + 1`` items, whatever the table holds.

        Videos being deleted are left out (a page then has fewer than ``limit``; the cursor still moves on).
        """
        query: dict[str, Any] = {
            "IndexName": BY_CREATED,
            "KeyConditionExpression": "owner_id = :owner",
            "ExpressionAttributeValues": {":owner": owner_id},
            "ScanIndexForward": False,
            # One extra item tells whether another page exists without an empty last page.
            "Limit": limit + 1,
        }
        if after:
            created_at, video_id = after
            query["ExclusiveStartKey"] = {"owner_id": owner_id, "created_at": created_at, "video_id": video_id}
        items = self._table.query(**query)["Items"]
        page = [_video_from_item(item) for item in items[:limit]]
        more = len(items) > limit
        videos = [video for video in page if video.status is not Status.DELETING]
        return Page(videos, (page[-1].created_at, page[-1].video_id) if more else None)

    def edit(self, owner_id: str, video_id: str, edit: VideoEdit) -> Video | None:
        """Apply an owner's edit; None when the video does not exist (or is being deleted).

        ``link`` keeps a token the video already has and issues a new one otherwise;
        ``private`` removes it, so the old link stops working with this write.
        ``updated_at`` is left alone: it is the pipeline's clock, which the sweeper reads.
        """
        values: dict[str, Any] = {name: getattr(edit, name) for name in ("title", "description", "visibility")
                                  if getattr(edit, name) is not None}
        remove: tuple[str, ...] = ()
        if_absent: dict[str, Any] = {}
        if edit.visibility is Visibility.LINK:
            if_absent["share_token"] = new_share_token()
        elif edit.visibility is Visibility.PRIVATE:
            remove = ("share_token",)
        item = self._write(owner_id, video_id, values, "#status <> :deleting", {":deleting": Status.DELETING},
                           remove=remove, if_absent=if_absent, stamp=False, returns="ALL_NEW")
        return _video_from_item(item) if item is not None else None

    def begin_delete(self, owner_id: str, video_id: str) -> Video | None:
        """Mark a video ``deleting`` and unshare it; returns it as it was, or None if there is none.

        From this write on, job events cannot change the record (and clean up instead),
        the share link answers 404, and a delete that dies half-way is finished by the sweeper.
        """
        item = self._write(owner_id, video_id, {"status": Status.DELETING, "visibility": Visibility.PRIVATE}, "", {},
                           remove=("share_token",), returns="ALL_OLD")
        return _video_from_item(item) if item is not None else None

    def delete(self, owner_id: str, video_id: str) -> None:
        """Remove the record (its S3 objects are the caller's job)."""
        self._table.delete_item(Key=_key(owner_id, video_id))

    def find_shared(self, token: str) -> Video | None:
        """The video a share token names, read consistently from the table.

        The by_share_token index is eventually consistent and holds keys only; the
        strongly consistent read of the record decides, so a token revoked a moment
        ago finds nothing.
        """
        keys = self._table.query(IndexName=BY_SHARE_TOKEN, KeyConditionExpression=Key("share_token").eq(token))
        for key in keys["Items"]:
            video = self.get(key["owner_id"], key["video_id"])
            if video is not None and video.share_token == token:
                return video
        return None

    def _update(self, owner_id: str, video_id: str, values: dict[str, Any], condition: str,
                bound: dict[str, Any]) -> bool:
        """One conditional UpdateItem; False when the condition says the change is stale."""
        return self._write(owner_id, video_id, values, condition, bound) is not None

    def _write(self, owner_id: str, video_id: str, values: dict[str, Any], condition: str, bound: dict[str, Any],
               remove: tuple[str, ...] = (), if_absent: dict[str, Any] | None = None, stamp: bool = True,
               returns: str = "NONE") -> dict[str, Any] | None:
        """One conditional UpdateItem on an existing record: its returned attributes, or None when refused."""
        if stamp:
            values = values | {"updated_at": self._clock()}  # Status is a StrEnum: stored as its plain string
        if_absent = if_absent or {}
        attribute_values = {f":set_{name}": value for name, value in (values | if_absent).items()} | bound
        expression = "SET " + ", ".join([f"#{name} = :set_{name}" for name in values]
                                        + [f"#{name} = if_not_exists(#{name}, :set_{name})" for name in if_absent])
        if remove:
            expression += " REMOVE " + ", ".join(f"#{name}" for name in remove)
        # attribute_exists: UpdateItem would otherwise create a record for a deleted video.
        conditions = " AND ".join(filter(None, ("attribute_exists(video_id)", condition)))
        names = {f"#{name}": name for name in _PLACEHOLDER.findall(f"{expression} {conditions}")}
        try:
            answer = self._table.update_item(
                Key=_key(owner_id, video_id),
                UpdateExpression=expression,
                ConditionExpression=conditions,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=attribute_values,
                ReturnValues=returns,
            )
        except ClientError as error:
            if _condition_failed(error):
                return None
            raise
        return answer.get("Attributes", {})


def _key(owner_id: str, video_id: str) -> dict[str, str]:
    return {"owner_id": owner_id, "video_id": video_id}


def _job_bound(job_id: str) -> dict[str, Any]:
    return {":uploaded": Status.UPLOADED, ":processing": Status.PROCESSING, ":job": job_id}


def _failure_values(status: Status, failure: Failure) -> dict[str, Any]:
    return {"status": status, "failure_code": failure.code, "failure_message": failure.message}
