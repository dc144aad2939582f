"""botocore's data cut down to the calls the page makes.

botocore ships models for every AWS service, and each client it builds parses its whole
service model plus `endpoints.json` (every endpoint of every service). In the browser
that is seconds of parsing and, in the memory snapshot, megabytes: S3's model alone is
3.4 MB of Python objects and `endpoints.json` 7 MB. The page calls nine operations of three
services, so the wheel keeps only those operations, the shapes they reach, and those
services' endpoints, without documentation strings (read only to write docstrings).
No maintained library does this for botocore, hence this module.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

# What the page calls through boto3. The MyMedia API is signed with botocore.auth, which
# needs no model. S3's HeadBucket is what botocore's region redirector calls when a
# bucket answers from another region.
PAGE_API: dict[str, tuple[str, ...]] = {
    "s3": ("CreateMultipartUpload", "ListParts", "UploadPart", "CompleteMultipartUpload",
           "AbortMultipartUpload", "HeadBucket"),
    "cognito-identity": ("GetId", "GetCredentialsForIdentity", "GetOpenIdToken"),
    # Guests take the guest role by the basic flow (see app.auth.guest_exchange).
    "sts": ("AssumeRoleWithWebIdentity",),
}

_MODEL_FILE = "service-2.json"
_DOC_ONLY_FILES = ("examples-1.json",)


def _shape_references(node: Any, found: set[str]) -> None:
    """Add every shape name referenced anywhere under `node` ({"shape": name} dicts)."""
    if isinstance(node, dict):
        if isinstance(node.get("shape"), str):
            found.add(node["shape"])
        for value in node.values():
            _shape_references(value, found)
    elif isinstance(node, list):
        for value in node:
            _shape_references(value, found)


def _without_documentation(node: Any, member_names: bool = False) -> Any:
    """`node` without "documentation" entries; with `member_names`, its keys are names (a
    member or shape called "documentation" is kept)."""
    if isinstance(node, list):
        return [_without_documentation(value) for value in node]
    if not isinstance(node, dict):
        return node
    if member_names:
        return {name: _without_documentation(value) for name, value in node.items()}
    return {key: _without_documentation(value, member_names=key == "members")
            for key, value in node.items() if key != "documentation"}


def trim_service_model(model: dict[str, Any], operations: tuple[str, ...]) -> dict[str, Any]:
    """The model with only `operations` and the shapes they reach, undocumented."""
    missing = set(operations) - model["operations"].keys()
    if missing:
        raise KeyError(f"{model['metadata'].get('serviceId')} has no operation {', '.join(sorted(missing))}")
    kept_operations = {name: model["operations"][name] for name in operations}
    shapes: set[str] = set()
    _shape_references(kept_operations, shapes)
    pending = set(shapes)
    while pending:
        reached: set[str] = set()
        _shape_references([model["shapes"][name] for name in pending], reached)
        pending = reached - shapes
        shapes |= pending
    # Elsewhere (clientContextParams) botocore requires a documentation entry: keep those.
    return {**{key: value for key, value in model.items() if key != "documentation"},
            "operations": _without_documentation(kept_operations, member_names=True),
            "shapes": _without_documentation({name: model["shapes"][name] for name in sorted(shapes)},
                                             member_names=True)}


def trim_endpoints(endpoints: dict[str, Any], services: tuple[str, ...]) -> dict[str, Any]:
    """endpoints.json with every partition's settings but only `services`' entries."""
    partitions = [{**partition, "services": {name: entry for name, entry in partition["services"].items()
                                             if name in services}}
                  for partition in endpoints["partitions"]]
    return {**endpoints, "partitions": partitions}


def _dump(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


def trim_member(name: str, data: bytes, api: dict[str, tuple[str, ...]] = PAGE_API) -> tuple[str, bytes] | None:
    """What the slim wheel holds for botocore wheel member `name`: (name, bytes), or None to drop it.

    Service models come out as plain `.json` (botocore reads either): stored in the wheel
    and compressed by the server as a whole, they end smaller than gzip member by member.
    """
    parts = name.split("/")
    if parts[:2] != ["botocore", "data"]:
        return name, data
    if parts[2:] == ["endpoints.json"]:
        return name, _dump(trim_endpoints(json.loads(data), tuple(api)))
    if len(parts) == 3:
        return name, data  # shared by every service: partitions, retry and SDK defaults
    service, filename = parts[2], parts[-1]
    if service not in api or filename in _DOC_ONLY_FILES:
        return None
    if filename in (_MODEL_FILE, _MODEL_FILE + ".gz"):
        model = json.loads(gzip.decompress(data) if filename.endswith(".gz") else data)
        return "/".join(parts[:-1] + [_MODEL_FILE]), _dump(trim_service_model(model, api[service]))
    return name, data
