"""Local API Gateway for the template's MyMedia REST API."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from localcloud.access import authenticator_for
from localcloud.access.roles import pool_roles
from localcloud.apigateway.proxy import routes_from_swagger
from localcloud.apigateway.responses import ApiGatewayService

if TYPE_CHECKING:
    from localcloud.services import ServiceContext

API_LOGICAL_ID = "MyMediaApi"


def create(ctx: ServiceContext, *, clock: Callable[[], float] = time.time) -> ApiGatewayService:
    """The edge service for /restapis/{api id}/{stage}/_user_request_/... requests."""
    resources = ctx.stack.resources
    return ApiGatewayService(
        api_id=ctx.stack.physical_name(API_LOGICAL_ID), stage=ctx.stack.parameters["StageName"],
        routes=routes_from_swagger(resources[API_LOGICAL_ID]["Properties"]["Body"]),
        authenticator=authenticator_for(ctx, clock=clock), roles=pool_roles(ctx.stack),
        invoke=ctx.runtime.invoke, function_for_arn=cache(lambda arn: ctx.stack.function_by_arn(arn).logical_id),
        region=ctx.region, account_id=ctx.account_id, clock=clock)
