"""LocalCloud: the composition root that starts all of PetTube's AWS on 127.0.0.1.

Binds the ports first (so every URL is known), resolves the template into a
Stack, builds moto and PetTube's services behind the edge, provisions the
template's resources, starts the Lambda event pollers and finally writes
``.pettube/endpoints.json``. ``stop`` undoes it in reverse order.
"""

from __future__ import annotations

import errno
import importlib
import json
import logging
import os
import secrets
import socket
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server

from localcloud.edge import Edge
from localcloud.endpoints import Endpoints
from localcloud.faults import FaultInjector
from localcloud.lambdaruntime.dispatcher import EventSourcePoller
from localcloud.lambdaruntime.runtime import LambdaRuntime
from localcloud.lambdaruntime.schedules import Scheduler
from localcloud.persistence import Autosaver, MotoState
from localcloud.provision import Provisioner
from localcloud.services import EdgeService, Guard, ServiceContext
from localcloud.site_server import SiteServer
from localcloud.stack import Stack

log = logging.getLogger("localcloud")

REPO_ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
GOOGLE_CLIENT_ID = "pettube-local.apps.googleusercontent.com"
# PetTube's emulated services, tried in this order before a request goes to moto.
# How soon after a change the state is saved: what a crash (kill -9) can lose.
AUTOSAVE_SECONDS = float(os.environ.get("PETTUBE_AUTOSAVE_SECONDS", 2))
SERVICE_PACKAGES = ("localcloud.mediaconvert", "localcloud.cognitoidentity", "localcloud.apigateway")
GUARD_PACKAGES = ("localcloud.access",)


class PortInUseError(Exception):
    """A port the local cloud needs is taken; the message says how to pick another."""


@dataclass
class Ports:
    """Where each server listens; 0 picks a free port (the tests do this)."""

    edge: int = int(os.environ.get("PETTUBE_EDGE_PORT", 4566))
    site: int = int(os.environ.get("PETTUBE_SITE_PORT", 8080))
    idp: int = int(os.environ.get("PETTUBE_IDP_PORT", 8090))


class _Late:
    """A WSGI app whose target is set after its socket is bound."""

    def __init__(self) -> None:
        self.target: Any = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.target(environ, start_response)


