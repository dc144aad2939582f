"""The local stack as CloudFormation describes it: one stack, its outputs and resources with local values.

``aws cloudformation describe-stacks`` shows the stack ``make deploy`` would
create for the same stage (``pettube-<StageName>``), whose Outputs are the
template's outputs resolved to the local cloud's URLs and names, so a test or
tool that reads endpoints from the stack's outputs (the SAM convention) runs
unchanged against either home. ``list-stack-resources``,
``describe-stack-resource(s)`` and ``get-template`` map logical ids to the local
physical ids. The local cloud provisions the template itself at start, so this
stack cannot be created, updated or deleted; any other stack is moto's
(``ControlPlane.claim``), created, updated and deleted by moto's CloudFormation.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from localcloud.access import authenticator_for
from localcloud.cloudformation.models import LocalStackView, api_url
from localcloud.cloudformation.responses import CloudFormationApi

if TYPE_CHECKING:
    from localcloud.services import ServiceContext

__all__ = ["api_url", "create"]


def create(ctx: ServiceContext) -> CloudFormationApi:
    """The edge service for requests signed for ``cloudformation``."""

    def queue_url(name: str) -> str:
        return ctx.client("sqs").get_queue_url(QueueName=name)["QueueUrl"]

    view = LocalStackView(ctx.stack, site_url=ctx.site_url, api_url=api_url(ctx.stack, ctx.edge_url),
                          queue_url=queue_url, created=time.time())
    return CloudFormationApi(view, authenticator_for(ctx), region=ctx.region, moto=ctx.moto_app)
