"""The media views: upload rows with live progress, the gallery cards, the player.

Split from views.py (same rules: the DOM only here and there, user text as text nodes).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from pyscript import web

from .formatting import human_bytes, human_duration, human_speed, relative_date, time_left
from .mymedia import Rendition, Video
from .upload import CANCELED, COMPLETING, DONE, FAILED, QUEUED, REFUSED, UPLOADING, Upload
from .views import el, find, set_text, show

STATUS_LABELS = {"uploaded": "Waiting", "processing": "Processing", "ready": "Ready", "failed": "Failed", "canceled": "Canceled"}


# ------------------------------------------------------------------ uploads
def _upload_line(upload: Upload) -> str:
    meter = upload.meter
    if upload.status == UPLOADING:
        parts = [f"{meter.percent}%", "resumed" if upload.resumed_bytes else "", human_speed(meter.speed),
                 time_left(meter.seconds_left)]
        return " · ".join(part for part in parts if part)
    return {
        QUEUED: "Waiting…", COMPLETING: "Finishing…", DONE: "Uploaded. Its processing shows in My media.",
    }.get(upload.status, upload.message)


def _upload_percent(upload: Upload) -> int:
    return 100 if upload.status in (COMPLETING, DONE) else upload.meter.percent


def upload_row(upload: Upload) -> Any:
    """One upload: name, size, progress bar (percent, speed, time left), cancel or retry."""
    percent = _upload_percent(upload)
    bar = el("div", el("div", cls="bar-fill", style=f"width:{percent}%"), cls="bar", role="progressbar",
             aria_label=f"Upload of {upload.name}", aria_valuemin=0, aria_valuemax=100, aria_valuenow=percent)
    actions = el("div", cls="row-actions")
    if upload.can_cancel:
        actions.append(el("button", "Cancel", cls="btn btn-quiet", type="button", data_action="cancel",
                          data_id=upload.local_id, aria_label=f"Cancel upload of {upload.name}"))
    if upload.can_retry:
        actions.append(el("button", "Retry", cls="btn btn-secondary", type="button", data_action="retry",
                          data_id=upload.local_id, aria_label=f"Retry upload of {upload.name}"))
    if upload.status in (DONE, FAILED, CANCELED, REFUSED):
        actions.append(el("button", "×", cls="btn btn-icon", type="button", data_action="dismiss",
                          data_id=upload.local_id, aria_label=f"Dismiss {upload.name}"))
    return el(
        "li",
        el("div", el("span", upload.name, cls="upload-name", title=upload.name),
           el("span", human_bytes(upload.size), cls="upload-size"), cls="upload-head"),
        None if upload.status == REFUSED else bar,
        el("div", el("span", _upload_line(upload), cls="upload-line"), actions, cls="upload-foot"),
        cls=f"upload upload-{upload.status}", id=f"upload-{upload.local_id}", data_status=upload.status,
    )


def show_upload(upload: Upload) -> None:
    """Add or refresh an upload's row; progress-only changes patch the bar so focus stays put."""
    row = web.page.find(f"#upload-{upload.local_id}")
    if not row:
        find("#uploads").append(upload_row(upload))
        return
    row = row[0]
    if row.getAttribute("data-status") != upload.status:
        row.replaceWith(upload_row(upload)._dom_element)
        return
    percent = _upload_percent(upload)
    bar = row.find(".bar")[0]
    bar.setAttribute("aria-valuenow", str(percent))
    bar.find(".bar-fill")[0].style["width"] = f"{percent}%"
    row.find(".upload-line")[0].textContent = _upload_line(upload)


def remove_upload(local_id: str) -> None:
    """Take a finished upload's row away."""
    for row in web.page.find(f"#upload-{local_id}"):
        row.remove()


def clear_uploads() -> None:
    """Empty the uploads list (sign-out)."""
    find("#uploads").innerHTML = ""


def resume_hint(names: list[str]) -> None:
    """After a reload: which uploads were interrupted and how to continue them."""
    show("#resume-hint", bool(names))
    if names:
        set_text("#resume-hint", "Unfinished: " + ", ".join(names) + ". Choose the same file again to continue where it stopped.")


