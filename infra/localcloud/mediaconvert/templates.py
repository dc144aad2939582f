"""Job templates and output presets: stored by name, merged into a job when CreateJob names them.

Merge rule (what the job states wins): structures merge member by member, lists merge
item by item (the job's n-th input or output group over the template's n-th), scalars
in the job replace the template's. That is how a template's input settings gain the
job's ``FileInput`` and how VOD on AWS's encode function, which sends whole output
groups with ``JobTemplate``, gets exactly the groups it sent. An output naming a
``Preset`` gets the preset's container, video and audio settings under its own.
"""

from __future__ import annotations

import copy
import threading
from datetime import datetime, timezone
from typing import Any

from localcloud.mediaconvert import exceptions as errors
from localcloud.mediaconvert.paging import one_page
from localcloud.mediaconvert.spec import check_supported

# Members of CreateJobTemplate / CreatePreset kept as given (Settings apart).
TEMPLATE_FIELDS = ("Category", "Description", "Queue", "Priority", "StatusUpdateInterval", "AccelerationSettings", "HopDestinations")
PRESET_FIELDS = ("Category", "Description")
LIST_BY = ("NAME", "CREATION_DATE", "SYSTEM")
MAX_RESULTS = 20  # a page's size when the request names none, as on AWS


def merge(base: Any, override: Any) -> Any:
    """``override`` over ``base``: dicts by member, lists by index, anything else replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        return {key: merge(base[key], override[key]) if key in base and key in override else copy.deepcopy(override.get(key, base.get(key))) for key in base | override}
    if isinstance(base, list) and isinstance(override, list):
        return [merge(b, o) for b, o in zip(base, override)] + copy.deepcopy(override[len(base):] or base[len(override):])
    return copy.deepcopy(override)


class Library:
    """The account's job templates and presets (custom ones; the System- catalogue is not provided)."""

    def __init__(self, account_id: str, region: str) -> None:
        self.account_id, self.region = account_id, region
        self._items: dict[str, dict[str, dict[str, Any]]] = {"jobTemplates": {}, "presets": {}}
        self._lock = threading.Lock()

    def create(self, kind: str, request: dict[str, Any]) -> dict[str, Any]:
        """Store a template (``jobTemplates``) or preset (``presets``); a name in use is a ConflictException."""
        settings = request["Settings"]
        if kind == "jobTemplates":
            check_supported({"Settings": settings})
        else:
            check_supported({"Settings": {"OutputGroups": [{"Outputs": [settings]}]}})
        now = datetime.now(timezone.utc)
        name = request["Name"]
        item = {
            "Name": name,
            "Arn": f"arn:aws:mediaconvert:{self.region}:{self.account_id}:{kind}/{name}",
            "Type": "CUSTOM",
            "Settings": settings,
            "CreatedAt": now,
            "LastUpdated": now,
        } | {field: request[field] for field in (TEMPLATE_FIELDS if kind == "jobTemplates" else PRESET_FIELDS) if field in request}
        with self._lock:
            if name in self._items[kind]:
                raise errors.ConflictException(f"A {kind[:-1]} named {name!r} already exists")
            self._items[kind][name] = item
        return item

    def get(self, kind: str, name: str) -> dict[str, Any]:
        """One template or preset by name (or ARN), or NotFoundException."""
        item = self._items[kind].get(name.rpartition("/")[2] if name.startswith("arn:") else name)
        if item is None:
            raise errors.NotFoundException(f"The {kind[:-1]} {name!r} does not exist")
        return item

    def list(self, kind: str, params: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
        """One page of one kind (ListJobTemplates, ListPresets): by name or creation date, of one category.

        ``ListBy: SYSTEM`` asks for AWS's System- catalogue, which is not provided: an empty list.
        """
        list_by = params.get("ListBy", "NAME")
        if list_by not in LIST_BY:
            raise errors.BadRequestException(f"ListBy must be one of {', '.join(LIST_BY)}")
        items = [] if list_by == "SYSTEM" else [
            item for item in self._items[kind].values()
            if params.get("Category") is None or item.get("Category") == params["Category"]]
        items.sort(key=(lambda item: (item["CreatedAt"], item["Name"])) if list_by == "CREATION_DATE"
                   else (lambda item: item["Name"]), reverse=params.get("Order", "ASCENDING") == "DESCENDING")
        return one_page(items, int(params.get("MaxResults", MAX_RESULTS)), params.get("NextToken"))

    def delete(self, kind: str, name: str) -> None:
        """Remove one by name; unknown names are NotFoundException."""
        with self._lock:
            self._items[kind].pop(self.get(kind, name)["Name"])

    def expand(self, request: dict[str, Any]) -> dict[str, Any]:
        """The CreateJob request with its JobTemplate's and presets' settings merged in."""
        if "JobTemplate" in request:
            template = self.get("jobTemplates", request["JobTemplate"])
            defaults = {field: template[field] for field in ("Queue", "Priority", "StatusUpdateInterval", "AccelerationSettings") if field in template}
            request = merge({**defaults, "Settings": template["Settings"]}, request)
        for group in request.get("Settings", {}).get("OutputGroups", []):
            group["Outputs"] = [merge(self.get("presets", out["Preset"])["Settings"], out) if "Preset" in out else out for out in group.get("Outputs", [])]
        return request
