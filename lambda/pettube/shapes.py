"""Refusing an event a function is not wired to receive, with a named error instead of a KeyError deep inside.

Each handler states the fields it reads (dotted paths; ``name[]`` means every item of
a non-empty list). An event without them (a bad test invoke, a misrouted rule, a
hand-written redrive) fails at once with ``MalformedEvent`` naming the field, which is
what the dead-letter queue and the log then show.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pettube.errors import MalformedEvent

Handler = TypeVar("Handler", bound=Callable[..., Any])


def expects(kind: str, fields: Mapping[str, type]) -> Callable[[Handler], Handler]:
    """Decorate a handler so an event lacking any of ``fields`` raises ``MalformedEvent`` before it runs."""
    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def checked(event: Any, context: Any) -> Any:
            for path, expected in fields.items():
                if problem := _problem(event, path, expected):
                    raise MalformedEvent(f"not {kind}: {problem}")
            return handler(event, context)
        return checked  # type: ignore[return-value]
    return decorate


def _problem(value: Any, path: str, expected: type) -> str | None:
    """What is wrong with ``path`` in ``value`` (None: present, with the expected type)."""
    head, _, rest = path.partition(".")
    name = head.removesuffix("[]")
    inner = value.get(name) if isinstance(value, dict) else None
    if head.endswith("[]"):
        if not isinstance(inner, list) or not inner:
            return f"{name} is missing or not a non-empty list"
        return next((problem for item in inner if (problem := _problem(item, rest, expected))), None)
    if rest:
        return _problem(inner, rest, expected) if isinstance(inner, dict) else f"{name} is missing or not an object"
    return None if isinstance(inner, expected) else f"{name} is missing or not a {expected.__name__}"
