"""The media views: upload rows with live progress, the gallery's cards, editing a video's details in place.

Split from views.py (same rules: the DOM only there and in playerviews.py, user text as text nodes).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from pyscript import web

from .freshness import url_due
from .formatting import human_bytes, human_duration, human_speed, relative_date, time_left
from .mymedia import LINK, Video
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
    playable = video.status == "ready" or (video.in_flight and bool(video.renditions))
    if video.renditions:
        # Which quality a press plays: the ladder's best once ready, the original itself while it is made.
        best = max(video.renditions, key=lambda r: min(r.width, r.height))
        badges.append(el("span", best.label if video.status == "ready" else f"{best.label} · more sizes soon",
                         cls="badge badge-quality"))
    if playable:
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


def video_details(video: Video) -> Any:
    """Title and description as the owner wrote them (text nodes: any Unicode, never HTML)."""
    return el("div", el("h3", video.title, cls="video-title", title=video.title),
              el("p", video.description, cls="video-description") if video.description else None,
              cls="video-text")


def video_card(video: Video, now: datetime) -> Any:
    """One video in the gallery: thumbnail, title, description, status (and why it failed), edit, share, delete."""
    meta = " · ".join(part for part in (human_bytes(video.size_bytes) if video.size_bytes else "",
                                        relative_date(video.created_at, now)) if part)
    shared = el("span", "Anyone with the link", cls="chip chip-link", title="Anyone with the link can watch")
    actions = el(
        "div",
        el("button", "Edit", cls="btn btn-quiet", type="button", data_action="edit", data_id=video.video_id,
           data_context="card", aria_label=f"Edit details of {video.title}"),
        el("button", "Share", cls="btn btn-quiet", type="button", data_action="share", data_id=video.video_id,
           aria_label=f"Share {video.title}") if video.status == "ready" else None,
        el("button", "Delete", cls="btn btn-quiet btn-danger", type="button", data_action="delete",
           data_id=video.video_id, aria_label=f"Delete {video.title}"),
        cls="card-actions",
    )
    body = el(
        "div",
        video_details(video),
        el("p", meta, cls="video-meta"),
        el("div", _status(video), shared if video.visibility == LINK else None, cls="chips"),
        el("p", el("span", video.failure_message), cls="video-reason",
           title=video.failure_detail or video.failure_message)
        if video.status == "failed" and video.failure_message else None,
        actions,
        cls="video-body",
    )
    return el("li", _thumbnail(video), body, cls=f"video-card video-{video.status}", data_video_id=video.video_id,
              data_status=video.status, data_key=_card_key(video, now))


def _card_key(video: Video, now: datetime) -> str:
    """What a card shows, without its URLs (re-signed on every listing): a card is rebuilt only when this changes."""
    shown = replace(video, thumbnail_url=bool(video.thumbnail_url),
                    renditions=tuple(replace(r, url="") for r in video.renditions))
    return str(hash((shown, relative_date(video.created_at, now))))


def render_gallery(videos: list[Video], *, loaded: bool, total: int, query: str) -> None:
    """The gallery in this order, or the empty state; ``total`` counts the videos before the search.

    Cards are kept when nothing they show changed, and a card being edited is never
    replaced, so polling and typing in the search box neither steal focus nor lose edits.
    """
    now = datetime.now(timezone.utc)
    gallery = find("#gallery")._dom_element
    kept = {str(card.dataset.videoId): card for card in list(gallery.children)}
    for index, video in enumerate(videos):
        card = kept.pop(video.video_id, None)
        if card is None or (card.dataset.key != _card_key(video, now) and not card.classList.contains("editing")):
            fresh = video_card(video, now)._dom_element
            if card is not None:
                card.replaceWith(fresh)
            card = fresh
        else:
            _renew_thumbnail(card, video, now)
        current = gallery.children[index] if index < gallery.children.length else None
        if current is None or not current.isSameNode(card):
            gallery.insertBefore(card, current)  # moved only when out of place: focus stays
    for card in kept.values():
        card.remove()
    show(".finder", total > 0)
    show("#empty", loaded and total == 0)
    show("#gallery-loading", not loaded)
    show("#no-match", bool(total and not videos))
    set_text("#no-match", f"No videos match “{query.strip()}”." if total and not videos else "")
    counted = f"{len(videos)} of {total} videos" if len(videos) != total else f"{total} video{'s' if total != 1 else ''}"
    set_text("#media-count", counted if total else "")


def _renew_thumbnail(card: Any, video: Video, now: datetime) -> None:
    """A kept card's thumbnail gets the fresh URL once its own is due, or if it never loaded (lazy, or refused)."""
    image = card.querySelector("img")
    if not image or not video.thumbnail_url:
        return
    if url_due(str(image.src), now) or not (image.complete and image.naturalWidth > 0):
        image.src = video.thumbnail_url


