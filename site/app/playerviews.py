"""The players (the owner's dialog and a share link's watch page) and the share dialog.

Same rules as views.py: the DOM only there, in mediaviews.py and here; user text as text
nodes. A player reports trouble (an expired presigned URL, mostly) to the controller,
which hands back a fresh URL to ``resume_at`` the same position.
"""

from __future__ import annotations

from typing import Any, Callable

import js
from pyodide.ffi import create_proxy
from pyscript import web

from .formatting import human_bytes
from .mymedia import LINK, Playable, Rendition, SharedVideo, Video
from .views import el, find, set_text, show

PLAYER, WATCH = "#player-stage", "#watch-stage"
_SIZES = {PLAYER: "#player-sizes", WATCH: "#watch-sizes"}
# A player whose URL expires mid-watch in Chromium does not always fail: S3's 403 for its next
# range request is an XML body that Opaque Response Blocking hides, and the browser retries for
# a long while; the person sees it wait. So a player reports waiting and stalling as well as errors.
TROUBLE = ("error", "waiting", "stalled")
# on_trouble(event type, position in seconds, was playing, the URL it was loading)
OnTrouble = Callable[[str, float, bool, str], None]

_listeners: dict[str, Any] = {}


def _mount(stage_selector: str, video: Playable, rendition: Rendition, on_trouble: OnTrouble, *, autoplay: bool) -> None:
    """A <video> on a stage that reports where it was when its source failed or ran dry."""
    stage = find(stage_selector)
    stage.innerHTML = ""
    player = el("video", controls=True, autoplay=autoplay, playsinline=True, preload="auto", src=rendition.url,
                poster=video.thumbnail_url or None, aria_label=f"Video player: {video.title}")
    old = _listeners.pop(stage_selector, None)
    if old is not None:
        old.destroy()

    def trouble(event: Any) -> None:
        target = event.target
        on_trouble(str(event.type), float(target.currentTime), not bool(target.paused), str(target.currentSrc))

    _listeners[stage_selector] = create_proxy(trouble)
    for kind in TROUBLE:
        player._dom_element.addEventListener(kind, _listeners[stage_selector])
    stage.append(player)


def _sizes(selector: str, video: Playable, rendition: Rendition, video_id: str = "") -> None:
    """One button per rendition, largest first, the playing one pressed."""
    sizes = find(selector)
    sizes.innerHTML = ""
    for option in sorted(video.renditions, key=lambda r: min(r.width, r.height), reverse=True):
        sizes.append(el("button", option.label, cls="size" + (" active" if option == rendition else ""), type="button",
                        data_action="size", data_id=video_id or None, data_label=option.label,
                        aria_pressed="true" if option == rendition else "false",
                        title=f"{option.width}×{option.height} · {human_bytes(option.bytes)}" if option.bytes else None))


def switch_rendition(stage_selector: str, rendition: Rendition) -> None:
    """Change size mid-play, keeping the position."""
    player = find(f"{stage_selector} video")
    resume_at(stage_selector, rendition.url, float(player.currentTime), not bool(player.paused))
    for button in web.page.find(f"{_SIZES[stage_selector]} .size"):
        active = button.getAttribute("data-label") == rendition.label
        button.classList.toggle("active", active)
        button.setAttribute("aria-pressed", "true" if active else "false")


def playing_label(stage_selector: str) -> str | None:
    """The size a player shows now."""
    pressed = web.page.find(f'{_SIZES[stage_selector]} .size[aria-pressed="true"]')
    return pressed[0].getAttribute("data-label") if pressed else None


def resume_at(stage_selector: str, url: str, position: float, playing: bool) -> None:
    """Load ``url`` and continue at ``position`` (a start position set before the load is honoured)."""
    player = find(f"{stage_selector} video")._dom_element
    player.src = url
    player.currentTime = position
    if playing:
        # play() refused (autoplay policy): the person presses play; the refusal is read so it is not logged.
        player.play().add_done_callback(lambda done: done.cancelled() or done.exception())


def player_details(video: Video) -> None:
    """The owner's player: title, description, and its Edit and Share buttons."""
    set_text("#player-title", video.title)
    info = find("#player-info")
    info.innerHTML = ""
    if video.description:
        info.append(el("p", video.description, cls="player-description"))
    actions = find("#player-actions")
    actions.innerHTML = ""
    actions.append(el("button", "Edit details", cls="btn btn-quiet", type="button", data_action="edit",
                      data_id=video.video_id, data_context="player"))
    actions.append(el("button", "Share", cls="btn btn-secondary", type="button", data_action="share",
                      data_id=video.video_id))


