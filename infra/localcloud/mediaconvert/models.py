"""Jobs, their states, and the bounded queue that runs them (no HTTP here)."""

from __future__ import annotations

import collections
import heapq
import itertools
import logging
import os
import random
import re
import string
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from localcloud.mediaconvert import exceptions as errors
from localcloud.mediaconvert.events import EventSender, detail
from localcloud.mediaconvert.paging import one_page
from localcloud.mediaconvert.plan import EncodePlan, build_plan
from localcloud.mediaconvert.runner import JobRunner
from localcloud.mediaconvert.spec import check_supported
from localcloud.mediaconvert.templates import Library

logger = logging.getLogger(__name__)

ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
# AWS's default STATUS_UPDATE cadence is one minute; StatusUpdateInterval changes it.
DEFAULT_STATUS_UPDATE_SECONDS = 60
# AWS moves a job that has been PROGRESSING for 48 hours to ERROR.
DEFAULT_JOB_TIMEOUT_SECONDS = 48 * 3600
# A ClientRequestToken makes CreateJob idempotent for one minute.
TOKEN_WINDOW_SECONDS = 60
FINISHED = ("COMPLETE", "ERROR", "CANCELED")


@dataclass
class Job:
    """One MediaConvert job and everything GetJob reports about it."""

    id: str
    arn: str
    account_id: str
    queue: str
    role: str
    settings: dict[str, Any]
    plan: EncodePlan
    user_metadata: dict[str, str]
    priority: int
    status_update_seconds: float
    request: dict[str, Any]
    created_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    status: str = "SUBMITTED"
    current_phase: str | None = None
    percent_complete: int = 0
    start_time: datetime | None = None
    finish_time: datetime | None = None
    error_code: int | None = None
    error_message: str | None = None
    output_group_details: list[dict[str, Any]] | None = None
    canceled: threading.Event = field(default_factory=threading.Event)

    def set_progress(self, phase: str, percent: int) -> None:
        """Record the phase and percent GetJob shows while the job runs."""
        self.current_phase = phase
        self.percent_complete = max(self.percent_complete, min(100, percent))

    def to_api(self) -> dict[str, Any]:
        """The Job structure of GetJob/ListJobs/CreateJob, in boto3 member names."""
        job: dict[str, Any] = {
            "Id": self.id,
            "Arn": self.arn,
            "Status": self.status,
            "CreatedAt": self.created_at,
            "Queue": self.queue,
            "Role": self.role,
            "Settings": self.settings,
            "UserMetadata": self.user_metadata,
            "Priority": self.priority,
            "AccelerationStatus": "NOT_APPLICABLE",
            "RetryCount": 0,
            "Timing": {"SubmitTime": self.created_at, "StartTime": self.start_time, "FinishTime": self.finish_time},
        }
        for name in ("ClientRequestToken", "JobTemplate", "StatusUpdateInterval", "BillingTagsSource", "AccelerationSettings"):
            if name in self.request:
                job[name] = self.request[name]
        if self.status == "PROGRESSING":
            job["JobPercentComplete"] = self.percent_complete
            job["CurrentPhase"] = self.current_phase
        if self.status == "ERROR":
            job["ErrorCode"], job["ErrorMessage"] = self.error_code, self.error_message
        if self.output_group_details is not None:
            job["OutputGroupDetails"] = [
                {"OutputDetails": [_api_output_detail(entry) for entry in group["outputDetails"]]}
                for group in self.output_group_details
            ]
        return job


def _api_output_detail(entry: dict[str, Any]) -> dict[str, Any]:
    detail_ = {"DurationInMs": entry["durationInMs"]}
    if "videoDetails" in entry:
        detail_["VideoDetails"] = {"WidthInPx": entry["videoDetails"]["widthInPx"], "HeightInPx": entry["videoDetails"]["heightInPx"]}
    return detail_


@dataclass
class DefaultQueue:
    """The account's on-demand Default queue; pausing it holds SUBMITTED jobs, as on AWS."""

    arn: str
    concurrent_jobs: int
    status: str = "ACTIVE"
    description: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    last_updated: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def to_api(self, submitted: int, progressing: int) -> dict[str, Any]:
        """The Queue structure of GetQueue/ListQueues/UpdateQueue, in boto3 member names."""
        queue: dict[str, Any] = {
            "Arn": self.arn,
            "Name": "Default",
            "Type": "SYSTEM",
            "PricingPlan": "ON_DEMAND",
            "Status": self.status,
            "ConcurrentJobs": self.concurrent_jobs,
            "CreatedAt": self.created_at,
            "LastUpdated": self.last_updated,
            "SubmittedJobsCount": submitted,
            "ProgressingJobsCount": progressing,
        }
        if self.description is not None:
            queue["Description"] = self.description
        return queue


