"""Run in Pyodide (headless Chromium) just before PetTube's memory snapshot is taken: what the page imports.

Everything imported here is already imported when the restored page starts: boto3,
the botocore modules the page signs with, urllib3's browser backend and what building
the page's clients pulls in, about 450 modules and seconds of the browser's time.

No client is built: the service models a client loads would add 7.6 MB to the snapshot
(1.4 MB compressed) and, measured, save nothing noticeable. The page builds its clients
with the real endpoint and credentials, reading the models from the wheels it
reinstalls after restoring (a snapshot holds memory, not files).

No credential, endpoint or user data belongs here: the snapshot is a public file.
"""

import asyncio  # noqa: F401 - imported for the page, kept in the snapshot
import gc
import json  # noqa: F401
import logging  # noqa: F401

import boto3  # noqa: F401
import urllib3.contrib.emscripten.fetch  # noqa: F401 - urllib3's browser backend
from botocore.auth import SigV4Auth  # noqa: F401 - MyMedia API signing
from botocore.awsrequest import AWSRequest  # noqa: F401
from botocore.config import Config  # noqa: F401
from botocore.credentials import Credentials  # noqa: F401
from botocore.exceptions import ClientError  # noqa: F401

# What building the page's S3 and Cognito Identity clients imports on top of `import boto3`
# (sys.modules before and after, on CPython with the same boto3): boto3's S3 extras.
import boto3.s3.inject  # noqa: F401
import boto3.s3.transfer  # noqa: F401

gc.collect()