# ------------------------------------------------------------------ editing in place
def edit_form(video: Video, context: str) -> Any:
    """Title and description fields with room for the API's answer next to each (context: card or player)."""
    prefix = f"edit-{context}-{video.video_id}"

    def field(name: str, label: str, control: Any) -> Any:
        control.setAttribute("id", f"{prefix}-{name}")
        control.setAttribute("aria-describedby", f"{prefix}-{name}-error")
        return el("div", el("label", label, for_=f"{prefix}-{name}"), control,
                  el("p", cls="field-error", id=f"{prefix}-{name}-error", data_field=name, hidden=True), cls="field")

    return el(
        "form",
        field("title", "Title", el("input", name="title", type="text", value=video.title, maxlength=100,
                                   required=True, autocomplete="off")),
        field("description", "Description", el("textarea", video.description, name="description", rows=3,
                                               maxlength=2000, placeholder="What happens in this video?")),
        el("p", cls="field-error", data_field="", role="alert", hidden=True),
        el("div", el("button", "Save", cls="btn btn-primary", type="submit"),
           el("button", "Cancel", cls="btn btn-quiet", type="button", data_action="cancel-edit",
              data_id=video.video_id, data_context=context), cls="form-actions"),
        cls="edit-form", data_id=video.video_id, data_context=context, novalidate=True,
        aria_label=f"Edit details of {video.title}",
    )


def _details_slot(video_id: str, context: str) -> Any:
    """Where a video's details show: its card's text block, or the player's information panel."""
    if context == "player":
        return find("#player-info")
    found = web.page.find(f'#gallery li[data-video-id="{video_id}"] .video-text, '
                          f'#gallery li[data-video-id="{video_id}"] .edit-form')
    return found[0] if found else None


def start_editing(video: Video, context: str) -> None:
    """Swap the details for the form, title field focused."""
    slot = _details_slot(video.video_id, context)
    if slot is None:
        return
    form = edit_form(video, context)
    if context == "player":
        slot.innerHTML = ""
        slot.append(form)
    else:
        slot.replaceWith(form._dom_element)
        form._dom_element.closest("li").classList.add("editing")
    form.find("input")[0].focus()


def stop_editing_card(video: Video) -> None:
    """Back to the card's details (saved or not); the card is rebuilt by the next render."""
    slot = _details_slot(video.video_id, "card")
    if slot is None:
        return
    card = slot._dom_element.closest("li")
    card.classList.remove("editing")
    card.dataset.key = ""  # rebuilt on the next render
    slot.replaceWith(video_details(video)._dom_element)


def edit_busy(video_id: str, context: str, busy: bool) -> None:
    """Lock the form while the change is saved."""
    for button in web.page.find(f'form.edit-form[data-id="{video_id}"][data-context="{context}"] button'):
        button.disabled = busy


def show_edit_errors(video_id: str, context: str, errors: dict[str, str]) -> None:
    """The API's reasons next to the fields they are about (key "" for one about no field)."""
    form = web.page.find(f'form.edit-form[data-id="{video_id}"][data-context="{context}"]')
    if not form:
        return
    for slot in form[0].find(".field-error"):
        message = errors.get(slot.getAttribute("data-field") or "", "")
        slot.textContent = message
        slot.hidden = not message
        control = form[0].find(f'[name="{slot.getAttribute("data-field")}"]')
        if control:
            control[0].setAttribute("aria-invalid", "true" if message else "false")
