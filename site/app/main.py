"""PetTube's page: start-up, and event wiring only (the work is in app.controller, the DOM in the views)."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

import js
from pyscript import when

from app import mediaviews, playerviews, pyodide_fixes, views
from app.config import ConfigError, SiteConfig
from app.controller import Controller
from app.signin import UserPoolSignIn
from app.transport import ConsoleLogHandler, fetch_json

logging.basicConfig(level=logging.INFO, handlers=[ConsoleLogHandler()])
pyodide_fixes.apply()  # before any boto3 request
try:
    CONFIG = SiteConfig.from_dict(await fetch_json("/config.json"))  # noqa: F704 - PyScript runs top-level await
except (ConfigError, OSError) as exc:
    views.boot_failed(f"The site configuration could not be read: {exc}")
    raise
USER_POOL = UserPoolSignIn(CONFIG) if CONFIG.has_user_pool and hasattr(js, "AmazonCognitoIdentity") else None
page = Controller(CONFIG, USER_POOL)
views.show("#email-signin", USER_POOL is not None)


@when("hashchange", js.window)
async def address_changed(event) -> None:
    await page.route("#" + urlsplit(str(event.newURL)).fragment)


@when("click", "#google-signin")
def google_clicked(event) -> None:
    event.preventDefault()  # the form's redirect sign-in (for before Python) gives way to the popup
    asyncio.ensure_future(page.sign_in_with_google())


@when("click", "#signout")
def signout_clicked(event) -> None:
    page.sign_out()


@when("click", "#email-mode")
def email_mode_clicked(event) -> None:
    found = views.action_of(event)
    if found:
        page.choose_email_mode(found[1]["mode"])


@when("submit", "#email-form")
def email_submitted(event) -> None:
    event.preventDefault()  # synchronously: an async handler runs after the browser has submitted
    asyncio.ensure_future(page.submit_email())


@when("submit", "#code-form")
def code_submitted(event) -> None:
    event.preventDefault()
    asyncio.ensure_future(page.submit_code())


@when("change", "#file-input")
def files_chosen(event) -> None:
    page.add_files(event.target.files)
    views.clear_file_input(event.target)


@when("dragover", "#dropzone")
def drag_over(event) -> None:
    event.preventDefault()
    views.dropzone_active(True)


@when("dragleave", "#dropzone")
def drag_left(event) -> None:
    views.dropzone_active(False)


@when("drop", "#dropzone")
def dropped(event) -> None:
    event.preventDefault()
    views.dropzone_active(False)
    page.add_files(event.dataTransfer.files)


@when("click", "#uploads")
def upload_action(event) -> None:
    found = views.action_of(event)
    if not found:
        return
    action, data = found
    if action == "cancel":
        page.uploader.cancel(data["id"])
    elif action == "retry":
        page.uploader.retry(data["id"])
    else:
        mediaviews.remove_upload(data["id"])


@when("click", "#gallery, #player, #watch-sizes")
async def media_action(event) -> None:
    found = views.action_of(event)
    if found:
        await page.act(*found)


@when("submit", "#gallery, #player")
def details_submitted(event) -> None:
    event.preventDefault()
    asyncio.ensure_future(page.details.save_edit(views.form_fields(event.target)))


@when("input", "#search")
def search_typed(event) -> None:
    page.search(str(event.target.value))


@when("change", "#sort")
def sort_chosen(event) -> None:
    page.sort(str(event.target.value))


@when("change", "#share-visibility")
async def visibility_chosen(event) -> None:
    await page.details.set_visibility(str(event.target.value))


@when("click", "#copy-link")
async def copy_clicked(event) -> None:
    await page.details.copy_link()


@when("click", "#system-share")
async def share_clicked(event) -> None:
    await page.details.share_sheet()


@when("close", "#player")
def player_closed(event) -> None:
    playerviews.close_player()


@when("click", "#refresh")
async def refresh_clicked(event) -> None:
    await page.refresh()


@when("online", js.window)
def back_online(event) -> None:
    page.uploader.retry_failed()


QUEUED_EMAIL_SIGNIN = views.take_over_sign_in()
await page.start(str(js.location.hash))  # noqa: F704
if QUEUED_EMAIL_SIGNIN and USER_POOL is not None:
    asyncio.ensure_future(page.submit_email())
views.mark_ready()
