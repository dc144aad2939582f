"""The page's frame on screen: element builders, screens, sign-in forms, dialogs and notices.

The DOM is touched here and in the two modules built on this one, mediaviews.py (uploads,
gallery, editing) and playerviews.py (players, watch page, share dialog). main.py only
passes on what events carry (files, a typed value, the new address), reading the button
or form an event came from with ``action_of`` and ``form_fields``. User-supplied
text (file names, titles, reasons) always goes in as text nodes: pyscript.web inserts a
string passed at creation as HTML. Dynamic lists use event delegation (data-action on
buttons), so nothing needs rebinding.
"""

from __future__ import annotations

import asyncio
from typing import Any

import js
from pyodide.ffi import create_proxy, to_js
from pyscript import web

from .auth import Login, Profile

_TAGS = {"input": "input_", "del": "del_"}


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
    """Switch between the boot, sign-in, workspace and watch screens."""
    for screen in ("boot", "signin", "workspace", "watch"):
        show(f"#{screen}", screen == name)
    js.document.body.dataset.screen = name


def mark_ready() -> None:
    """The app is up (tests and tools wait for this)."""
    js.document.body.dataset.ready = "true"


def action_of(event: Any) -> tuple[str, dict[str, str]] | None:
    """The data-action of the button an event came from, with the button's other data-* values."""
    button = event.target.closest("[data-action]")
    if not button:
        return None
    data = {str(key): str(value) for key, value in js.Object.entries(button.dataset)}
    return data.pop("action"), data


def form_fields(form: Any) -> dict[str, str]:
    """A submitted form's named text fields and its own data-* values."""
    fields = {str(key): str(value) for key, value in js.Object.entries(form.dataset)}
    for control in form.elements:
        if control.name:
            fields[str(control.name)] = str(control.value)
    return fields


def clear_file_input(input_element: Any) -> None:
    """Let choosing the same file again (to resume) fire change again."""
    input_element.value = ""


def boot_failed(message: str) -> None:
    """Say why the app cannot start instead of spinning forever."""
    find("#boot").classList.add("failed")
    set_text("#boot-title", "PetTube could not start")
    set_text("#boot-detail", message)
    show("#boot-retry", True)


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


def take_over_sign_in() -> bool:
    """Python handles the sign-in choices from now on (assets/signin.js stops); True if an email
    sign-in was submitted before Python was up, to be sent now."""
    js.document.body.dataset.signin = "python"
    form = js.document.querySelector("#email-form")
    queued = form.getAttribute("data-queued") == "true"
    form.removeAttribute("data-queued")
    return queued


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


# ------------------------------------------------------------------ the gallery from the last visit
# assets/gallery-cache.js keeps it per person and shows it before Python runs, marked as updating;
# Python says when to keep it (after a listing), when to drop it, and when the gallery is live.
def last_visit_key(login: Login) -> str:
    """Whose gallery this is, as the cache keys it (the token's provider and subject)."""
    return str(js.pettubeGallery.ownerKey(login.provider, str(login.claims.get("sub", ""))))


def keep_last_visit(login: Login, thumbnails: dict[str, str]) -> None:
    """What the gallery shows now is what this person sees first next time (``thumbnails``: id -> URL)."""
    js.pettubeGallery.remember(last_visit_key(login), to_js(thumbnails, dict_converter=js.Object.fromEntries))


def forget_last_visit(login: Login) -> None:
    """Sign-out: this person's kept gallery and thumbnails leave the browser's storage."""
    js.pettubeGallery.forget(last_visit_key(login))


def drop_last_visit(unless: Login | None = None) -> None:
    """Take the last visit's cards off the page unless they are ``unless``'s (who else is signing in)."""
    gallery = find("#gallery")._dom_element
    shown_for = gallery.getAttribute("data-cached-for")
    if not shown_for or (unless is not None and str(shown_for) == last_visit_key(unless)):
        return
    gallery.replaceChildren()
    set_text("#media-count", "")
    show("#gallery-loading")
    workspace_usable()
    gallery_live()


def workspace_usable() -> None:
    """Python handles uploading and finding now (even if the listing that follows fails)."""
    js.pettubeGallery.lockControls(False)


def gallery_live() -> None:
    """Python has listed: the gallery is its own now, no longer marked as updating."""
    js.pettubeGallery.markUpdating(False)
    find("#gallery")._dom_element.removeAttribute("data-cached-for")


# ------------------------------------------------------------------ dialogs and notices
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
