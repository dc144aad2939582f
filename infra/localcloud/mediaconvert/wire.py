"""MediaConvert's REST-JSON wire format <-> boto3 parameter names, driven by botocore's model.

On the wire MediaConvert spells members in lowerCamelCase (``outputGroups``); boto3
and this service's models use the model's member names (``OutputGroups``). Walking
botocore's shapes both ways keeps the service free of hand-written field tables,
and the walk validates what botocore's client-side ``ParamValidator`` does not
(enums, maximums, unknown members), as the real service does.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape
from botocore.validate import ParamValidator

from localcloud.mediaconvert.exceptions import BadRequestException


@lru_cache(maxsize=1)
def service_model() -> ServiceModel:
    """botocore's MediaConvert model (loaded once: it is several MB of JSON)."""
    return botocore.session.get_session().get_service_model("mediaconvert")


def operation(name: str) -> OperationModel:
    """The model of one operation, e.g. ``CreateJob``."""
    return service_model().operation_model(name)


def _wire_name(name: str, member: Shape) -> str:
    return member.serialization.get("name", name)


def from_wire(shape: Shape, value: Any, path: str = "") -> Any:
    """Turn wire JSON into boto3-named params, refusing unknown members and bad values."""
    where = path or shape.name
    if shape.type_name == "structure":
        if not isinstance(value, dict):
            raise BadRequestException(f"{where}: expected an object")
        by_wire = {_wire_name(name, member): (name, member) for name, member in shape.members.items()}
        params = {}
        for key, item in value.items():
            if key not in by_wire:
                raise BadRequestException(f"{where}: unknown member {key!r}")
            name, member = by_wire[key]
            params[name] = from_wire(member, item, f"{path}.{name}" if path else name)
        return params
    if shape.type_name == "list":
        if not isinstance(value, list):
            raise BadRequestException(f"{where}: expected a list")
        return [from_wire(shape.member, item, f"{where}[{index}]") for index, item in enumerate(value)]
    if shape.type_name == "map":
        if not isinstance(value, dict):
            raise BadRequestException(f"{where}: expected an object")
        return {key: from_wire(shape.value, item, f"{where}.{key}") for key, item in value.items()}
    _check_scalar(shape, value, where)
    return value


def _check_scalar(shape: Shape, value: Any, where: str) -> None:
    enum = shape.metadata.get("enum")
    if enum and value not in enum:
        raise BadRequestException(f"{where}: {value!r} is not one of {', '.join(enum)}")
    if shape.type_name in ("integer", "long", "double", "float") and isinstance(value, (int, float)):
        if "max" in shape.metadata and value > shape.metadata["max"]:
            raise BadRequestException(f"{where}: {value} is above the maximum {shape.metadata['max']}")


def validate(shape: Shape, params: dict[str, Any]) -> None:
    """botocore's own checks (required members, types, minimums) on boto3-named params."""
    report = ParamValidator().validate(params, shape)
    if report.has_errors():
        raise BadRequestException(report.generate_report())


def to_wire(shape: Shape, value: Any) -> Any:
    """Turn boto3-named values into the wire JSON botocore's client parses back."""
    if value is None:
        return None
    if shape.type_name == "structure":
        return {
            _wire_name(name, shape.members[name]): to_wire(shape.members[name], item)
            for name, item in value.items()
            if item is not None
        }
    if shape.type_name == "list":
        return [to_wire(shape.member, item) for item in value]
    if shape.type_name == "map":
        return {key: to_wire(shape.value, item) for key, item in value.items()}
    if shape.type_name == "timestamp" and isinstance(value, datetime):
        # MediaConvert's timestamps are unixTimestamp: seconds since the epoch.
        return value.astimezone(timezone.utc).timestamp()
    return value
