"""HTTP <-> operations: routes come from botocore's model, one snake_case method per operation."""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from botocore import xform_name
from botocore.model import OperationModel
from werkzeug.wrappers import Request, Response

from localcloud.access.authenticate import Authenticator
from localcloud.access.errors import AuthError
from localcloud.access.responses import json_error
from localcloud.awserrors import rest_json_response
from localcloud.controlplane import route
from localcloud.mediaconvert import wire
from localcloud.mediaconvert.exceptions import BadRequestException, MediaConvertApiError, NotFoundException
from localcloud.mediaconvert.models import MediaConvertBackend


# Job template and preset operations -> (verb, Library kind, the answer's member).
LIBRARY_OPERATIONS: dict[str, tuple[str, str, str | None]] = {
    "CreateJobTemplate": ("Create", "jobTemplates", "JobTemplate"),
    "GetJobTemplate": ("Get", "jobTemplates", "JobTemplate"),
    "ListJobTemplates": ("List", "jobTemplates", "JobTemplates"),
    "DeleteJobTemplate": ("Delete", "jobTemplates", None),
    "CreatePreset": ("Create", "presets", "Preset"),
    "GetPreset": ("Get", "presets", "Preset"),
    "ListPresets": ("List", "presets", "Presets"),
    "DeletePreset": ("Delete", "presets", None),
}


class MediaConvertResponse:
    """Parses a request with the operation's input shape, calls the method, serialises its output."""

    def __init__(self, backend: MediaConvertBackend, endpoint_url: str, authenticator: Authenticator) -> None:
        self.backend = backend
        self.endpoint_url = endpoint_url
        self._auth = authenticator

    def dispatch(self, request: Request) -> Response:
        """Answer one HTTP request; every failure becomes AWS's error shape."""
        try:
            # Jobs carry every user's identity id and object keys: only the admin key (the Lambdas') may call,
            # as only the functions' execution role may on AWS (the identity pool's roles grant no mediaconvert:*).
            self._auth.admin(request, service="mediaconvert")
        except AuthError as error:
            return rest_json_response(json_error(error))
        try:
            routed = route("mediaconvert", request)
            if routed is None:
                raise NotFoundException(f"No MediaConvert operation for {request.method} {request.path}")
            operation, uri_params = routed
            if operation.name in LIBRARY_OPERATIONS:
                handler = partial(self._library, operation.name)
            else:
                handler = getattr(self, xform_name(operation.name), None)
            if handler is None:
                raise BadRequestException(f"{operation.name} is not supported by the local MediaConvert; see docs/mediaconvert.md")
            params = self._parse(operation, request, uri_params)
            result = handler(params)
        except MediaConvertApiError as exc:
            return rest_json_response(exc)
        body = wire.to_wire(operation.output_shape, result) if operation.output_shape else {}
        return Response(json.dumps(body), status=operation.http.get("responseCode", 200), content_type="application/json")

    @staticmethod
    def _parse(operation: OperationModel, request: Request, uri_params: dict[str, str]) -> dict[str, Any]:
        shape = operation.input_shape
        if shape is None:
            return {}
        params: dict[str, Any] = {}
        for name, member in shape.members.items():
            location, wire_name = member.serialization.get("location"), member.serialization.get("name", name)
            if location == "uri" and wire_name in uri_params:
                params[name] = uri_params[wire_name]
            elif location == "querystring" and wire_name in request.args:
                value = request.args[wire_name]
                params[name] = int(value) if member.type_name == "integer" and value.lstrip("-").isdigit() else value
        raw = request.get_data(as_text=True)
        if raw:
            try:
                body = json.loads(raw)
            except ValueError as exc:
                raise BadRequestException("The request body is not valid JSON") from exc
            params.update(wire.from_wire(shape, body))
        wire.validate(shape, params)
        return params

    def create_job(self, params: dict[str, Any]) -> dict[str, Any]:
        """CreateJob: validate and queue; answer 201 with the SUBMITTED job."""
        return {"Job": self.backend.create_job(params).to_api()}

    def get_job(self, params: dict[str, Any]) -> dict[str, Any]:
        """GetJob."""
        return {"Job": self.backend.get_job(params["Id"]).to_api()}

    def list_jobs(self, params: dict[str, Any]) -> dict[str, Any]:
        """ListJobs: newest first unless Order=ASCENDING; MaxResults 1..20."""
        jobs, token = self.backend.list_jobs(
            params.get("MaxResults", 20), params.get("NextToken"), params.get("Order", "DESCENDING"), params.get("Status"), params.get("Queue")
        )
        return {"Jobs": [job.to_api() for job in jobs], "NextToken": token}

    def cancel_job(self, params: dict[str, Any]) -> dict[str, Any]:
        """CancelJob: 202 with an empty body."""
        self.backend.cancel_job(params["Id"])
        return {}

    def get_queue(self, params: dict[str, Any]) -> dict[str, Any]:
        """GetQueue: the Default queue (the only one here) with its job counts."""
        return {"Queue": self.backend.get_queue(params["Name"])}

    def list_queues(self, params: dict[str, Any]) -> dict[str, Any]:
        """ListQueues: one page holding the Default queue."""
        concurrency = self.backend.concurrency
        return {"Queues": [self.backend.get_queue("Default")], "TotalConcurrentJobs": concurrency, "UnallocatedConcurrentJobs": 0}

    def update_queue(self, params: dict[str, Any]) -> dict[str, Any]:
        """UpdateQueue: Status (ACTIVE or PAUSED) and Description; reservations and concurrency are AWS's alone."""
        unsupported = sorted(set(params) - {"Name", "Status", "Description"})
        if unsupported:
            raise BadRequestException(f"UpdateQueue: {', '.join(unsupported)} is not supported by the local MediaConvert")
        return {"Queue": self.backend.update_queue(params["Name"], params.get("Status"), params.get("Description"))}

    def _library(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """The job template and preset operations (Create 201, Get, List a page at a time, Delete 202)."""
        verb, kind, member = LIBRARY_OPERATIONS[operation]
        library = self.backend.library
        if verb == "Create":
            return {member: library.create(kind, params)}
        if verb == "List":
            items, token = library.list(kind, params)
            return {member: items, "NextToken": token}
        if verb == "Get":
            return {member: library.get(kind, params["Name"])}
        library.delete(kind, params["Name"])
        return {}

    def describe_endpoints(self, params: dict[str, Any]) -> dict[str, Any]:
        """DescribeEndpoints, for older clients: the account endpoint is the edge itself."""
        return {"Endpoints": [{"Url": self.endpoint_url}]}
