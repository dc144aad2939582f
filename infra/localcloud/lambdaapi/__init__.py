"""The local Lambda API: the template's functions listed, described and invoked through the local runtime.

``aws lambda list-functions``, ``get-function``, ``get-function-configuration``
and ``invoke`` (RequestResponse, Event, DryRun; ``--log-type Tail``) answer as on AWS; an Event
invocation goes onto the function's event queue, the path S3's and
EventBridge's events take (retries, then the OnFailure destination). The
template's functions cannot be created, updated or deleted (the runtime reloads
their code by itself); any other function is moto's (``ControlPlane.claim``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from localcloud.access import authenticator_for
from localcloud.lambdaapi.models import LambdaBackend
from localcloud.lambdaapi.responses import LambdaApi
from localcloud.logs import FunctionLogs
from localcloud.provision import event_queue_name

if TYPE_CHECKING:
    from localcloud.services import ServiceContext


def create(ctx: ServiceContext) -> LambdaApi:
    """The edge service for requests signed for ``lambda``."""

    def enqueue(logical_id: str, event: Any) -> None:
        sqs = ctx.client("sqs")
        url = sqs.get_queue_url(QueueName=event_queue_name(ctx.stack.functions[logical_id].name))["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event))

    logs = ctx.runtime.log_sink if isinstance(ctx.runtime.log_sink, FunctionLogs) else None
    backend = LambdaBackend(ctx.stack, ctx.runtime, ctx.runtime.code_dir, enqueue, logs)
    return LambdaApi(backend, authenticator_for(ctx), region=ctx.region, moto=ctx.moto_app)
