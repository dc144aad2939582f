"""pytest plugin for bench/compat.py: moto's own server-mode tests, signed with the edge's admin key.

moto's ``mock_aws`` sets the fake key FOOBARKEY for every client and resets the
server with an unsigned ``POST /moto-api/reset``. The edge checks every
signature and answers ``/moto-api/`` to the admin key only, so here the fake key
is the admin key from the environment and the resets are SigV4-signed with it.
"""

from __future__ import annotations

import os
from typing import Any

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from moto.core import models

_KEY = (os.environ["COMPAT_ACCESS_KEY_ID"], os.environ["COMPAT_SECRET_ACCESS_KEY"])
_mock_init = models.MockAWS.__init__


def _init_with_admin_key(self: models.MockAWS, *args: Any, **kwargs: Any) -> None:
    _mock_init(self, *args, **kwargs)
    self._fake_creds = {"AWS_ACCESS_KEY_ID": _KEY[0], "AWS_SECRET_ACCESS_KEY": _KEY[1]}


class _SignedResets:
    """``requests`` as moto's core module uses it, with POSTs (its resets) signed by the admin key."""

    def __getattr__(self, name: str) -> Any:
        return getattr(requests, name)

    @staticmethod
    def post(url: str, *args: Any, **kwargs: Any) -> requests.Response:
        request = AWSRequest(method="POST", url=url, data=kwargs.pop("data", b"") or b"")
        SigV4Auth(Credentials(*_KEY), "moto", os.environ.get("AWS_DEFAULT_REGION", "us-east-1")).add_auth(request)
        return requests.post(url, *args, data=request.body, headers=dict(request.headers), **kwargs)


models.MockAWS.__init__ = _init_with_admin_key  # type: ignore[method-assign]
models.requests = _SignedResets()  # type: ignore[assignment]