@dataclass
class LocalCloud:
    """All of PetTube's AWS on one machine."""

    state_dir: Path = Path(os.environ.get("PETTUBE_STATE_DIR", REPO_ROOT / ".pettube"))
    ports: Ports = field(default_factory=Ports)
    host: str = "127.0.0.1"
    settings: dict[str, Any] = field(default_factory=dict)
    site_root: Path = REPO_ROOT / "site"

    def __post_init__(self) -> None:
        self._servers: list[tuple[BaseWSGIServer, threading.Thread]] = []
        self._pollers: list[EventSourcePoller] = []
        self.services: list[EdgeService] = []
        self.endpoints: Endpoints | None = None
        self._autosaver: Autosaver | None = None

    @property
    def endpoints_path(self) -> Path:
        return self.state_dir / "endpoints.json"

    # ------------------------------------------------------------ start
    def _bind(self, role: str, port: int) -> tuple[BaseWSGIServer, _Late]:
        app = _Late()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            # Bound here, not by werkzeug, which exits the process on a taken port.
            sock.bind((self.host, port))
            sock.listen(128)
        except OSError as exc:
            sock.close()
            if exc.errno == errno.EADDRINUSE:
                raise PortInUseError(
                    f"port {port} ({role}) is already in use on {self.host}. Stop what is using it "
                    f"(`lsof -i :{port}`), or choose another port: PETTUBE_{role.upper()}_PORT=<port> make dev"
                ) from exc
            raise
        server = make_server(self.host, sock.getsockname()[1], app, threaded=True, fd=sock.fileno())
        server.daemon_threads = True
        self._servers.append((server, threading.Thread(target=server.serve_forever, name=f"{role}-server",
                                                       daemon=True)))
        return server, app

    def _admin_credentials(self) -> tuple[str, str]:
        path = self.state_dir / "admin-credentials.json"
        if path.exists():
            data = json.loads(path.read_text())
        else:
            data = {"access_key_id": "AKIA" + secrets.token_hex(8).upper(),
                    "secret_access_key": secrets.token_urlsafe(30)}
            path.write_text(json.dumps(data))
            os.chmod(path, 0o600)
        return data["access_key_id"], data["secret_access_key"]

    def start(self) -> Endpoints:
        """Start every server, provision the template, and publish endpoints.json."""
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        from localcloud import motofixes

        motofixes.apply()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._moto_state = MotoState(self.state_dir / "moto-state.pickle", ACCOUNT_ID)
        if self.settings.get("persist", True) and self._moto_state.load():
            log.info("restored the saved state from %s", self._moto_state.path)
        self.endpoints_path.unlink(missing_ok=True)  # left behind by a crashed run: not ready yet
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request drowns the logs
        try:
            edge_server, edge_app = self._bind("edge", self.ports.edge)
            site_server, site_app = self._bind("site", self.ports.site)
            idp_server, idp_app = self._bind("idp", self.ports.idp)
        except PortInUseError:
            self._close_servers()
            raise
        edge_url = f"http://{self.host}:{edge_server.port}"
        site_url = f"http://{self.host}:{site_server.port}"
        idp_url = f"http://{self.host}:{idp_server.port}"
        access_key, secret_key = self._admin_credentials()

        site_host = site_url.split("://", 1)[1]
        stack = Stack({"GoogleClientId": GOOGLE_CLIENT_ID, "SiteOrigin": site_url},
                      region=REGION, account_id=ACCOUNT_ID,
                      attributes={("SiteDistribution", "DomainName"): site_host,
                                  ("SiteBucket", "WebsiteURL"): site_url})
        self.stack = stack
        base_env = {
            "AWS_ENDPOINT_URL": edge_url, "AWS_ACCESS_KEY_ID": access_key, "AWS_SECRET_ACCESS_KEY": secret_key,
            "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION, "PATH": os.environ.get("PATH", ""),
            "TZ": "UTC", "LANG": "C.UTF-8",
        }
        self._executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="lambda-event")
        self.runtime = LambdaRuntime(stack, base_env, REPO_ROOT / "lambda",
                                     concurrency=int(self.settings.get("lambda_concurrency", 4)),
                                     retry_delays=tuple(self.settings.get("retry_delays", (1.0, 2.0))),
                                     send_to_destination=self._send_to_queue)
        self.context = ServiceContext(
            region=REGION, account_id=ACCOUNT_ID, edge_url=edge_url, site_url=site_url, idp_url=idp_url,
            admin_access_key_id=access_key, admin_secret_access_key=secret_key,
            state_dir=self.state_dir, stack=stack, runtime=self.runtime, settings=self.settings)

        self.services = [m.create(self.context) for m in _optional_modules(SERVICE_PACKAGES)]
        guards: list[Guard] = [m.create(self.context) for m in _optional_modules(GUARD_PACKAGES)]
        self.faults = FaultInjector()
        self.edge = Edge(DomainDispatcherApplication(create_backend_app), self.services, guards,
                         _moto_bucket_cors, faults=self.faults)
        edge_app.target = self.edge
        idp_module = _optional_modules(("localcloud.idp",))
        idp_app.target = idp_module[0].create_app(self.context) if idp_module else _not_installed("idp")
        site_app.target = SiteServer(self.site_root, self._site_config)
        site_app.target.app_bundle()  # compiled now, not while the first page waits
        for server, thread in self._servers:
            thread.start()

        provisioner = Provisioner(stack, self.context.client)
        provisioner.run()
        sqs = self.context.client("sqs")
        for function, queue_url in provisioner.queue_urls.items():
            poller = EventSourcePoller(self.runtime, function, queue_url, sqs, self._executor)
            poller.start()
            self._pollers.append(poller)
        self._scheduler = Scheduler(
            provisioner.schedules,
            lambda function, event: sqs.send_message(QueueUrl=provisioner.queue_urls[function],
                                                     MessageBody=json.dumps(event)),
            REGION, ACCOUNT_ID, speedup=float(self.settings.get("schedule_speedup", 1.0)))
        self._scheduler.start()

        if self.settings.get("persist", True):
            self._autosaver = Autosaver(self._moto_state, lambda: self.edge.changes,
                                        float(self.settings.get("autosave_seconds", AUTOSAVE_SECONDS)))
            self._autosaver.start()
        outputs = stack.outputs()
        api_id = stack.physical_name("MyMediaApi")
        self.endpoints = Endpoints(
            site=site_url, aws=edge_url, api=f"{edge_url}/restapis/{api_id}/{stack.parameters['StageName']}/_user_request_",
            idp=idp_url, region=REGION, originals_bucket=outputs["OriginalsBucketName"],
            transcoded_bucket=outputs["TranscodedBucketName"], table=outputs["VideosTableName"],
            identity_pool_id=outputs["IdentityPoolId"], google_client_id=GOOGLE_CLIENT_ID,
            user_pool_id=outputs["UserPoolId"], user_pool_client_id=outputs["UserPoolClientId"],
            dead_letter_queue=stack.physical_name("DeadLetterQueue"),
            admin_access_key_id=access_key, admin_secret_access_key=secret_key)
        self.endpoints.write(self.endpoints_path)
        return self.endpoints

    def _site_config(self) -> dict[str, Any]:
        assert self.endpoints is not None
        return self.endpoints.site_config(int(self.stack.parameters["MaxUploadBytes"]))

    def _send_to_queue(self, queue_name: str, record: dict[str, Any]) -> None:
        sqs = self.context.client("sqs")
        url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(record, default=str))

    def dead_letters(self) -> list[dict[str, Any]]:
        """The failed asynchronous events waiting in the dead-letter queue (left in place)."""
        sqs = self.context.client("sqs")
        url = sqs.get_queue_url(QueueName=self.stack.physical_name("DeadLetterQueue"))["QueueUrl"]
        return read_queue(sqs, url)

    # ------------------------------------------------------------- stop
    def stop(self) -> None:
        """Stop pollers, services, workers and servers; remove endpoints.json."""
        if hasattr(self, "_scheduler"):
            self._scheduler.stop()
        for poller in self._pollers:
            poller.stop()
        if hasattr(self, "runtime"):
            self.runtime.close()
        for service in self.services:
            service.close()
        if self._autosaver is not None:
            self._autosaver.stop()
            self._moto_state.save()
            self._moto_state.close()
        if hasattr(self, "_executor"):
            self._executor.shutdown(wait=False, cancel_futures=True)
        self._close_servers()
        self.endpoints_path.unlink(missing_ok=True)

    def _close_servers(self) -> None:
        for server, thread in self._servers:
            if thread.is_alive():
                server.shutdown()
            server.server_close()
        self._servers.clear()


