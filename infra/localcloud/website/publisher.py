"""site/ into the local site bucket, with the code `make deploy` publishes it with, kept current.

At start everything goes up that the bucket lacks or holds otherwise (deploy.site.publish:
types, cache lifetimes, compressed siblings, app.zip, config.json from the stack's values).
Afterwards ``refresh`` publishes again when a file under site/ changed since the last time
(a look at every file's size and modification time, about 2 ms): the local CloudFront calls it
before a browser's navigation, so a reload after an edit shows the edit, with no watcher
thread and no moment when the page and the bucket disagree. Only changed objects are put:
the publisher remembers what the bucket holds.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from deploy import site as deploy_site
from localcloud.website.bucket import MotoBucket
from sitepack import bytecode

log = logging.getLogger("localcloud.website")

Snapshot = dict[str, tuple[int, int]]


def snapshot(root: Path) -> Snapshot:
    """Size and modification time of every file under `root` but dot- and __pycache__ directories."""
    found: Snapshot = {}
    pending = [str(root)]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.name.startswith(".") or entry.name == "__pycache__":
                    continue
                if entry.is_dir():
                    pending.append(entry.path)
                else:
                    stat = entry.stat()
                    found[entry.path] = (stat.st_mtime_ns, stat.st_size)
    return found


class SitePublisher:
    """Publishes `site_dir` into `bucket` through `s3` (an admin client of the local edge)."""

    def __init__(self, s3: Any, bucket: MotoBucket, site_dir: Path, config: Callable[[], dict[str, Any]]) -> None:
        self.s3 = s3
        self.bucket = bucket
        self.site_dir = site_dir
        self._config = config
        self._known: dict[str, deploy_site.ObjectState] | None = None
        self._published: Snapshot | None = None
        self._lock = threading.Lock()
        self._prepared: threading.Thread | None = None

    def prepare(self) -> None:
        """Read the site and compress its app archive in the background (brotli lets go of the
        interpreter lock), so the first ``publish`` finds the archive compressed: a cloud start spends
        the 0.4 s it takes while it provisions the template."""
        self._prepared = threading.Thread(target=self._read_site, name="site-prepare", daemon=True)
        self._prepared.start()

    def _read_site(self) -> None:
        with contextlib.suppress(Exception):  # publish() meets the same error and reports it
            list(deploy_site.site_files(self.site_dir))

    def publish(self) -> deploy_site.PublishReport:
        """Put what changed since the last publish, or, the first time, what the bucket (which may be
        kept from an earlier start) lacks or holds otherwise."""
        if self._prepared is not None:
            self._prepared.join()
        with self._lock:
            return self._publish(snapshot(self.site_dir))

    def refresh(self) -> deploy_site.PublishReport | None:
        """Publish again if a file under site/ changed since the last publish, or the bucket no longer
        holds what was published (an in-memory look at its objects); None if neither.

        A reload does not wait for Node to compile an edited module (seconds): app.zip goes up
        without that bytecode (the page compiles the module itself) and again, with it, on the
        first reload after the compile finished."""
        with self._lock:
            current = snapshot(self.site_dir)
            stored = self.bucket.object_states()
            if current == self._published and self._known is not None and all(
                    stored.get(key) == state for key, state in self._known.items()):
                return None
            self._known = stored  # what the bucket holds now (another cloud in this process may have written it)
            return self._publish(current, wait_for_bytecode=False)

    def _publish(self, current: Snapshot, *, wait_for_bytecode: bool = True) -> deploy_site.PublishReport:
        if self._known is None:
            self._known = self.bucket.object_states()
        report = deploy_site.publish(self.s3, self.bucket.name, self._config(), self.site_dir, known=self._known,
                                     wait_for_bytecode=wait_for_bytecode)
        self._published = None if bytecode.compiling() else current
        if report.uploaded:
            log.info(json.dumps({"event": "site_published", "bucket": self.bucket.name, "uploaded": report.uploaded,
                                 "unchanged": report.unchanged}))
        return report
