"""S3 browser-based uploads: a form POST signed by its policy document, checked as S3 checks it.

A form POST to a bucket (what ``generate_presigned_post`` prepares) carries its
SigV4 credential, date and signature in form fields, the signature made over
the base64 policy document instead of a canonical request. S3 then holds the
upload to the policy: not after its ``expiration``, every condition met (exact
matches, ``starts-with``, ``content-length-range``), and every form field named
by a condition. moto checks none of it, so the edge does, from S3's
documentation ("Creating a POST policy", "Calculating a signature"); no library
verifies POST policies, hence this module. The signature itself is botocore's.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from datetime import datetime, timezone
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from werkzeug.wrappers import Request

from localcloud.access.errors import AccessDenied, IncompleteSignature, SignatureMismatch
from localcloud.access.sigv4 import ALGORITHM, SignatureClaim, scope_of

# Fields no condition needs to name (S3: the signature, the file, the policy, x-ignore-*).
_UNCONDITIONED = {"x-amz-signature", "file", "policy"}
_EXPIRATION_FORMATS = ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ")


def is_form_upload(request: Request) -> bool:
    """A POST of a form to a bucket itself, signed (if at all) in its fields."""
    bucket, _, key = request.path.lstrip("/").partition("/")
    return (request.method == "POST" and request.mimetype == "multipart/form-data" and bool(bucket) and not key
            and "Authorization" not in request.headers and not request.args)


def form_fields(request: Request) -> dict[str, str]:
    """The form's fields (not the file) by lower-case name, as S3 matches them."""
    request.get_data(cache=True, parse_form_data=False)  # the edge hands moto these same bytes afterwards
    return {name.lower(): value for name, value in request.form.items()}


def object_key(request: Request) -> str:
    """The key the upload writes: the ``key`` field, ``${filename}`` replaced by the file's name."""
    upload = request.files.get("file")
    filename = (upload.filename or "") if upload else ""
    return form_fields(request).get("key", "").replace("${filename}", filename)


def form_claim(request: Request) -> SignatureClaim | None:
    """The signature a form upload claims; None for an unsigned form (refused as unsigned)."""
    fields = form_fields(request)
    if "x-amz-signature" not in fields and "x-amz-credential" not in fields:
        return None
    missing = [name for name in ("policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature")
               if not fields.get(name)]
    if missing:
        raise IncompleteSignature(f"Bucket POST must contain a field named '{missing[0]}'.")
    if fields["x-amz-algorithm"] != ALGORITHM:
        raise IncompleteSignature("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
    key, date, region, service = scope_of(fields["x-amz-credential"])
    return SignatureClaim(key, date, region, service, fields["x-amz-date"], (), fields["x-amz-signature"],
                          fields.get("x-amz-security-token"), presigned=False, policy=fields["policy"])


def verify_form(request: Request, claim: SignatureClaim, secret_key: str, *, now: float) -> None:
    """Raise unless the policy is signed with ``secret_key``, current, and allows this very upload."""
    assert claim.policy is not None
    if claim.timestamp[:8] != claim.date:
        raise SignatureMismatch("the credential scope date differs from X-Amz-Date")
    signer = SigV4Auth(Credentials(claim.access_key_id, secret_key, claim.session_token), claim.service, claim.region)
    signing = AWSRequest(method="POST", url=request.url)
    signing.context["timestamp"] = claim.timestamp
    if not hmac.compare_digest(signer.signature(claim.policy, signing), claim.signature):
        raise SignatureMismatch("The request signature we calculated does not match the signature you provided. "
                                "Check your key and signing method.")
    policy = _document(claim.policy)
    if now > _expiration(policy):
        raise _policy_refusal(claim, request, "Invalid according to Policy: Policy expired.")
    fields = form_fields(request) | {"bucket": request.path.lstrip("/").rstrip("/")}
    conditions = policy.get("conditions")
    if not isinstance(conditions, list):
        raise _policy_refusal(claim, request, "Invalid Policy: Invalid 'conditions' value: must be a List.")
    named = {"bucket"}
    for condition in conditions:
        name, holds = _check(condition, fields, request)
        named.add(name)
        if not holds:
            raise _policy_refusal(claim, request, f"Invalid according to Policy: Policy Condition failed: "
                                                  f"{json.dumps(condition)}")
    extra = sorted(name for name in fields if name not in named and name not in _UNCONDITIONED
                   and not name.startswith("x-ignore-"))
    if extra:
        raise _policy_refusal(claim, request, f"Invalid according to Policy: Extra input fields: {extra[0]}")


def _document(policy: str) -> dict[str, Any]:
    try:
        document = json.loads(base64.b64decode(policy, validate=True))
    except (binascii.Error, ValueError):
        raise IncompleteSignature("Invalid Policy: Invalid JSON.") from None
    if not isinstance(document, dict):
        raise IncompleteSignature("Invalid Policy: Invalid JSON.")
    return document


def _expiration(policy: dict[str, Any]) -> float:
    text = policy.get("expiration")
    for pattern in _EXPIRATION_FORMATS:
        try:
            return datetime.strptime(str(text), pattern).replace(tzinfo=timezone.utc).timestamp()
        except ValueError:
            continue
    raise IncompleteSignature("Invalid Policy: Invalid 'expiration' value: must be an ISO 8601 date and time.")


def _check(condition: Any, fields: dict[str, str], request: Request) -> tuple[str, bool]:
    """The field a condition names, and whether it holds."""
    if isinstance(condition, dict) and len(condition) == 1:
        ((name, value),) = condition.items()
        return name.lower(), fields.get(name.lower()) == str(value)
    if isinstance(condition, list) and len(condition) == 3:
        operator, subject, value = condition
        operator = str(operator).lower()
        if operator == "content-length-range":
            upload = request.files.get("file")
            size = _size(upload) if upload else 0
            return "file", int(subject) <= size <= int(value)
        name = str(subject).lower().removeprefix("$")
        if operator == "eq":
            return name, fields.get(name) == str(value)
        if operator == "starts-with":
            return name, fields.get(name, "").startswith(str(value))
    raise IncompleteSignature(f"Invalid Policy: Invalid Condition: {json.dumps(condition)}")


def _size(upload: Any) -> int:
    stream = upload.stream
    here = stream.tell()
    stream.seek(0, 2)
    size = int(stream.tell())
    stream.seek(here)
    return size


def _policy_refusal(claim: SignatureClaim, request: Request, message: str) -> AccessDenied:
    return AccessDenied(message, principal_arn=claim.access_key_id, action="s3:PutObject",
                        resource=f"arn:aws:s3:::{request.path.strip('/')}")
