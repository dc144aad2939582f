"""Runs one job: input from S3, probe, ffmpeg, outputs back to S3, the details AWS reports."""

from __future__ import annotations

import logging
import mimetypes
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from localcloud.mediaconvert import exceptions as errors
from localcloud.mediaconvert import ffmpeg as ff
from localcloud.mediaconvert import dash, hls
from localcloud.mediaconvert.events import EventSender, detail, job_progress
from localcloud.mediaconvert.plan import EncodePlan, frame_size
from localcloud.mediaconvert.probe import MediaInfo, ProbeError, probe

logger = logging.getLogger(__name__)

# Types the system's mime table gets wrong or lacks (.ts is Qt Linguist there).
CONTENT_TYPES = {".ts": "video/mp2t", ".m3u8": "application/vnd.apple.mpegurl", ".cmfv": "video/mp4", ".cmfa": "audio/mp4", ".mpd": "application/dash+xml"}


class JobRunner:
    """Turns a job's plan into files in S3 and events on the bus; one instance serves all workers."""

    def __init__(
        self,
        s3_factory: Callable[[], Any],
        events: EventSender,
        ffmpeg: str,
        single_decode: bool | None = None,
        preset: str | None = None,
        status_update_seconds: float | None = None,
        temp_root: Path | None = None,
    ) -> None:
        self._s3_factory = s3_factory
        self.events = events
        self.ffmpeg = ffmpeg
        self.single_decode = ff.prefers_single_decode(ffmpeg) if single_decode is None else single_decode
        self.preset = preset
        self.status_update_seconds = status_update_seconds
        self.temp_root = temp_root

    def run(self, job: Any, canceled: threading.Event, deadline: float) -> list[dict[str, Any]]:
        """Transcode ``job`` (a models.Job); return the COMPLETE event's outputGroupDetails."""
        workdir = Path(tempfile.mkdtemp(prefix=f"mediaconvert-{job.id}-", dir=self.temp_root))
        try:
            s3 = self._s3_factory()
            source = self._download(s3, job.plan, workdir)
            info = self._probe_input(job.plan, source)
            self.events.send(job, detail(job, "INPUT_INFORMATION", inputDetails=[_input_details(job.plan.input_uri, info)]))
            self._transcode(job, source, info, workdir, canceled, deadline)
            if canceled.is_set():
                raise errors.JobCanceled()
            job.set_progress("UPLOADING", 100)
            return self._upload(s3, job.plan, info, workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _download(self, s3: Any, plan: Any, workdir: Path) -> Path:
        target = workdir / ("input" + Path(plan.input_key).suffix)
        try:
            s3.download_file(plan.input_bucket, plan.input_key, str(target))
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            code = errors.FILE_NOT_FOUND if status == 404 else errors.INPUT_ERROR
            raise errors.JobFailed(code, f"Unable to open input file [{plan.input_uri}]: [{exc.response['Error'].get('Code', status)}]") from exc
        except BotoCoreError as exc:
            raise errors.JobFailed(errors.INPUT_ERROR, f"Unable to open input file [{plan.input_uri}]: [{exc}]") from exc
        return target

    def _probe_input(self, plan: Any, source: Path) -> MediaInfo:
        try:
            (info,) = probe(self.ffmpeg, source)
        except ProbeError as exc:
            raise errors.JobFailed(errors.UNKNOWN_ERROR, str(exc)) from exc
        if info.error or (not info.video and not info.audio):
            reason = info.error or "no audio or video stream"
            raise errors.JobFailed(errors.INPUT_ERROR, f"Unable to open input file [{plan.input_uri}]: [Failed probe/open: [{reason}]]")
        if not info.video and any(out.video or out.frames for out in plan.outputs):
            raise errors.JobFailed(errors.VIDEO_ERROR, f"No video stream found in input [{plan.input_uri}]: the outputs need video")
        if not info.audio and any(out.audio for out in plan.outputs):
            raise errors.JobFailed(errors.AUDIO_ERROR, f"No audio stream found in input [{plan.input_uri}]: the outputs need audio")
        return info

    def _transcode(self, job: Any, source: Path, info: MediaInfo, workdir: Path, canceled: threading.Event, deadline: float) -> None:
        video = info.video[0] if info.video else None
        size, fps = (_display_size(video, job.plan.autorotate), video.fps) if video else ((0, 0), 25.0)
        ff.make_output_folders(job.plan, workdir)
        commands = ff.build_commands(self.ffmpeg, job.plan, source, size, fps, workdir, self.single_decode, self.preset)
        updates = _StatusUpdates(self.events, job, self.status_update_seconds if self.status_update_seconds is not None else job.status_update_seconds)
        for number, command in enumerate(commands):
            logger.info("transcode", extra={"job_id": job.id, "run": number + 1, "runs": len(commands)})

            def progress(fraction: float, number: int = number) -> None:
                job.set_progress("TRANSCODING", int(100 * (number + fraction) / len(commands)))
                updates.maybe_send(frames=int(fraction * (info.duration_ms or 0) / 1000 * (fps if video else 0)))

            ff.FfmpegRun(command, info.duration_ms or 1, progress).run(canceled, deadline)

    def _upload(self, s3: Any, plan: EncodePlan, info: MediaInfo, workdir: Path) -> list[dict[str, Any]]:
        outputs = plan.outputs
        movies = [(n, out) for n, out in enumerate(outputs) if not out.frames]
        probed = dict(zip((n for n, _ in movies), probe(self.ffmpeg, *(workdir / ff.local_name(n, out) for n, out in movies)))) if movies else {}
        details: list[list[dict[str, Any]]] = [[] for _ in plan.groups]
        variants: list[list[tuple[hls.Variant, Path]]] = [[] for _ in plan.groups]
        for number, output in enumerate(outputs):
            local = workdir / ff.local_name(number, output)
            group = plan.groups[output.group]
            if output.frames:
                files = sorted(workdir.glob(local.name.replace("%07d", "[0-9]" * 7)))
                if not files:
                    raise errors.JobFailed(errors.SETTINGS_ERROR, f"The frame capture output {output.stem} produced no image")
                uploads = [(path, output.key(capture)) for capture, path in enumerate(files)]
                src = _display_size(info.video[0], True)
                width, height, _, _ = frame_size(output.frames.width, output.frames.height, output.frames.scaling, *src)
                duration, bitrate = info.duration_ms, None
                final = output.uri(len(files) - 1)
            else:
                result = probed[number]
                if result.error or result.duration_ms is None:
                    raise errors.JobFailed(errors.UNKNOWN_ERROR, f"The output {output.key()} was not written: {result.error}")
                width, height = (result.video[0].width, result.video[0].height) if result.video else (None, None)
                bitrate = result.video[0].bitrate if result.video else None
                duration = result.duration_ms
                final = output.uri()
                uploads = [(local, output.key())]
                if output.segment_seconds:
                    # The rendition's segments and (for HLS manifests) its playlist, named as the manifests refer to them.
                    folder = output.stem[: output.stem.rfind("/") + 1]
                    media = [path for path in sorted(local.parent.iterdir()) if path != local or "m3u8" in group.manifests]
                    uploads = [(path, folder + path.name) for path in media]
                    variants[output.group].append((_variant(local, result), local))
            for path, key in uploads:
                self._put(s3, path, output.bucket, key, group.acl)
            # MediaConvert reports no per-output files for CMAF and DASH ISO groups, only their manifests.
            entry: dict[str, Any] = {"outputFilePaths": [final]} if group.kind in ("FILE_GROUP", "HLS_GROUP") else {}
            entry["durationInMs"] = duration
            if width:
                entry["videoDetails"] = {"widthInPx": width, "heightInPx": height}
                if bitrate:  # as AWS's file group example shows it
                    entry["videoDetails"]["averageBitrate"] = bitrate
            details[output.group].append(entry)
        return self._group_details(s3, plan, details, variants, workdir)

    def _group_details(
        self, s3: Any, plan: EncodePlan, details: list[list[dict[str, Any]]],
        variants: list[list[tuple[hls.Variant, Path]]], workdir: Path,
    ) -> list[dict[str, Any]]:
        """Write each streaming group's top-level manifests; the COMPLETE event's outputGroupDetails."""
        answer = []
        for number, group in enumerate(plan.groups):
            summary: dict[str, Any] = {"outputDetails": details[number], "type": group.kind}
            renditions = variants[number]
            for extension in group.manifests:
                manifest = workdir / f"main{number}.{extension}"
                if extension == "m3u8":
                    manifest.write_text(hls.main_manifest([variant for variant, _ in renditions]))
                else:
                    longest = max(detail["durationInMs"] for detail in details[number])
                    manifest.write_text(dash.mpd(renditions, longest, group.min_buffer_seconds or group.segment_seconds or 0))
                self._put(s3, manifest, group.bucket, f"{group.base}.{extension}", group.acl)
            if group.manifests:
                summary["playlistFilePaths"] = group.manifest_uris()
            answer.append(summary)
        return answer

    @staticmethod
    def _put(s3: Any, path: Path, bucket: str, key: str, acl: str | None) -> None:
        content_type = CONTENT_TYPES.get(path.suffix) or mimetypes.guess_type(key)[0] or "application/octet-stream"
        extra = {"ContentType": content_type} | ({"ACL": acl} if acl else {})
        try:
            s3.upload_file(str(path), bucket, key, ExtraArgs=extra)
        except (ClientError, BotoCoreError) as exc:
            raise errors.JobFailed(errors.FILE_NOT_FOUND, f"Unable to write output file [s3://{bucket}/{key}]: [{exc}]") from exc


class _StatusUpdates:
    """Sends STATUS_UPDATE at most once per interval, as MediaConvert's StatusUpdateInterval does."""

    def __init__(self, events: EventSender, job: Any, interval: float) -> None:
        self.events, self.job, self.interval = events, job, interval
        self.last = time.monotonic()

    def maybe_send(self, frames: int) -> None:
        """Send the job's current progress if the interval has passed."""
        if time.monotonic() - self.last < self.interval:
            return
        self.last = time.monotonic()
        progress = job_progress("TRANSCODING", self.job.percent_complete, self.job.percent_complete)
        self.events.send(self.job, detail(self.job, "STATUS_UPDATE", framesDecoded=frames, jobProgress=progress))


def _variant(playlist: Path, info: MediaInfo) -> hls.Variant:
    """How the group's main manifest lists one rendition, from its playlist, segments and probe."""
    first = hls.init_section(playlist) or hls.segments(playlist)[0]
    video = info.video[0] if info.video else None
    codecs = [c for c in (hls.avc_codec(playlist.parent / first.uri) if video else None, hls.AAC_LC if info.audio else None) if c]
    peak, average = hls.bitrates(playlist)
    return hls.Variant(
        playlist.name, playlist.stem, peak, average, ",".join(codecs),
        (video.width, video.height) if video else None, video.fps if video else None,
        info.audio[0].sample_rate if info.audio else None,
    )


def _display_size(video: Any, autorotate: bool) -> tuple[int, int]:
    """The picture size ffmpeg's filters see: rotated only when autorotate is on."""
    if not autorotate and video.rotation in (90, 270):
        return video.height, video.width
    return video.width, video.height


def _input_details(uri: str, info: MediaInfo) -> dict[str, Any]:
    """INPUT_INFORMATION's inputDetails entry, with the fields ffmpeg -i can tell."""
    return {
        "id": 1,
        "uri": uri,
        "video": [
            {"codec": v.codec.upper(), "width": v.width, "height": v.height, "frameRate": v.fps, "streamId": v.index + 1}
            for v in info.video
        ],
        "audio": [
            {"codec": a.codec.upper(), "sampleRate": a.sample_rate, "channels": a.channels, "streamId": a.index + 1}
            for a in info.audio
        ],
    }