# ------------------------------------------------------------------ gallery
def _thumbnail(video: Video) -> Any:
    if video.status == "ready" and video.thumbnail_url:
        picture = el("img", src=video.thumbnail_url, alt="", loading="lazy", decoding="async")
    else:
        picture = el("div", el("span", STATUS_LABELS[video.status], cls="placeholder-label"), cls=f"placeholder placeholder-{video.status}")
    badges = el("div", cls="thumb-badges")
    if video.duration_ms:
        badges.append(el("span", human_duration(video.duration_ms), cls="badge"))
    if video.status == "ready":
        return el("button", picture, el("span", "▶", cls="play-icon", aria_hidden="true"), badges, cls="thumb",
                  type="button", data_action="play", data_id=video.video_id, aria_label=f"Play {video.title}")
    return el("div", picture, badges, cls="thumb")


def _status(video: Video) -> Any:
    label = STATUS_LABELS[video.status]
    if video.status == "processing":
        label = f"Processing {video.progress}%"
    chip = el("span", label, cls=f"chip chip-{video.status}")
    if video.status != "processing":
        return chip
    bar = el("div", el("div", cls="bar-fill", style=f"width:{video.progress}%"), cls="bar bar-thin", role="progressbar",
             aria_label=f"Processing {video.title}", aria_valuemin=0, aria_valuemax=100, aria_valuenow=video.progress)
    return el("div", chip, bar, cls="status-stack")


def video_card(video: Video, now: datetime) -> Any:
    """One video in the gallery: thumbnail, name, length, status (and why it failed), play, delete."""
    meta = " · ".join(part for part in (human_bytes(video.size_bytes) if video.size_bytes else "",
                                        relative_date(video.created_at, now)) if part)
    body = el(
        "div",
        el("h3", video.title, cls="video-title", title=video.title),
        el("p", meta, cls="video-meta"),
        _status(video),
        el("p", el("span", video.failure_message), cls="video-reason",
           title=video.failure_detail or video.failure_message)
        if video.status == "failed" and video.failure_message else None,
        el("div", el("button", "Delete", cls="btn btn-quiet btn-danger", type="button", data_action="delete",
                      data_id=video.video_id, aria_label=f"Delete {video.title}"), cls="card-actions"),
        cls="video-body",
    )
    return el("li", _thumbnail(video), body, cls=f"video-card video-{video.status}", data_video_id=video.video_id,
              data_status=video.status)


def render_gallery(videos: list[Video], loaded: bool) -> None:
    """The whole gallery, or the empty state that says what to do."""
    now = datetime.now(timezone.utc)
    gallery = find("#gallery")
    gallery.innerHTML = ""
    for video in videos:
        gallery.append(video_card(video, now))
    show("#empty", loaded and not videos)
    show("#gallery-loading", not loaded)
    set_text("#media-count", f"{len(videos)} video{'s' if len(videos) != 1 else ''}" if videos else "")


def open_player(video: Video, rendition: Rendition) -> None:
    """Play a rendition in the dialog, with a choice among the video's sizes."""
    set_text("#player-title", video.title)
    stage = find("#player-stage")
    stage.innerHTML = ""
    stage.append(el("video", controls=True, autoplay=True, playsinline=True, preload="auto", src=rendition.url,
                    poster=video.thumbnail_url or None, aria_label=f"Video player: {video.title}"))
    sizes = find("#player-sizes")
    sizes.innerHTML = ""
    for option in sorted(video.renditions, key=lambda r: min(r.width, r.height), reverse=True):
        sizes.append(el("button", option.label, cls="size" + (" active" if option == rendition else ""), type="button",
                        data_action="size", data_id=video.video_id, data_label=option.label,
                        aria_pressed="true" if option == rendition else "false",
                        title=f"{option.width}×{option.height} · {human_bytes(option.bytes)}" if option.bytes else None))
    dialog = find("#player")
    if not dialog.open:
        dialog.showModal()


def switch_rendition(rendition: Rendition) -> None:
    """Change size mid-play, keeping the position."""
    player = find("#player-stage video")
    position, paused = float(player.currentTime), bool(player.paused)
    player.src = rendition.url
    player.currentTime = position
    if not paused:
        player.play()
    for button in web.page.find("#player-sizes .size"):
        active = button.getAttribute("data-label") == rendition.label
        button.classList.toggle("active", active)
        button.setAttribute("aria-pressed", "true" if active else "false")


def close_player() -> None:
    """Stop playback when the dialog closes."""
    find("#player-stage").innerHTML = ""
