"""The plug-in contract between the local cloud's edge and PetTube's own emulated services.

moto serves S3, DynamoDB, SQS, EventBridge, STS, IAM, CloudWatch Logs and Cognito
user pools. Where moto has nothing usable (MediaConvert, Cognito Identity, API
Gateway invocation, STS's web-identity role assumption for Cognito tokens, and the
Lambda, API Gateway and CloudFormation control planes) a package under
``localcloud`` provides a service: its ``__init__.py`` exposes
``create(ctx: ServiceContext) -> EdgeService``, which ``cloud.py`` calls. The
edge asks each service, in order, whether it ``matches`` a request; the first
that does answers it, the rest goes to moto after every ``Guard`` has had its say.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from localcloud.lambdaruntime.runtime import LambdaRuntime
    from localcloud.stack import Stack


class EdgeService(Protocol):
    """One emulated AWS service on the edge port."""

    name: str

    def matches(self, request: Request) -> bool:
        """True when this request is for this service (path, X-Amz-Target, SigV4 scope)."""

    def dispatch(self, request: Request) -> Response:
        """Answer the request with the real service's wire format and error shapes."""

    def close(self) -> None:
        """Stop background work (worker threads, child processes) on shutdown."""


class Guard(Protocol):
    """Checks a request bound for moto; returns an error response to refuse it, or None."""

    def check(self, request: Request) -> Response | None: ...


@dataclass
class ServiceContext:
    """Everything a service may need from the running local cloud."""

    region: str
    account_id: str
    edge_url: str
    site_url: str
    idp_url: str
    admin_access_key_id: str
    admin_secret_access_key: str
    state_dir: Path
    stack: Stack
    runtime: LambdaRuntime
    settings: dict[str, Any] = field(default_factory=dict)
    #: moto's WSGI application: what the edge hands every request no PetTube service claims
    moto_app: Any = field(default_factory=lambda: DomainDispatcherApplication(create_backend_app), repr=False)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)
    _clients_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def client(self, service: str) -> Any:
        """A boto3 client for ``service`` talking to the edge with the admin credentials.

        Clients are thread-safe and slow to build (~0.2 s), so each is built once.
        """
        with self._clients_lock:
            if service not in self._clients:
                self._clients[service] = self._new_client(service)
            return self._clients[service]

    def _new_client(self, service: str) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            service,
            region_name=self.region,
            endpoint_url=self.edge_url,
            aws_access_key_id=self.admin_access_key_id,
            aws_secret_access_key=self.admin_secret_access_key,
            config=Config(retries={"mode": "standard", "max_attempts": 3}),
        )
