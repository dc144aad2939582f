"""LocalCloud: the composition root that starts all of PetTube's AWS on 127.0.0.1.

``start`` is a list of named steps, in the order the architecture needs them:
take the state directory and restore the saved state, bind the ports (so every
URL is known), resolve the template into a Stack (its parameters' defaults, the
local URLs and ``settings["parameters"]`` overrides), build the Lambda runtime,
build PetTube's services and moto behind the edge, start the servers, provision
the template's resources, start the Lambda event pollers and schedules, publish
site/ into the site bucket (served by its website endpoint, behind the local
CloudFront: localcloud.website), write ``.pettube/endpoints.json``, and load the
restored tables' and buckets' records in the background (each also loads when first asked for).
Each step registers what undoes it: ``stop`` (also run when a step fails or is
interrupted) undoes them in reverse order, so the edge outlives the services
whose last events go through it, and the library is closed once nothing can change it any more. Every change is
saved before the edge answers the request that made it (persistence.Journal).
"""

from __future__ import annotations

import ctypes
import errno
import json
import logging
import os
import secrets
import socket
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moto.moto_server.werkzeug_app import MotoRequestHandler
from werkzeug.serving import BaseWSGIServer, make_server

from localcloud import (access, apigateway, apigatewayapi, cloudformation, cognitoidentity, cognitoidp, idp,
                        lambdaapi, mediaconvert, motofixes, sts)
from localcloud.edge import Edge
from localcloud.endpoints import Endpoints
from localcloud.faults import FaultInjector
from localcloud.lambdaruntime.dispatcher import Arrivals, EventSourcePoller, stop_together
from localcloud.lambdaruntime.runtime import DEFAULT_CONCURRENCY, LambdaRuntime
from localcloud.lambdaruntime.schedules import Scheduler
from localcloud.logs import FunctionLogs
from localcloud.persistence import Journal, MotoState
from localcloud.provision import Provisioner
from localcloud.services import EdgeService, ServiceContext
from localcloud.site_server import Distribution
from localcloud.stack import Stack
from localcloud.website.bucket import MotoBucket
from localcloud.website.endpoint import WebsiteEndpoint
from localcloud.website.publisher import SitePublisher

log = logging.getLogger("localcloud")

REPO_ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
GOOGLE_CLIENT_ID = "pettube-local.apps.googleusercontent.com"


class PortInUseError(Exception):
    """A port the local cloud needs is taken; the message says how to pick another."""


@dataclass
class Ports:
    """Where each server listens; 0 picks a free port (the tests do this)."""

    edge: int = int(os.environ.get("PETTUBE_EDGE_PORT", 4566))
    site: int = int(os.environ.get("PETTUBE_SITE_PORT", 8080))
    idp: int = int(os.environ.get("PETTUBE_IDP_PORT", 8090))
    # The site bucket's website endpoint: people open the site, so any free port unless told.
    website: int = int(os.environ.get("PETTUBE_WEBSITE_PORT", 0))


class _Late:
    """A WSGI app whose target is set after its socket is bound."""

    def __init__(self) -> None:
        self.target: Any = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.target(environ, start_response)


@dataclass
class _Listener:
    """One bound port: its server, the app it will serve, and the thread serving it."""

    server: BaseWSGIServer
    app: _Late
    thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"


