"""The local MediaConvert: AWS's job API on the edge, jobs run by ffmpeg, events to EventBridge.

Settings (``ctx.settings``): ``ffmpeg`` (path; else env PETTUBE_FFMPEG, else
imageio-ffmpeg's static build), ``mediaconvert_concurrency`` (jobs at once;
default half the CPUs, at least 1), ``mediaconvert_job_timeout`` (seconds; AWS's
48 h by default), ``mediaconvert_status_update_seconds`` (STATUS_UPDATE cadence
for every job; default: the job's StatusUpdateInterval, else AWS's 60 s),
``mediaconvert_temp_dir`` (where jobs keep their files while they run),
``mediaconvert_single_decode`` (force one decode per job on/off; default by
ffmpeg version) and ``mediaconvert_x264_preset`` (override the preset that
QualityTuningLevel picks). The supported subset is in docs/mediaconvert.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from localcloud.access import authenticator_for
from localcloud.mediaconvert import ffmpeg
from localcloud.mediaconvert.events import EventSender
from localcloud.mediaconvert.models import MediaConvertBackend
from localcloud.mediaconvert.responses import MediaConvertResponse
from localcloud.mediaconvert.runner import JobRunner

if TYPE_CHECKING:
    from localcloud.services import ServiceContext

API_PREFIX = "/2017-08-29/"


class MediaConvertService:
    """The EdgeService for MediaConvert: every path under the API version prefix."""

    name = "mediaconvert"

    def __init__(self, backend: MediaConvertBackend, responses: MediaConvertResponse) -> None:
        self.backend = backend
        self.responses = responses

    def matches(self, request: Request) -> bool:
        """MediaConvert's REST paths all start with its API version."""
        return request.path.startswith(API_PREFIX)

    def dispatch(self, request: Request) -> Response:
        """Answer with MediaConvert's wire format and error shapes."""
        return self.responses.dispatch(request)

    def close(self) -> None:
        """Stop running ffmpeg processes and the worker threads."""
        self.backend.close()


def create(ctx: ServiceContext) -> MediaConvertService:
    """Build the service from the local cloud's context."""
    settings = ctx.settings
    executable = ffmpeg.executable(settings)
    status_seconds = settings.get("mediaconvert_status_update_seconds")
    runner = JobRunner(
        s3_factory=lambda: ctx.client("s3"),
        events=EventSender(lambda: ctx.client("events")),
        ffmpeg=executable,
        single_decode=settings.get("mediaconvert_single_decode"),
        preset=settings.get("mediaconvert_x264_preset"),
        status_update_seconds=float(status_seconds) if status_seconds is not None else None,
        temp_root=Path(settings["mediaconvert_temp_dir"]) if settings.get("mediaconvert_temp_dir") else None,
    )
    backend = MediaConvertBackend(
        ctx.account_id,
        ctx.region,
        runner,
        concurrency=int(settings["mediaconvert_concurrency"]) if settings.get("mediaconvert_concurrency") else None,
        job_timeout=float(settings["mediaconvert_job_timeout"]) if settings.get("mediaconvert_job_timeout") else None,
    )
    return MediaConvertService(backend, MediaConvertResponse(backend, ctx.edge_url, authenticator_for(ctx)))
