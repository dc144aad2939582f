"""Browser I/O for the pure modules: part PUTs by XHR, fetch for the API, localStorage, clipboard and share sheet.

Only this module and signin.py talk to browser APIs other than the DOM (views.py and
mediaviews.py own the DOM).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any, Callable

import js
from pyodide.ffi import create_proxy, to_js
from pyscript import fetch

from .mymedia import MyMediaError
from .upload import PartError
from .uploadplan import Part

logger = logging.getLogger("pettube.page")
STORE_PREFIX = "pettube.upload."
GUEST_IDENTITY = "pettube.guest-identity"
_STANDARD = set(vars(logging.makeLogRecord({})))


class ConsoleLogHandler(logging.Handler):
    """Structured log lines to the browser console (PyScript shows raw stderr as page errors)."""

    def emit(self, record: logging.LogRecord) -> None:
        fields = {key: value for key, value in vars(record).items() if key not in _STANDARD}
        line = f"[{record.name}] {record.getMessage()}" + (f" {json.dumps(fields, default=str)}" if fields else "")
        (js.console.warn if record.levelno >= logging.WARNING else js.console.info)(line)


class XhrPartSender:
    """PUTs ``file.slice(start, end)`` to a presigned URL: the bytes go from disk to S3, never through Python."""

    async def send(self, url: str, source: Any, part: Part, on_progress: Callable[[int], None]) -> str:
        """Send one part with upload-progress events; return its ETag (exposed by the bucket's CORS)."""
        loop = asyncio.get_event_loop()
        done: asyncio.Future[str] = loop.create_future()
        xhr = js.XMLHttpRequest.new()

        def progress(event: Any) -> None:
            on_progress(int(event.loaded))

        def finished(_event: Any) -> None:
            if done.done():
                return
            status = int(xhr.status)
            if 200 <= status < 300:
                etag = xhr.getResponseHeader("ETag")
                if etag:
                    done.set_result(str(etag))
                else:
                    done.set_exception(PartError("The storage service hid the ETag header (bucket CORS).", retryable=False))
            elif status == 0:
                done.set_exception(PartError("Connection lost."))
            else:
                # 403 usually means the signing credentials expired: a fresh URL fixes it.
                done.set_exception(PartError(f"The storage service answered {status}.", retryable=status in (403, 408, 429) or status >= 500))

        proxies = [create_proxy(progress), create_proxy(finished)]
        xhr.upload.addEventListener("progress", proxies[0])
        for name in ("load", "error", "timeout", "abort"):
            xhr.addEventListener(name, proxies[1])
        try:
            xhr.open("PUT", url)
            xhr.send(source.slice(part.start, part.end))
            return await done
        finally:
            if not done.done():
                xhr.abort()  # canceled: stop the bytes in flight
            for proxy in proxies:
                proxy.destroy()


class LocalResumeStore:
    """Unfinished uploads (upload id + key by file fingerprint) in localStorage, so a reload can resume."""

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored record for a file, if any."""
        raw = js.localStorage.getItem(STORE_PREFIX + key)
        try:
            return json.loads(raw) if raw else None
        except ValueError:
            return None

    def put(self, key: str, record: dict[str, Any]) -> None:
        """Remember an upload as soon as S3 has given it an id."""
        js.localStorage.setItem(STORE_PREFIX + key, json.dumps(record))

    def delete(self, key: str) -> None:
        """Forget a finished or canceled upload."""
        js.localStorage.removeItem(STORE_PREFIX + key)

    def items(self) -> list[tuple[str, dict[str, Any]]]:
        """Every unfinished upload (fingerprint, record), to remind the person after a reload."""
        found = []
        for index in range(int(js.localStorage.length)):
            name = js.localStorage.key(index)
            if name and str(name).startswith(STORE_PREFIX):
                key = str(name)[len(STORE_PREFIX):]
                record = self.get(key)
                if record:
                    found.append((key, record))
        return found


def saved_guest_identity() -> str | None:
    """The guest identity id Cognito gave this browser before (AWS: cache it, do not mint one per visit)."""
    return js.localStorage.getItem(GUEST_IDENTITY) or None


def save_guest_identity(identity_id: str) -> None:
    """Keep the guest identity id across visits (it is no secret: credentials still come from Cognito)."""
    js.localStorage.setItem(GUEST_IDENTITY, identity_id)


async def copy_text(text: str) -> bool:
    """Put text on the clipboard; False when the browser refuses (no permission, no focus)."""
    try:
        await js.navigator.clipboard.writeText(text)
        return True
    except Exception:  # noqa: BLE001 - a JS NotAllowedError, or no clipboard API at all
        return False


def can_share() -> bool:
    """True where the browser has a system share sheet (phones, some desktops)."""
    return hasattr(js.navigator, "share")


async def share_link(title: str, url: str) -> None:
    """Open the system share sheet; closing it without choosing is not an error."""
    try:
        await js.navigator.share(to_js({"title": title, "url": url}, dict_converter=js.Object.fromEntries))
    except Exception:  # noqa: BLE001 - AbortError when the person closes the sheet
        logger.info("share sheet closed")


async def fetch_send(method: str, url: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, str]:
    """Send a signed API request with the browser's fetch; HTTP errors come back as statuses."""
    options: dict[str, Any] = {"method": method, "headers": headers, "mode": "cors"}
    if body:
        options["body"] = body.decode()  # the exact bytes that were signed (JSON is UTF-8)
    try:
        response = await fetch(url, **options)
        return int(response.status), str(await response.text())
    except Exception as exc:  # noqa: BLE001 - a JS TypeError: offline, DNS, CORS refused
        raise MyMediaError("Cannot reach the media service. Check your connection.") from exc


async def fetch_json(url: str) -> dict[str, Any]:
    """GET a JSON document from the site (config.json), failing on HTTP errors."""
    response = await fetch(url, cache="no-store")
    if not response.ok:
        raise OSError(f"{url} answered {response.status}")
    return json.loads(str(await response.text()))
