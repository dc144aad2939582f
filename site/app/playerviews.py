"""The players (the owner's dialog and a share link's watch page) and the share dialog.

Same rules as views.py: the DOM only there, in mediaviews.py and here; user text as text
nodes. A player reports trouble (an expired presigned URL, mostly) to the controller,
which hands back a fresh URL to ``resume_at`` the same position.

A video with a stream plays it with hls.js (site/assets/stream-player.mjs), Auto first with
a choice of fixed qualities; where hls.js cannot play (no Media Source Extensions) and the
browser plays HLS itself (Safari), or for a video without a stream, the MP4 renditions play
as before, one size at a time. The size row always says which quality plays.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

import js
from pyodide.ffi import create_proxy, to_js
from pyscript import js_import, web

from .formatting import human_bytes
from .mymedia import LINK, Playable, Rendition, SharedVideo, Video
from .views import el, find, set_text, show

PLAYER, WATCH = "#player-stage", "#watch-stage"
_SIZES = {PLAYER: "#player-sizes", WATCH: "#watch-sizes"}
AUTO = "auto"
logger = logging.getLogger("pettube.page")
STREAM_MODULE = "/assets/stream-player.mjs"
# A player whose URL expires mid-watch in Chromium does not always fail: S3's 403 for its next
# range request is an XML body that Opaque Response Blocking hides, and the browser retries for
# a long while; the person sees it wait. So a player reports waiting and stalling as well as errors.
TROUBLE = ("error", "waiting", "stalled")
# on_trouble(event type, position in seconds, was playing, the URL it was loading)
OnTrouble = Callable[[str, float, bool, str], None]

_listeners: dict[str, Any] = {}
_streams: dict[str, Any] = {}  # stage -> its StreamPlayer (JavaScript), while it plays a stream
_stream_module: list[Any] = []
_handlers: dict[str, OnTrouble] = {}  # stage -> its trouble handler


async def _streaming() -> Any | None:
    """stream-player.mjs (hls.js loads with it, on the first stream), or None where hls.js cannot play."""
    if not _stream_module:
        (module,) = await js_import(STREAM_MODULE)
        _stream_module.append(module)
    return _stream_module[0] if _stream_module[0].supported() else None


def _stop_stream(stage_selector: str) -> None:
    player = _streams.pop(stage_selector, None)
    if player is not None:
        player.destroy()
    for proxy in _listeners.pop(f"{stage_selector} stream", ()):
        proxy.destroy()


def _mount(stage_selector: str, video: Playable, rendition: Rendition | None, on_trouble: OnTrouble, *,
           autoplay: bool) -> Any:
    """A <video> on a stage that reports where it was when its source failed or ran dry."""
    stage = find(stage_selector)
    _stop_stream(stage_selector)
    stage.innerHTML = ""
    player = el("video", controls=True, autoplay=autoplay, playsinline=True, preload="auto",
                src=rendition.url if rendition else None,
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
    return player._dom_element


async def _play(stage_selector: str, video: Playable, on_trouble: OnTrouble, *, autoplay: bool,
                label: str | None = None, position: float = -1, video_id: str = "") -> None:
    """Mount the video's stream with hls.js where it can play, else the MP4 rendition ``label`` (or the default)."""
    _handlers[stage_selector] = on_trouble
    module = await _streaming() if video.stream else None
    if module is None:
        rendition = video.rendition(label)
        element = _mount(stage_selector, video, rendition, on_trouble, autoplay=autoplay)
        if rendition is not None:
            _sizes(_SIZES[stage_selector], video, rendition, video_id)
            if position > 0:
                element.currentTime = position
        return
    element = _mount(stage_selector, video, None, on_trouble, autoplay=autoplay)
    _attach_stream(stage_selector, element, video, module, label=label, position=position)
    _qualities(stage_selector, video, video_id, label or AUTO)


def _attach_stream(stage_selector: str, element: Any, video: Playable, module: Any, *, label: str | None,
                   position: float) -> None:
    """hls.js on ``element`` with the video's playlists, from ``position``, in ``label`` (or Auto)."""
    on_trouble = _handlers[stage_selector]

    def quality(playing: str, auto: bool) -> None:
        _show_quality(stage_selector, playing, auto)

    def failure(kind: str, details: str, status: int) -> None:
        # hls.js gave up (an expired segment URL is a 403 it does not retry): the controller renews and resumes.
        logger.info("stream failed", extra={"kind": str(kind), "details": str(details), "status": int(status or 0)})
        on_trouble("error", float(element.currentTime), not bool(element.paused), str(element.dataset.source or ""))

    proxies = [create_proxy(quality), create_proxy(failure)]
    _listeners[f"{stage_selector} stream"] = proxies
    options = to_js({"startPosition": position, "onQuality": proxies[0], "onFailure": proxies[1]},
                    dict_converter=js.Object.fromEntries)
    playlists = to_js(video.stream.playlists, dict_converter=js.Object.fromEntries)
    _streams[stage_selector] = module.StreamPlayer.new(element, video.stream.master, playlists, options)
    if label and label != AUTO:
        _streams[stage_selector].choose(label)