def _job_id() -> str:
    """AWS's job id shape: creation time in ms, a dash, six lowercase letters/digits."""
    suffix = "".join(random.choices(string.ascii_lowercase + string.digits, k=6))
    return f"{int(time.time() * 1000)}-{suffix}"


class MediaConvertBackend:
    """Owns every job; a fixed pool of workers takes them from a priority queue."""

    def __init__(self, account_id: str, region: str, runner: JobRunner, concurrency: int | None = None, job_timeout: float | None = None) -> None:
        self.account_id = account_id
        self.region = region
        self.runner = runner
        self.events: EventSender = runner.events
        self.concurrency = concurrency or max(1, (os.cpu_count() or 2) // 2)
        self.job_timeout = job_timeout or DEFAULT_JOB_TIMEOUT_SECONDS
        self.queue = DefaultQueue(f"arn:aws:mediaconvert:{region}:{account_id}:queues/Default", self.concurrency)
        self.library = Library(account_id, region)
        self.jobs: dict[str, Job] = {}
        self._tokens: dict[str, tuple[float, str]] = {}
        self._waiting: list[tuple[int, int, Job]] = []
        self._order = itertools.count()
        self._lock = threading.Condition()
        self._stopping = False
        self._workers = [threading.Thread(target=self._work, name=f"mediaconvert-{n}", daemon=True) for n in range(self.concurrency)]
        for worker in self._workers:
            worker.start()

    def create_job(self, request: dict[str, Any]) -> Job:
        """Merge its template and presets, validate, then queue the job (SUBMITTED); a repeated ClientRequestToken returns the first job."""
        request = self.library.expand(request)
        check_supported(request)
        if not ROLE_ARN.match(request["Role"]):
            raise errors.BadRequestException(f"Role: {request['Role']!r} is not a valid IAM role ARN (arn:aws:iam::<account>:role/<name>)")
        if not self._is_default(request.get("Queue", "Default")):
            raise errors.BadRequestException(f"Queue: {request['Queue']!r} does not exist; the local MediaConvert has only the Default queue")
        plan = build_plan(request["Settings"])
        token = request.get("ClientRequestToken")
        with self._lock:
            now = time.monotonic()
            self._tokens = {t: seen for t, seen in self._tokens.items() if now - seen[0] < TOKEN_WINDOW_SECONDS}
            if token in self._tokens:
                return self.jobs[self._tokens[token][1]]
            job_id = _job_id()
            interval = request.get("StatusUpdateInterval", f"SECONDS_{DEFAULT_STATUS_UPDATE_SECONDS}")
            job = Job(
                id=job_id,
                arn=f"arn:aws:mediaconvert:{self.region}:{self.account_id}:jobs/{job_id}",
                account_id=self.account_id,
                queue=self.queue.arn,
                role=request["Role"],
                settings=request["Settings"],
                plan=plan,
                user_metadata=request.get("UserMetadata", {}),
                priority=request.get("Priority", 0),
                status_update_seconds=float(interval.removeprefix("SECONDS_")),
                request=request,
            )
            self.jobs[job_id] = job
            if token:
                self._tokens[token] = (now, job_id)
            heapq.heappush(self._waiting, (-job.priority, next(self._order), job))
            self._lock.notify()
        logger.info("job submitted", extra={"job_id": job_id, "outputs": len(plan.outputs)})
        return job

    def get_job(self, job_id: str) -> Job:
        """The job, or NotFoundException."""
        job = self.jobs.get(job_id)
        if job is None:
            raise errors.NotFoundException(f"The specified job id {job_id!r} was not found")
        return job

    def list_jobs(self, max_results: int = 20, next_token: str | None = None, order: str = "DESCENDING", status: str | None = None, queue: str | None = None) -> tuple[list[Job], str | None]:
        """One page of jobs, newest first by default, optionally filtered by status."""
        if queue is not None:
            self._queue_named(queue)
        with self._lock:
            jobs = sorted(self.jobs.values(), key=lambda job: (job.created_at, job.id), reverse=order == "DESCENDING")
        return one_page([job for job in jobs if status is None or job.status == status], max_results, next_token)

    def get_queue(self, name: str) -> dict[str, Any]:
        """The Default queue with its job counts; any other name is NotFoundException."""
        self._queue_named(name)
        with self._lock:
            return self._queue_api()

    def update_queue(self, name: str, status: str | None = None, description: str | None = None) -> dict[str, Any]:
        """Pause (jobs already running finish; SUBMITTED ones wait) or resume the Default queue."""
        self._queue_named(name)
        with self._lock:
            if status is not None:
                self.queue.status = status
            if description is not None:
                self.queue.description = description
            self.queue.last_updated = datetime.now(timezone.utc)
            self._lock.notify_all()
            answer = self._queue_api()
        logger.info("queue updated", extra={"queue": "Default", "status": self.queue.status})
        return answer

    def _queue_api(self) -> dict[str, Any]:
        counts = collections.Counter(job.status for job in self.jobs.values())
        return self.queue.to_api(counts["SUBMITTED"], counts["PROGRESSING"])

    def _is_default(self, name: str) -> bool:
        return name in ("Default", self.queue.arn)

    def _queue_named(self, name: str) -> None:
        if not self._is_default(name):
            raise errors.NotFoundException(f"Queue {name!r} does not exist; the local MediaConvert has only the Default queue")

    def cancel_job(self, job_id: str) -> None:
        """Cancel a waiting job at once, or stop a running one's ffmpeg; finished jobs conflict."""
        job = self.get_job(job_id)
        with self._lock:
            if job.status in FINISHED:
                raise errors.ConflictException(f"The job {job_id} is {job.status} and can no longer be canceled")
            job.canceled.set()
            waiting = job.status == "SUBMITTED"
            if waiting:
                job.status = "CANCELED"  # no worker will take it now
        if waiting:
            self._finish(job, "CANCELED")

    def close(self) -> None:
        """Stop taking jobs, stop running ffmpeg processes, wait for the workers."""
        with self._lock:
            self._stopping = True
            for job in self.jobs.values():
                job.canceled.set()
            self._lock.notify_all()
        for worker in self._workers:
            worker.join(timeout=10)

    def _work(self) -> None:
        while True:
            with self._lock:
                while (not self._waiting or self.queue.status == "PAUSED") and not self._stopping:
                    self._lock.wait()
                if self._stopping:
                    return
                job = heapq.heappop(self._waiting)[2]
                if job.status != "SUBMITTED":
                    continue
                job.status, job.start_time = "PROGRESSING", datetime.now(timezone.utc)
                job.set_progress("PROBING", 0)
            self._run(job)

    def _run(self, job: Job) -> None:
        self.events.send(job, detail(job, "PROGRESSING"))
        try:
            details = self.runner.run(job, job.canceled, time.monotonic() + self.job_timeout)
        except errors.JobCanceled:
            self._finish(job, "CANCELED")
        except errors.JobFailed as failure:
            self._finish(job, "ERROR", code=failure.code, message=failure.message)
        except Exception:  # noqa: BLE001 - any fault inside the service ends the job, never the worker
            logger.exception("job crashed", extra={"job_id": job.id})
            self._finish(job, "ERROR", code=errors.UNKNOWN_ERROR, message="The local MediaConvert failed unexpectedly; see its log")
        else:
            if job.canceled.is_set():
                self._finish(job, "CANCELED")
            else:
                self._finish(job, "COMPLETE", details=details)

    def _finish(self, job: Job, status: str, code: int | None = None, message: str | None = None, details: list[dict[str, Any]] | None = None) -> None:
        job.status, job.finish_time = status, datetime.now(timezone.utc)
        fields: dict[str, Any] = {}
        if status == "ERROR":
            job.error_code, job.error_message = code, message
            fields = {"errorCode": code, "errorMessage": message}
        if status == "COMPLETE":
            job.percent_complete, job.output_group_details = 100, details
            fields = {"outputGroupDetails": details}
        logger.info("job finished", extra={"job_id": job.id, "status": status, "error_code": code})
        self.events.send(job, detail(job, status, **fields))
