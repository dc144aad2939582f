"""pytest plugin for bench/compat.py: moto's own server-mode tests, signed with the edge's admin key.

moto's ``mock_aws`` sets the fake key FOOBARKEY for every client and resets the
server with an unsigned ``POST /moto-api/reset``. The edge checks every
signature and answers ``/moto-api/`` to the admin key only, so here the fake key
is the admin key from the environment and the resets are SigV4-signed with it
(moto imports ``requests`` inside its reset, so the reset itself is replaced).
"""

from __future__ import annotations

import os
from datetime import timezone
from typing import Any
from unittest import mock

import botocore.auth
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from freezegun.api import real_datetime
from moto.core import models

_KEY = (os.environ["COMPAT_ACCESS_KEY_ID"], os.environ["COMPAT_SECRET_ACCESS_KEY"])
# The clock before any test froze it: freezegun swaps every module's reference to the datetime class
# itself for its fake (this module's too), but not a method taken from it now.
_real_now = real_datetime.now
_mock_init = models.MockAWS.__init__


def _init_with_admin_key(self: models.MockAWS, *args: Any, **kwargs: Any) -> None:
    _mock_init(self, *args, **kwargs)
    self._fake_creds = {"AWS_ACCESS_KEY_ID": _KEY[0], "AWS_SECRET_ACCESS_KEY": _KEY[1]}


def _signed_reset(self: models.ServerModeMockAWS) -> None:
    """moto's server-mode reset (same switch, same re-entry guard), its POST signed with the admin key."""
    if os.environ.get("MOTO_CALL_RESET_API", "").lower() == "false" or models.ServerModeMockAWS._RESET_IN_PROGRESS:
        return
    models.ServerModeMockAWS._RESET_IN_PROGRESS = True
    try:
        request = AWSRequest(method="POST", url=f"{self._test_server_mode_endpoint}/moto-api/reset", data=b"")
        # Signed at the real time: a test may have frozen the clock (freezegun), and the edge refuses a
        # signature from the past.
        with mock.patch.object(botocore.auth, "get_current_datetime", lambda: _real_now(timezone.utc)):
            SigV4Auth(Credentials(*_KEY), "moto", os.environ.get("AWS_DEFAULT_REGION", "us-east-1")).add_auth(request)
        requests.post(request.url, data=request.body, headers=dict(request.headers), timeout=60).raise_for_status()
    finally:
        models.ServerModeMockAWS._RESET_IN_PROGRESS = False


models.MockAWS.__init__ = _init_with_admin_key  # type: ignore[method-assign]
models.ServerModeMockAWS.reset = _signed_reset  # type: ignore[method-assign]
