"""The template's functions as the Lambda API describes them, and their invocation by the local runtime."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from localcloud.lambdaapi.exceptions import InvalidRequestContentException, ResourceNotFoundException
from localcloud.lambdaruntime.runtime import FunctionError, LambdaRuntime
from localcloud.logs import FunctionLogs, function_log_groups
from localcloud.stack import Stack

LATEST = "$LATEST"
# A function's name, ARN or partial ARN, with an optional qualifier (Lambda's own pattern, simplified).
_NAME = re.compile(r"^(?:(?:arn:aws:lambda:[\w-]+:)?\d{12}:function:)?(?P<name>[\w-]+)(?::(?P<qualifier>[\w$-]+))?$")


@dataclass(frozen=True)
class Invocation:
    """What a RequestResponse invocation answered: the result, or the function error's payload; its log's tail."""

    payload: Any
    function_error: str | None = None
    log_tail: str | None = None


def _code_digest(code_dir: Path) -> tuple[str, int, float]:
    """(CodeSha256, CodeSize, newest mtime) of the code the runtime loads: its Python sources, as deployed."""
    digest, size, newest = hashlib.sha256(), 0, 0.0
    for path in sorted(code_dir.rglob("*.py")):
        data = path.read_bytes()
        digest.update(path.relative_to(code_dir).as_posix().encode() + b"\0" + data)
        size += len(data)
        newest = max(newest, path.stat().st_mtime)
    return base64.b64encode(digest.digest()).decode("ascii"), size, newest


class LambdaBackend:
    """Reads the functions from the stack and the runtime (whose specs may change at run time)."""

    def __init__(self, stack: Stack, runtime: LambdaRuntime, code_dir: Path,
                 enqueue: Callable[[str, Any], None], logs: FunctionLogs | None = None) -> None:
        self.stack = stack
        self.runtime = runtime
        self._logs = logs  # where LogType=Tail reads an invocation's lines
        self._code_dir = code_dir
        self._enqueue = enqueue  # asynchronous invocation: onto the function's event queue
        self._log_groups = function_log_groups(stack)

    def defines(self, function_name: str) -> bool:
        """True when a FunctionName (name, ARN or partial ARN) names one of the template's functions."""
        name = _name_and_qualifier(function_name)[0]
        return any(spec.name == name for spec in self.stack.functions.values())

    def logical_id(self, function_name: str, qualifier: str | None = None) -> str:
        """The logical id of the function a FunctionName (and Qualifier) names; raises ResourceNotFoundException."""
        name, named_qualifier = _name_and_qualifier(function_name)
        qualifier = qualifier or named_qualifier
        for logical_id, spec in self.stack.functions.items():
            if spec.name == name:
                if qualifier not in (None, LATEST):
                    raise ResourceNotFoundException(
                        f"Function not found: {self.stack.arn(logical_id)}:{qualifier}")
                return logical_id
        arn = f"arn:aws:lambda:{self.stack.region}:{self.stack.account_id}:function:{name}"
        raise ResourceNotFoundException(f"Function not found: {arn}")

    def configuration(self, logical_id: str) -> dict[str, Any]:
        """FunctionConfiguration, from the template's properties and the runtime's current spec."""
        spec = self.runtime.spec(logical_id)
        props = self.stack.resources[logical_id]["Properties"]
        sha, size, modified = _code_digest(self._code_dir)
        configuration: dict[str, Any] = {
            "FunctionName": spec.name, "FunctionArn": self.stack.arn(logical_id), "Runtime": props.get("Runtime"),
            "Role": props.get("Role"), "Handler": spec.handler, "CodeSize": size,
            "Description": props.get("Description", ""), "Timeout": spec.timeout, "MemorySize": spec.memory_mb,
            "LastModified": datetime.fromtimestamp(modified, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
            + "+0000",
            "CodeSha256": sha, "Version": LATEST, "Environment": {"Variables": dict(spec.environment)},
            "TracingConfig": {"Mode": props.get("TracingConfig", {}).get("Mode", "PassThrough")},
            "State": "Active", "LastUpdateStatus": "Successful", "PackageType": "Zip",
            "Architectures": props.get("Architectures", ["x86_64"]), "EphemeralStorage": {"Size": 512},
            "LoggingConfig": {"LogFormat": props.get("LoggingConfig", {}).get("LogFormat", "Text"),
                              "LogGroup": self._log_groups[logical_id].name},
        }
        return {key: value for key, value in configuration.items() if value is not None}

    def list_functions(self) -> list[dict[str, Any]]:
        return [self.configuration(logical_id) for logical_id in self.stack.functions]

    def tags(self, logical_id: str) -> dict[str, str]:
        return {tag["Key"]: str(tag["Value"])
                for tag in self.stack.resources[logical_id]["Properties"].get("Tags", [])}

    def invoke(self, logical_id: str, event: Any, *, tail: bool = False) -> Invocation:
        """RequestResponse: the handler's result, or its error payload flagged ``Unhandled`` as Lambda does.

        ``tail`` (LogType=Tail) adds the last 4 KB of the invocation's log lines.
        """
        request_id = str(uuid.uuid4())
        try:
            payload, function_error = self.runtime.invoke(logical_id, event, request_id), None
        except FunctionError as error:
            payload = {key: error.payload[key] for key in ("errorMessage", "errorType", "stackTrace")
                       if key in error.payload}
            function_error = "Unhandled"
        log_tail = self._logs.invocation_tail(logical_id, request_id) if tail and self._logs else None
        return Invocation(payload, function_error, log_tail)

    def invoke_async(self, logical_id: str, event: Any) -> None:
        """Event: queued like S3's and EventBridge's events (retries, then the OnFailure destination)."""
        self._enqueue(logical_id, event)


def _name_and_qualifier(function_name: str) -> tuple[str, str | None]:
    """A FunctionName's function name and the qualifier it carries, if any (``name:7``, an ARN's ``:prod``)."""
    match = _NAME.match(function_name)
    return (match["name"], match["qualifier"]) if match else (function_name, None)


def event_payload(raw: bytes | None) -> Any:
    """The invocation's JSON payload (Lambda passes null when there is none)."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise InvalidRequestContentException(f"Could not parse request body into json: {exc}") from None