def open_player(video: Video, rendition: Rendition, on_trouble: OnTrouble) -> None:
    """Play a rendition in the dialog, with a choice among the video's sizes."""
    player_details(video)
    _mount(PLAYER, video, rendition, on_trouble, autoplay=True)
    _sizes(_SIZES[PLAYER], video, rendition, video.video_id)
    dialog = find("#player")
    if not dialog.open:
        dialog.showModal()


def player_video_id() -> str | None:
    """The video the owner's player shows, if it is open."""
    dialog = find("#player")
    buttons = find("#player-actions").find("[data-id]")
    return buttons[0].getAttribute("data-id") if dialog.open and buttons else None


def close_player() -> None:
    """Stop playback when the dialog closes."""
    find("#player-stage").innerHTML = ""
    find("#player-actions").innerHTML = ""


# ------------------------------------------------------------------ the watch page
def watch_loading() -> None:
    """A share link is being opened."""
    show("#watch-loading", True)
    show("#watch-found", False)
    show("#watch-missing", False)


def render_watch(video: SharedVideo, rendition: Rendition, on_trouble: OnTrouble, signed_in: bool) -> None:
    """A shared video for anyone: player, title, who shared it, description, and an invitation to PetTube."""
    show("#watch-loading", False)
    show("#watch-missing", False)
    show("#watch-found", True)
    set_text("#watch-title", video.title)
    set_text("#watch-owner", f"Shared by {video.owner_name}" if video.owner_name else "Shared on PetTube")
    set_text("#watch-description", video.description)
    show("#watch-description", bool(video.description))
    for part in web.page.find(".watch-cta-signed-out"):
        part.hidden = signed_in
    for part in web.page.find(".watch-cta-signed-in"):
        part.hidden = not signed_in
    _mount(WATCH, video, rendition, on_trouble, autoplay=False)
    _sizes(_SIZES[WATCH], video, rendition)
    show(".watch-sizes-row", len(video.renditions) > 1)
    js.document.title = f"{video.title} · PetTube"


def renew_poster(stage_selector: str, video: Playable) -> None:
    """Fresh thumbnail URL for a player's poster (the poster shows again after a reload of the source)."""
    for player in web.page.find(f"{stage_selector} video"):
        if video.thumbnail_url:
            player.setAttribute("poster", video.thumbnail_url)


def watch_missing(title: str, text: str) -> None:
    """The link leads nowhere (unknown, revoked, deleted, not ready), or the service could not answer."""
    show("#watch-loading", False)
    show("#watch-found", False)
    show("#watch-missing", True)
    set_text("#watch-missing-title", title)
    set_text("#watch-missing-text", text)
    find("#watch-stage").innerHTML = ""
    js.document.title = f"{title} · PetTube"


def leave_watch() -> None:
    """Stop the shared video when the person goes elsewhere in the page."""
    find("#watch-stage").innerHTML = ""
    js.document.title = "PetTube: your pets, in motion"


# ------------------------------------------------------------------ the share dialog
def open_share(video: Video, can_share: bool) -> None:
    """Who can watch (private, or anyone with the link), and the link with Copy and Share."""
    set_text("#share-title", f"Share “{video.title}”")
    update_share(video, can_share)
    show_share_error("")
    dialog = find("#share")
    dialog.setAttribute("data-id", video.video_id)
    if not dialog.open:
        dialog.showModal()


def update_share(video: Video, can_share: bool) -> None:
    """Show the video's current visibility and, when it has one, its link."""
    for radio in web.page.find("#share-visibility input[name=visibility]"):
        radio.checked = radio.value == video.visibility
    shared = video.visibility == LINK and bool(video.share_url)
    show("#share-link", shared)
    find("#share-url").value = video.share_url if shared else ""
    show("#system-share", shared and can_share)


def share_video_id() -> str:
    """The video the share dialog is about."""
    return find("#share").getAttribute("data-id") or ""


def share_busy(busy: bool) -> None:
    """Say the choice is being saved (not disabled: a disabled radio would drop the keyboard's focus)."""
    find("#share-visibility").setAttribute("aria-busy", "true" if busy else "false")


def show_share_error(message: str) -> None:
    """Why the visibility could not be changed (empty hides it)."""
    set_text("#share-error", message)
    show("#share-error", bool(message))


def select_share_url() -> None:
    """Select the link so the person can copy it by hand when the clipboard is refused."""
    field = find("#share-url")
    field.focus()
    field._dom_element.select()
