"""Ready means what PetTube's page needs before it can act: boto3 imported, its two clients built."""

import boto3
from app import pyodide_fixes
from botocore import UNSIGNED
from botocore.config import Config
from pyscript import document, window

pyodide_fixes.apply()
s3 = boto3.client("s3", region_name="us-east-1", aws_access_key_id="bench", aws_secret_access_key="bench",
                  config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
# Unsigned like the page's own (GetId and GetCredentialsForIdentity are public calls): no credential lookup.
identity = boto3.client("cognito-identity", region_name="us-east-1", config=Config(signature_version=UNSIGNED))
document.body.dataset.ready = str(window.performance.now())
