"""The page's background work (credential renewal, polling, fresh URLs), one task per name."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class Tasks:
    """Named asyncio tasks: at most one runs per name, and sign-out stops them all."""

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[Any]] = {}

    def running(self, name: str) -> bool:
        """True while the task of that name has not finished."""
        task = self._tasks.get(name)
        return task is not None and not task.done()

    def run(self, name: str, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Start a task unless one of that name is running (the new one is then dropped)."""
        if self.running(name):
            coroutine.close()
            return
        self._tasks[name] = asyncio.ensure_future(coroutine)

    def restart(self, name: str, coroutine: Coroutine[Any, Any, Any]) -> None:
        """Replace the task of that name (its work is about something no longer shown)."""
        self.cancel(name)
        self._tasks[name] = asyncio.ensure_future(coroutine)

    def cancel(self, name: str) -> None:
        """Stop the task of that name, if any."""
        task = self._tasks.pop(name, None)
        if task is not None and not task.done():
            task.cancel()

    def cancel_all(self) -> None:
        """Stop everything (sign-out)."""
        for name in list(self._tasks):
            self.cancel(name)
