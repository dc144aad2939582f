"""Run in Pyodide (Node) just before PetTube's memory snapshot is taken: what the page imports and builds.

Everything done here is already done when the restored page starts: the imports of
boto3 and the botocore pieces the app uses (about 450 modules, seconds in the browser),
and the two kinds of client the page makes on boto3's default session, whose loader
then holds the S3 and Cognito Identity models and endpoint rules. Clients are built
again at run time with the real endpoint and credentials; the files they read come back
when the page reinstalls the wheels after restoring (a snapshot holds memory, not files).

No credential, endpoint or user data belongs here: the snapshot is a public file.
"""

import asyncio  # noqa: F401 - imported for the page, kept in the snapshot
import gc
import json  # noqa: F401
import logging  # noqa: F401

import boto3
import urllib3.contrib.emscripten.fetch  # noqa: F401 - urllib3's browser backend
from botocore import UNSIGNED
from botocore.auth import SigV4Auth  # noqa: F401 - MyMedia API signing
from botocore.awsrequest import AWSRequest  # noqa: F401
from botocore.config import Config
from botocore.credentials import Credentials  # noqa: F401
from botocore.exceptions import ClientError  # noqa: F401

boto3.setup_default_session()
boto3.client("s3", region_name="us-east-1", aws_access_key_id="snapshot", aws_secret_access_key="snapshot",
             config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
boto3.client("cognito-identity", region_name="us-east-1", config=Config(signature_version=UNSIGNED))
gc.collect()