@dataclass
class LocalCloud:
    """All of PetTube's AWS on one machine.

    ``settings`` tune the local services (see each package's docstring) and may
    override template parameters: ``{"parameters": {"UrlExpirySeconds": "30"}}``.
    """

    state_dir: Path = Path(os.environ.get("PETTUBE_STATE_DIR", REPO_ROOT / ".pettube"))
    ports: Ports = field(default_factory=Ports)
    host: str = "127.0.0.1"
    settings: dict[str, Any] = field(default_factory=dict)
    site_root: Path = REPO_ROOT / "site"

    def __post_init__(self) -> None:
        self._undo = ExitStack()
        self._listeners: dict[str, _Listener] = {}
        self.services: list[EdgeService] = []
        self.endpoints: Endpoints | None = None

    @property
    def endpoints_path(self) -> Path:
        return self.state_dir / "endpoints.json"

    # ------------------------------------------------------------ start
    def start(self) -> Endpoints:
        """Start every server, provision the template, and publish endpoints.json.

        A start that fails (or is interrupted) undoes what it did before it raises.
        """
        motofixes.apply()
        _give_large_buffers_back()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request drowns the logs
        try:
            self._restore_state()
            self._bind_ports()
            self.stack = self._resolve_stack()
            self._build_runtime()
            self._build_services()
            self._start_servers()
            provisioner = self._provision()
            self._start_event_sources(provisioner)
            self.endpoints = self._endpoints()
            self._publish_site()
            endpoints = self._publish_endpoints()
            self._moto_state.load_records_in_background()
            return endpoints
        except BaseException:
            self.stop()
            raise

    def _restore_state(self) -> None:
        """Hold the state directory (one cloud at a time) and put the saved library back."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._moto_state = MotoState(self.state_dir, ACCOUNT_ID)
        if self.settings.get("persist", True):
            if self._moto_state.load():
                log.info("restored the saved library from %s", self._moto_state.path)
            self._undo.callback(self._moto_state.close)
        self.endpoints_path.unlink(missing_ok=True)  # left behind by a crashed run: not ready yet

    def _bind_ports(self) -> None:
        """Bind every port first, so each URL is known before anything is built."""
        self._undo.callback(_close_listeners, self._listeners)
        for role, port in (("edge", self.ports.edge), ("site", self.ports.site), ("idp", self.ports.idp),
                           ("website", self.ports.website)):
            self._listeners[role] = self._bind(role, port)

    def _bind(self, role: str, port: int) -> _Listener:
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
        # The edge keeps S3 metadata headers with underscores (x-amz-meta-my_key), which werkzeug's own
        # handler drops, as moto's server does: a request that signed one still matches its signature.
        handler = MotoRequestHandler if role == "edge" else None
        server = make_server(self.host, sock.getsockname()[1], app, threaded=True, fd=sock.fileno(),
                             request_handler=handler)
        server.daemon_threads = True
        return _Listener(server, app, threading.Thread(target=server.serve_forever, name=f"{role}-server",
                                                       daemon=True))

    def _resolve_stack(self) -> Stack:
        """The template with local values: site origin, the stand-in's client id, then the overrides."""
        site_url = self._listeners["site"].url
        parameters = {"GoogleClientId": GOOGLE_CLIENT_ID, "SiteOrigin": site_url,
                      **self.settings.get("parameters", {})}
        return Stack(parameters, region=REGION, account_id=ACCOUNT_ID,
                     attributes={("SiteDistribution", "DomainName"): site_url.split("://", 1)[1],
                                 ("SiteBucket", "WebsiteURL"): self._listeners["website"].url})

    def _build_runtime(self) -> None:
        """The Lambda runtime and the context every service is built from."""
        edge_url = self._listeners["edge"].url
        access_key, secret_key = self._admin_credentials()
        base_env = {
            "AWS_ENDPOINT_URL": edge_url, "AWS_ACCESS_KEY_ID": access_key, "AWS_SECRET_ACCESS_KEY": secret_key,
            "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION, "PATH": os.environ.get("PATH", ""),
            "TZ": "UTC", "LANG": "C.UTF-8",
        }
        self._executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="lambda-event")
        self._undo.callback(self._executor.shutdown, wait=False, cancel_futures=True)
        self.function_logs = FunctionLogs(self.stack, ACCOUNT_ID, REGION)
        self.function_logs.create_groups()
        self.runtime = LambdaRuntime(self.stack, base_env, REPO_ROOT / "lambda", on_log=self.function_logs,
                                     concurrency=int(self.settings.get("lambda_concurrency", DEFAULT_CONCURRENCY)),
                                     retry_delays=tuple(self.settings.get("retry_delays", (1.0, 2.0))),
                                     send_to_destination=self._send_to_queue)
        self._undo.callback(self.runtime.close)
        self.context = ServiceContext(
            region=REGION, account_id=ACCOUNT_ID, edge_url=edge_url, site_url=self._listeners["site"].url,
            idp_url=self._listeners["idp"].url, admin_access_key_id=access_key,
            admin_secret_access_key=secret_key, state_dir=self.state_dir, stack=self.stack,
            runtime=self.runtime, settings=self.settings)

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

    def _build_services(self) -> None:
        """PetTube's services in front of moto on the edge, the Google stand-in, and the site."""
        # The edge asks them in this order; what none claims goes to moto past the access guard.
        self.services = []
        for package in (mediaconvert, cognitoidp, cognitoidentity, sts, lambdaapi, cloudformation, apigatewayapi,
                        apigateway):
            service = package.create(self.context)
            self._undo.callback(service.close)
            self.services.append(service)
        self.faults = FaultInjector()
        self.edge = Edge(self.context.moto_app, self.services,
                         [access.create(self.context)], _moto_bucket_cors, faults=self.faults)
        persist = self.settings.get("persist", True)
        self._listeners["edge"].app.target = Journal(self.edge, self._moto_state) if persist else self.edge
        self._listeners["idp"].app.target = idp.create_app(self.context)
        self._build_site()

    def _build_site(self) -> None:
        """The site bucket's website endpoint, the CloudFront in front of it, and what keeps the
        bucket up to date with site/ (it publishes once the bucket and the config exist)."""
        site_bucket = MotoBucket(self.stack.physical_name("SiteBucket"), ACCOUNT_ID)
        website = WebsiteEndpoint(site_bucket, lambda name: MotoBucket(name, ACCOUNT_ID))
        self.site_publisher = SitePublisher(self.context.client("s3"), site_bucket, self.site_root,
                                            self._site_config)
        self.site_publisher.prepare()
        self._listeners["website"].app.target = website
        self._listeners["site"].app.target = Distribution(website, self._site_config, self.site_publisher.refresh)

    def _start_servers(self) -> None:
        for listener in self._listeners.values():
            listener.thread.start()

    def _provision(self) -> Provisioner:
        """Create the template's resources in moto (idempotent: restored state is kept)."""
        provisioner = Provisioner(self.stack, self.context.client)
        provisioner.run()
        return provisioner

    def _start_event_sources(self, provisioner: Provisioner) -> None:
        """What invokes the functions asynchronously: an event-queue poller each, and the schedules."""
        sqs = self.context.client("sqs")
        pollers = [EventSourcePoller(self.runtime, function, queue_url, sqs, self._executor,
                                     Arrivals(ACCOUNT_ID, REGION, queue_url.rsplit("/", 1)[-1]))
                   for function, queue_url in provisioner.queue_urls.items()]
        self._undo.callback(stop_together, pollers)
        for poller in pollers:
            poller.start()
        scheduler = Scheduler(
            provisioner.schedules,
            lambda function, event: sqs.send_message(QueueUrl=provisioner.queue_urls[function],
                                                     MessageBody=json.dumps(event)),
            REGION, ACCOUNT_ID, speedup=float(self.settings.get("schedule_speedup", 1.0)))
        scheduler.start()
        self._undo.callback(scheduler.stop)

    def _endpoints(self) -> Endpoints:
        """Where everything is, and the stack's names."""
        stack, edge_url = self.stack, self._listeners["edge"].url
        outputs = stack.outputs()
        return Endpoints(
            site=self._listeners["site"].url, site_bucket_website=self._listeners["website"].url, aws=edge_url,
            api=cloudformation.api_url(stack, edge_url),
            idp=self._listeners["idp"].url, region=REGION, originals_bucket=outputs["OriginalsBucketName"],
            transcoded_bucket=outputs["TranscodedBucketName"], table=outputs["VideosTableName"],
            identity_pool_id=outputs["IdentityPoolId"], guest_role_arn=outputs["GuestRoleArn"],
            google_client_id=stack.parameters["GoogleClientId"],
            user_pool_id=outputs["UserPoolId"], user_pool_client_id=outputs["UserPoolClientId"],
            dead_letter_queue=stack.physical_name("DeadLetterQueue"),
            admin_access_key_id=self.context.admin_access_key_id,
            admin_secret_access_key=self.context.admin_secret_access_key)

    def _publish_site(self) -> None:
        """site/ into the site bucket, as `make deploy` puts it on S3, config.json from the stack."""
        report = self.site_publisher.publish()
        log.info("site: %d file(s) published, %d unchanged", report.uploaded, report.unchanged)

    def _publish_endpoints(self) -> Endpoints:
        """Write endpoints.json: from now on tools and tests may use the cloud."""
        assert self.endpoints is not None
        self.endpoints.write(self.endpoints_path)
        self._undo.callback(self.endpoints_path.unlink, missing_ok=True)
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
        """Undo the start's steps in reverse: endpoints.json, event sources, services, workers, servers, state."""
        self._undo.close()


