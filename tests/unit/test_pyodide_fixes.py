"""The urllib3/Emscripten fix, on a stand-in for EmscriptenRequest (the real one imports `js`)."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from app import pyodide_fixes


@dataclass
class FakeEmscriptenRequest:
    """urllib3 2.8's EmscriptenRequest: what set_header/set_body store is what the browser sends."""

    body: object = None
    headers: dict[str, object] = field(default_factory=dict)

    def set_header(self, name: str, value: object) -> None:
        self.headers[name.capitalize()] = value

    def set_body(self, body: object) -> None:
        self.body = body


def patched() -> type[FakeEmscriptenRequest]:
    request_class = type("Request", (FakeEmscriptenRequest,), {})
    pyodide_fixes.patch(request_class)
    return request_class


def test_bytes_header_values_go_out_as_text_not_as_a_python_repr() -> None:
    request = patched()()
    request.set_header("Content-Type", b"video/mp4")
    request.set_header("X-Amz-Meta-Title", "caf\xe9".encode("latin-1"))
    assert request.headers == {"Content-type": "video/mp4", "X-amz-meta-title": "caf\xe9"}


def test_a_file_like_body_is_sent_as_its_bytes_from_the_current_position() -> None:
    body = io.BytesIO(b"skip|payload")
    body.seek(5)
    request = patched()()
    request.set_body(body)
    assert request.body == b"payload"


def test_bytes_and_empty_bodies_pass_through() -> None:
    request = patched()()
    request.set_body(b"raw")
    assert request.body == b"raw"
    request.set_body(None)
    assert request.body is None


def test_headers_the_browser_sets_itself_are_left_out() -> None:
    request = patched()()
    request.set_header("Expect", b"100-continue")
    request.set_header("Content-Length", "12")
    assert request.headers == {}


def test_patching_twice_does_not_wrap_twice() -> None:
    request_class = patched()
    first = request_class.set_header
    pyodide_fixes.patch(request_class)
    assert request_class.set_header is first


def test_apply_is_a_no_op_outside_the_browser() -> None:
    assert pyodide_fixes.apply() is False
