"""The shape shared by PetTube's read-mostly control planes (Lambda, CloudFormation, API Gateway).

Each answers one AWS API on the edge the way moto's services do: botocore's
model of the service routes the request to an operation (rest-json paths, or the
query protocol's ``Action``), moto's own request parser turns it into the
operation's parameters, a method named after the operation (``list_functions``)
answers with the output shape as a dict, and moto's response serializer puts that
on the wire. Every request must carry a valid SigV4 signature of the local admin
key, scoped to the service: these APIs describe or run the whole deployment, as
only an administrator may on AWS (the identity pool's roles grant none of them).

A control plane answers for the template's resources only. A request about
anything else (a stack or function someone else creates, another region, which
starts empty as on AWS) is moto's, as for any service moto implements; a call
that lists everything (``list-functions``) lists the template's resources and
then moto's.
"""

from __future__ import annotations

import enum
import io
import json
import logging
import re
import time
from collections.abc import Callable
from functools import cache
from typing import Any, Generic, TypeVar

from botocore import xform_name
from botocore.model import OperationModel, ServiceModel
from botocore.parsers import create_parser
from moto.core.parse import PROTOCOL_PARSERS
from moto.core.serialize import get_serializer_class
from moto.core.utils import get_service_model
from werkzeug.wrappers import Request, Response

from localcloud.access import errors
from localcloud.access.authenticate import Authenticator
from localcloud.access.responses import refusal
from localcloud.access.sigv4 import signing_scope
from localcloud.awserrors import AwsError, response_for

log = logging.getLogger("localcloud.controlplane")
Backend = TypeVar("Backend")
WsgiApp = Callable[..., Any]
Call = tuple[OperationModel, dict[str, Any]]
# A request that carries one of these continues a listing past its first page: moto's pages.
_PAGE_TOKENS = ("NextToken", "Marker", "position")


class Claim(enum.Enum):
    """Whose answer a request gets."""

    MOTO = "moto"  # about something the template does not define
    OWN = "own"  # about the template's resources (or an operation no one answers: UnsupportedOperation)
    LISTING = "listing"  # lists everything: the template's resources, then moto's


class SerializationException(AwsError):
    """A request body the operation's parser cannot read (not JSON, say), as AWS's JSON APIs answer it."""

    code = "SerializationException"
    status = 400


class UnsupportedOperation(AwsError):
    """An operation of the service the local cloud does not offer (it describes the template, it does not deploy)."""

    code = "UnsupportedOperation"
    status = 400


def service_model(name: str) -> ServiceModel:
    """botocore's model of one service, as moto loads it (its serializers need moto's shape classes)."""
    return get_service_model(name)


@cache
def _rest_routes(name: str) -> list[tuple[str, re.Pattern[str], OperationModel]]:
    """(method, path pattern, operation) of every operation, most specific path first, like moto's url map."""
    model = service_model(name)
    routes = []
    for operation_name in model.operation_names:
        operation = model.operation_model(operation_name)
        path = operation.http["requestUri"].split("?")[0]
        pattern = re.sub(r"\\\{(\w+)(?:\\\+)?\\\}", r"(?P<\1>[^/]+)", re.escape(path))
        routes.append((operation.http["method"], re.compile(f"^{pattern}/?$"), operation))
    return sorted(routes, key=lambda route: -len(route[1].pattern))


def route(name: str, request: Request) -> tuple[OperationModel, dict[str, str]] | None:
    """The operation a request calls and its URI parameters; None when the model has no such operation."""
    model = service_model(name)
    if model.protocol == "query":
        action = request.values.get("Action", "")
        return (model.operation_model(action), {}) if action in model.operation_names else None
    for method, pattern, operation in _rest_routes(name):
        match = pattern.match(request.path)
        if match and method == request.method:
            return operation, match.groupdict()
    return None