def _qualities(stage_selector: str, video: Playable, video_id: str, chosen: str) -> None:
    """Auto and one button per quality of the stream, largest first, the chosen one pressed; then what plays."""
    sizes = find(_SIZES[stage_selector])
    sizes.innerHTML = ""
    for label, name in [(AUTO, "Auto"), *((label, label) for label in video.stream.qualities)]:
        sizes.append(el("button", name, cls="size" + (" active" if label == chosen else ""), type="button",
                        data_action="size", data_id=video_id or None, data_label=label,
                        aria_pressed="true" if label == chosen else "false"))
    sizes.append(el("span", "", cls="quality-now", role="status", aria_live="polite"))


def _show_quality(stage_selector: str, playing: str, auto: bool = False) -> None:
    """Say which quality plays (under Auto: which one it picked now)."""
    for now in web.page.find(f"{_SIZES[stage_selector]} .quality-now"):
        now.textContent = f"Playing {playing}" + (" (auto)" if auto else "")


def _press(stage_selector: str, label: str) -> None:
    for button in web.page.find(f"{_SIZES[stage_selector]} .size"):
        active = button.getAttribute("data-label") == label
        button.classList.toggle("active", active)
        button.setAttribute("aria-pressed", "true" if active else "false")


def choose_quality(stage_selector: str, label: str) -> bool:
    """Auto or a fixed quality of the stream a stage plays; False when it plays an MP4 (switch_rendition's job)."""
    player = _streams.get(stage_selector)
    if player is None:
        return False
    player.choose(label)
    _press(stage_selector, label)
    return True


async def resume(stage_selector: str, video: Playable, position: float, playing: bool) -> bool:
    """Play ``video``'s freshly signed stream on from ``position``, in the quality chosen before, in the
    same <video> (so what the person set on it, muted or volume, stays); False if the stage plays no stream."""
    module = await _streaming() if video.stream else None
    if module is None or stage_selector not in _streams:
        return False
    element = find(f"{stage_selector} video")._dom_element
    label = playing_label(stage_selector)
    _stop_stream(stage_selector)
    _attach_stream(stage_selector, element, video, module, label=label, position=position)
    renew_poster(stage_selector, video)
    if playing:
        # play() refused (autoplay policy): the person presses play; the refusal is read so it is not logged.
        element.play().add_done_callback(lambda done: done.cancelled() or done.exception())
    return True


def _sizes(selector: str, video: Playable, rendition: Rendition, video_id: str = "") -> None:
    """One button per rendition, largest first, the playing one pressed."""
    sizes = find(selector)
    sizes.innerHTML = ""
    for option in sorted(video.renditions, key=lambda r: min(r.width, r.height), reverse=True):
        sizes.append(el("button", option.label, cls="size" + (" active" if option == rendition else ""), type="button",
                        data_action="size", data_id=video_id or None, data_label=option.label,
                        aria_pressed="true" if option == rendition else "false",
                        title=f"{option.width}×{option.height} · {human_bytes(option.bytes)}" if option.bytes else None))
    sizes.append(el("span", f"Playing {rendition.label}", cls="quality-now", role="status", aria_live="polite"))


def switch_rendition(stage_selector: str, rendition: Rendition) -> None:
    """Change size mid-play, keeping the position."""
    player = find(f"{stage_selector} video")
    resume_at(stage_selector, rendition.url, float(player.currentTime), not bool(player.paused))
    _press(stage_selector, rendition.label)
    _show_quality(stage_selector, rendition.label)


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


async def open_player(video: Video, on_trouble: OnTrouble) -> None:
    """Play the video in the dialog (its stream, else a rendition), with a choice among its qualities."""
    player_details(video)
    await _play(PLAYER, video, on_trouble, autoplay=True, video_id=video.video_id)
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
    _stop_stream(PLAYER)
    find("#player-stage").innerHTML = ""
    find("#player-actions").innerHTML = ""


# ------------------------------------------------------------------ the watch page
def watch_loading() -> None:
    """A share link is being opened."""
    show("#watch-loading", True)
    show("#watch-found", False)
    show("#watch-missing", False)


async def render_watch(video: SharedVideo, on_trouble: OnTrouble, signed_in: bool) -> None:
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
    await _play(WATCH, video, on_trouble, autoplay=False)
    show(".watch-sizes-row", len(video.renditions) > 1 or video.stream is not None)
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
    _stop_stream(WATCH)
    find("#watch-stage").innerHTML = ""
    js.document.title = f"{title} · PetTube"


def leave_watch() -> None:
    """Stop the shared video when the person goes elsewhere in the page."""
    _stop_stream(WATCH)
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