# mallopt's M_MMAP_THRESHOLD, and the size above which a block is mapped (glibc's default start).
_M_MMAP_THRESHOLD, _LARGE_BLOCK = -3, 128 * 1024


def _give_large_buffers_back() -> None:
    """Let every freed request body (an upload's part, a rendition) go back to the system at once.

    glibc maps blocks over 128 KB, but after the first such block is freed it raises
    that threshold (up to 32 MB), and later bodies come from the threads' heaps,
    which keep what was freed: the cloud's memory grew with every upload though it
    kept no bytes (the bytes live in the library's files). A fixed threshold turns
    that adjustment off. Other C libraries have no mallopt and are left as they are.
    """
    try:
        ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, _LARGE_BLOCK)
    except (AttributeError, OSError):
        log.debug("no mallopt in this C library: the allocator keeps its own thresholds")


def _close_listeners(listeners: dict[str, _Listener]) -> None:
    """Stop the servers together (each notices within its half-second poll), then close their sockets."""
    stopping = [threading.Thread(target=listener.server.shutdown, name=f"{role}-shutdown")
                for role, listener in listeners.items() if listener.thread.is_alive()]
    for thread in stopping:
        thread.start()
    for thread in stopping:
        thread.join()
    for listener in listeners.values():
        listener.server.server_close()


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


def configure_logging(verbose: bool = False) -> None:
    logging.basicConfig(stream=sys.stderr, level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
