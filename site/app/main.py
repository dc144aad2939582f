"""PetTube's page: start-up and event wiring only (the work is in app.controller)."""

from __future__ import annotations

import asyncio
import logging

import js
from pyscript import when

from app import mediaviews, pyodide_fixes, views
from app.auth import AuthError
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
EMAIL_MODE = {"form": "signin", "code": "confirm"}


@when("click", "#google-signin")
async def google_clicked(event) -> None:
    await page.sign_in_with_google()


@when("click", "#signout")
def signout_clicked(event) -> None:
    page.sign_out()


@when("click", "#email-mode [data-mode]")
def email_mode_clicked(event) -> None:
    mode = str(event.currentTarget.dataset.mode)
    EMAIL_MODE["form"] = mode
    views.email_mode(mode)


@when("submit", "#email-form")
def email_submitted(event) -> None:
    event.preventDefault()  # synchronously: an async handler runs after the browser has submitted
    asyncio.ensure_future(submit_email())


async def submit_email() -> None:
    email, password = views.form_value("#email"), views.form_value("#password")
    mode = EMAIL_MODE["form"]
    views.show_error("#signin-error", "")
    views.set_busy("#email-submit", True)
    try:
        if mode == "signin":
            await page.enter(await USER_POOL.sign_in(email, password))
        elif mode == "signup":
            await USER_POOL.sign_up(email, password)
            EMAIL_MODE["code"] = "confirm"
            views.code_step(f"We sent a confirmation code to {email}.", new_password=False)
        else:
            await USER_POOL.forgot_password(email)
            EMAIL_MODE["code"] = "reset"
            views.code_step(f"If {email} has an account, a reset code is on its way.", new_password=True)
    except AuthError as exc:
        views.show_error("#signin-error", str(exc))
    finally:
        views.set_busy("#email-submit", False)


@when("submit", "#code-form")
def code_submitted(event) -> None:
    event.preventDefault()
    asyncio.ensure_future(submit_code())


async def submit_code() -> None:
    email, code = views.form_value("#email"), views.form_value("#code")
    views.set_busy("#code-submit", True)
    try:
        if EMAIL_MODE["code"] == "confirm":
            await USER_POOL.confirm(email, code)
            await page.enter(await USER_POOL.sign_in(email, views.form_value("#password")))
        else:
            await USER_POOL.reset_password(email, code, views.form_value("#new-password"))
            views.email_mode("signin")
            views.show_error("#signin-error", "Password changed. Sign in with the new one.")
    except AuthError as exc:
        views.show_error("#signin-error", str(exc))
    finally:
        views.set_busy("#code-submit", False)


@when("change", "#file-input")
def files_chosen(event) -> None:
    page.add_files(event.target.files)
    event.target.value = ""  # choosing the same file again (to resume) fires change again


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
    button = event.target.closest("[data-action]")
    if not button:
        return
    action, upload_id = str(button.dataset.action), str(button.dataset.id)
    if action == "cancel":
        page.uploader.cancel(upload_id)
    elif action == "retry":
        page.uploader.retry(upload_id)
    else:
        mediaviews.remove_upload(upload_id)


@when("click", "#gallery")
async def gallery_action(event) -> None:
    button = event.target.closest("[data-action]")
    if not button:
        return
    if str(button.dataset.action) == "play":
        page.play(str(button.dataset.id))
    elif str(button.dataset.action) == "delete":
        await page.delete(str(button.dataset.id))


@when("click", "#player-sizes")
def size_chosen(event) -> None:
    button = event.target.closest("[data-action=size]")
    if button:
        page.play(str(button.dataset.id), str(button.dataset.label))


@when("close", "#player")
def player_closed(event) -> None:
    mediaviews.close_player()


@when("click", "#refresh")
async def refresh_clicked(event) -> None:
    await page.refresh()


@when("online", js.window)
def back_online(event) -> None:
    page.uploader.retry_failed()


await page.start()  # noqa: F704
js.document.body.dataset.ready = "true"
