"""API Gateway's control plane for the template's REST API: ``aws apigateway get-rest-apis``, ``get-stages``,
``get-resources`` (and their single-item forms) describe the MyMedia API as the template defines it.

Invoking the API is ``localcloud.apigateway``'s (requests signed for ``execute-api``). The template's API
cannot be changed; any other REST API is moto's (``ControlPlane.claim``).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from localcloud.access import authenticator_for
from localcloud.apigatewayapi.models import RestApiView
from localcloud.apigatewayapi.responses import ApiGatewayApi

if TYPE_CHECKING:
    from localcloud.services import ServiceContext

API_LOGICAL_ID = "MyMediaApi"


def create(ctx: ServiceContext) -> ApiGatewayApi:
    """The edge service for requests signed for ``apigateway``."""
    return ApiGatewayApi(RestApiView(ctx.stack, API_LOGICAL_ID, datetime.now(timezone.utc)),
                         authenticator_for(ctx), region=ctx.region, moto=ctx.moto_app)