class ControlPlane(Generic[Backend]):
    """An EdgeService answering one AWS API from its botocore model; subclasses add one method per operation.

    ``backend`` holds what the operations describe (moto's models/responses split).
    """

    #: botocore's name of the service
    name: str

    def __init__(self, backend: Backend, authenticator: Authenticator, *, region: str, moto: WsgiApp,
                 clock: Callable[[], float] = time.time) -> None:
        self.backend = backend
        self._auth = authenticator
        self._region = region
        self._moto = moto
        self._clock = clock
        self._model = service_model(self.name)
        self._signing_name = self._model.signing_name
        self._call_key = f"localcloud.{self.name}.call"

    def matches(self, request: Request) -> bool:
        """Requests signed for this service in the template's region (AWS routes by the signature's scope too)
        that are about the template's resources or list everything."""
        if signing_scope(request) != (self._region, self._signing_name):
            return False
        try:
            call = self._call(request)
        except Exception:  # noqa: BLE001 - unreadable: dispatch() checks the signature first, then parses again
            return True
        return call is None or self._claim(call) is not Claim.MOTO

    def claim(self, operation: str, params: dict[str, Any]) -> Claim:
        """Whose resources a call is about; each control plane says by the names or ids it carries."""
        return Claim.OWN

    def _claim(self, call: Call) -> Claim:
        operation, params = call
        claim = self.claim(operation.name, params)
        if claim is Claim.LISTING and any(token in params for token in _PAGE_TOKENS):
            return Claim.MOTO  # the template's resources came on the first page
        return claim

    def _call(self, request: Request) -> Call | None:
        """The operation a request calls and its parameters (parsed once, kept on the request); None when the
        service has no such operation."""
        if self._call_key not in request.environ:
            routed = route(self.name, request)
            call = None
            if routed is not None:
                operation, uri_params = routed
                call = operation, PROTOCOL_PARSERS[self._model.protocol](operation).parse({
                    "method": request.method, "values": request.values, "headers": request.headers,
                    "body": request.get_data(), "url_path": request.path, "url_params": uri_params})
            request.environ[self._call_key] = call
        return request.environ[self._call_key]

    def close(self) -> None:
        """Nothing runs in the background."""

    def dispatch(self, request: Request) -> Response:
        """Authenticate, route, parse, answer and serialise in the service's protocol and error shapes."""
        try:
            self._auth.admin(request, service=self._signing_name)
        except errors.AuthError as error:
            log.info(json.dumps({"event": "access_refused", "service": self.name,
                                 "reason": type(error).__name__, "path": request.path}))
            return refusal(error, request, now=self._clock())
        try:
            try:
                call = self._call(request)
            except Exception as exc:  # noqa: BLE001 - moto's parsers raise whatever the body's reader raised
                raise SerializationException(f"Could not read the request: {exc}") from None
            if call is None:
                raise UnsupportedOperation(f"No {self.name} operation answers {request.method} {request.path}")
            operation, params = call
            handler = getattr(self, xform_name(operation.name), None)
            if handler is None:
                raise UnsupportedOperation(
                    f"{operation.name} is not offered for the template's resources: the local cloud provisions "
                    f"them itself (docs/compatibility.md)")
            result = handler(params)
        except AwsError as error:
            return response_for(error, request, self._signing_name)
        if isinstance(result, Response):  # an operation whose answer is not its output shape alone
            return result
        if self._claim(call) is Claim.LISTING:
            result = self._then_motos(request, operation, result)
        return self.serialize(operation, result)

    def _then_motos(self, request: Request, operation: OperationModel, own: dict[str, Any]) -> dict[str, Any]:
        """A listing's output: the template's resources, then what moto lists for the same request (its next
        page's token included)."""
        environ = {**request.environ, "wsgi.input": io.BytesIO(request.get_data()),
                   "CONTENT_LENGTH": str(len(request.get_data()))}
        reply = Response.from_app(self._moto, environ)
        if reply.status_code >= 300:
            log.warning(json.dumps({"event": "listing_without_moto", "service": self.name,
                                    "operation": operation.name, "status": reply.status_code}))
            return own
        motos = create_parser(self._model.protocol).parse(
            {"status_code": reply.status_code, "headers": dict(reply.headers), "body": reply.get_data()},
            operation.output_shape)
        motos.pop("ResponseMetadata", None)
        listed = next(name for name, shape in operation.output_shape.members.items() if shape.type_name == "list")
        return {**motos, **own, listed: own.get(listed, []) + motos.get(listed, [])}

    def serialize(self, operation: OperationModel, result: dict[str, Any]) -> Response:
        """``result`` (the operation's output shape, boto3's member names) on the wire, as moto writes it."""
        serializer = get_serializer_class(self.name, self._model.protocol)(operation)
        wire = serializer.serialize(result)
        return Response(wire["body"], status=wire["status_code"], headers=wire["headers"])