def read_queue(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    """Peek at every message of a queue without consuming it (visibility timeout 0)."""
    seen: dict[str, dict[str, Any]] = {}
    for _ in range(10):
        reply = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0,
                                    WaitTimeSeconds=0)
        messages = reply.get("Messages", [])
        fresh = [m for m in messages if m["MessageId"] not in seen]
        if not fresh:
            break
        for message in fresh:
            seen[message["MessageId"]] = json.loads(message["Body"])
    return list(seen.values())


def _moto_bucket_cors(bucket: str) -> list[dict[str, Any]]:
    """The bucket's CORS rules as moto holds them (the edge answers preflights with these)."""
    from moto.s3.models import s3_backends

    try:
        rules = s3_backends[ACCOUNT_ID]["aws"].get_bucket(bucket).cors
    except Exception:
        return []
    return [{"AllowedOrigins": r.allowed_origins or [], "AllowedMethods": r.allowed_methods or [],
             "AllowedHeaders": r.allowed_headers or [], "ExposedHeaders": r.exposed_headers or [],
             "MaxAgeSeconds": r.max_age_seconds} for r in rules]


def _optional_modules(names: tuple[str, ...]) -> list[Any]:
    """Import the service packages that exist (each issue adds one)."""
    found = []
    for name in names:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        if hasattr(module, "create") or hasattr(module, "create_app"):
            found.append(module)
    return found


def _not_installed(name: str) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
        return [f"the local {name} is not part of this build\n".encode()]
    return app


def configure_logging(verbose: bool = False) -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
