"""Everything on screen: pure builders of pyscript.web elements and small screen updates.

The only module that touches the DOM. User-supplied text (file names, reasons) always
goes in as text nodes: pyscript.web inserts a string passed at creation as HTML.
Dynamic lists use event delegation (data-action on buttons), so nothing needs rebinding.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from typing import Any

import js
from pyodide.ffi import create_proxy, to_js
from pyscript import web

from .auth import Profile
from .formatting import human_bytes, human_duration, human_speed, relative_date, time_left
from .mymedia import Rendition, Video
from .upload import CANCELED, COMPLETING, DONE, FAILED, QUEUED, REFUSED, UPLOADING, Upload

_TAGS = {"input": "input_", "del": "del_"}
STATUS_LABELS = {"uploaded": "Waiting", "processing": "Processing", "ready": "Ready", "failed": "Failed", "canceled": "Canceled"}


def el(tag: str, *children: Any, cls: str = "", **attrs: Any) -> Any:
    """An element whose string children become text nodes (escaped), with real HTML attributes."""
    element = getattr(web, _TAGS.get(tag, tag))()
    if cls:
        element.className = cls
    for name, value in attrs.items():
        if value is None or value is False:
            continue
        element.setAttribute(name.rstrip("_").replace("_", "-"), "" if value is True else str(value))
    for child in children:
        if child is not None and child != "":
            element.append(child)  # str -> text node
    return element


def find(selector: str) -> Any:
    """The one element matching ``selector`` (the page's static skeleton)."""
    return web.page.find(selector)[0]


def show(selector: str, visible: bool = True) -> None:
    """Show or hide a static part of the page."""
    find(selector).hidden = not visible


def set_text(selector: str, text: str) -> None:
    """Replace an element's text (never HTML)."""
    find(selector).textContent = text


def show_screen(name: str) -> None:
    """Switch between the boot, sign-in and workspace screens."""
    for screen in ("boot", "signin", "workspace"):
        show(f"#{screen}", screen == name)
    js.document.body.dataset.screen = name


def boot_failed(message: str) -> None:
    """Say why the app cannot start instead of spinning forever."""
    find("#boot").classList.add("failed")
    set_text("#boot-title", "PetTube could not start")
    set_text("#boot-detail", message)


def render_account(profile: Profile | None) -> None:
    """The signed-in person in the header, or nothing."""
    show("#account", profile is not None)
    if profile is None:
        return
    set_text("#user-name", profile.name)
    find("#user-name").title = profile.email
    avatar, initials = find("#avatar"), find("#initials")
    avatar.hidden, initials.hidden = not profile.picture, bool(profile.picture)
    if profile.picture:
        avatar.src = profile.picture
    initials.textContent = profile.initials


def set_busy(selector: str, busy: bool, label: str | None = None) -> None:
    """Disable a button while its action runs, so it cannot be sent twice."""
    button = find(selector)
    button.disabled = busy
    button.setAttribute("aria-busy", "true" if busy else "false")
    if label is not None:
        button.textContent = label


def form_value(selector: str) -> str:
    """The current value of an input."""
    return str(find(selector).value).strip()


def show_error(selector: str, message: str) -> None:
    """An inline error next to the control that caused it (empty message hides it)."""
    set_text(selector, message)
    show(selector, bool(message))


EMAIL_MODES = {
    "signin": ("Sign in", "current-password"),
    "signup": ("Create account", "new-password"),
    "forgot": ("Send reset code", "current-password"),
}


def email_mode(mode: str) -> None:
    """Switch the email form between sign in, create account and forgot password."""
    label, autocomplete = EMAIL_MODES[mode]
    set_text("#email-submit", label)
    show("#password-field", mode != "forgot")
    password = find("#password")
    password.required = mode != "forgot"
    password.setAttribute("autocomplete", autocomplete)
    for button in web.page.find("#email-mode [data-mode]"):
        button.setAttribute("aria-pressed", "true" if button.getAttribute("data-mode") == mode else "false")
    show("#email-form")
    show("#code-form", False)


def code_step(message: str, new_password: bool) -> None:
    """Ask for the mailed code (and a new password when resetting)."""
    set_text("#code-hint", message)
    show("#new-password-field", new_password)
    find("#new-password").required = new_password
    show("#email-form", False)
    show("#code-form")
    find("#code").focus()


def dropzone_active(active: bool) -> None:
    """Highlight the drop zone while files are dragged over it."""
    find("#dropzone").classList.toggle("dragging", active)


# ------------------------------------------------------------------ uploads
def _upload_line(upload: Upload) -> str:
    meter = upload.meter
    if upload.status == UPLOADING:
        parts = [f"{meter.percent}%", human_speed(meter.speed), time_left(meter.seconds_left)]
        return " · ".join(part for part in parts if part)
    return {
        QUEUED: "Waiting…", COMPLETING: "Finishing…", DONE: "Uploaded. Processing starts now.",
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
        el("p", video.failure_message, cls="video-reason") if video.status == "failed" and video.failure_message else None,
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
    set_text("#media-count", f"{len(videos)} video{'s' if len(videos) != 1 else ''}" if loaded else "")


# ------------------------------------------------------------------ player and dialogs
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


async def confirm(title: str, text: str) -> bool:
    """Ask before something that cannot be undone (native dialog: focus trap and Escape for free)."""
    set_text("#confirm-title", title)
    set_text("#confirm-text", text)
    dialog = find("#confirm")
    answer: asyncio.Future[bool] = asyncio.get_event_loop().create_future()
    closed = create_proxy(lambda _event: answer.done() or answer.set_result(dialog.returnValue == "yes"))
    dialog.returnValue = ""
    dialog._dom_element.addEventListener("close", closed, to_js({"once": True}, dict_converter=js.Object.fromEntries))
    dialog.showModal()
    try:
        return await answer
    finally:
        closed.destroy()


def toast(message: str, kind: str = "info") -> None:
    """A short message that goes away by itself (and is read out by screen readers)."""
    note = el("div", message, cls=f"toast toast-{kind}", role="alert" if kind == "error" else None)
    find("#toasts").append(note)
    asyncio.get_event_loop().call_later(6, note.remove)


def banner(message: str) -> None:
    """A lasting notice at the top of the workspace (empty message hides it)."""
    show_error("#banner", message)


# ------------------------------------------------------------------ plumbing for sign-in
def hidden_frame(url: str) -> Any:
    """An invisible, credentialless frame for silent token renewal (COEP allows it without CORP)."""
    frame = el("iframe", src=url, credentialless=True, hidden=True, title="Renewing sign-in", tabindex=-1)
    web.page.body.append(frame)
    return frame


async def load_script(src: str) -> None:
    """Load an external script once (Google Identity Services, on AWS only)."""
    loaded: asyncio.Future[None] = asyncio.get_event_loop().create_future()
    script = js.document.createElement("script")
    script.src = src
    script.onload = create_proxy(lambda _event: loaded.set_result(None))
    script.onerror = create_proxy(lambda _event: loaded.set_exception(OSError(f"cannot load {src}")))
    js.document.head.append(script)
    await loaded


def render_google_button(gis: Any) -> None:
    """Google's own button replaces ours on AWS (Google requires its button for sign-in)."""
    show("#google-signin", False)
    show("#gis-button")
    options = {"theme": "outline", "size": "large", "shape": "pill", "text": "signin_with"}
    gis.renderButton(find("#gis-button")._dom_element, to_js(options, dict_converter=js.Object.fromEntries))
