"""`python -m tools.compatibility`: write docs/compatibility.md, which AWS operations the edge answers and how.

Read from the code, not written by hand: an operation counts as PetTube's when
its service class has the method named after it (the rule every PetTube service
dispatches by); moto's when moto's backend for the service has that method (the
rule of moto's own IMPLEMENTATION_COVERAGE.md). ``--check`` exits 1 when the
committed page differs from what the code says now.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

from botocore import xform_name
from moto.backends import get_backend

from localcloud import persistence
from localcloud.apigatewayapi.responses import ApiGatewayApi
from localcloud.cloudformation.responses import CloudFormationApi
from localcloud.cognitoidentity.responses import CognitoIdentityService
from localcloud.cognitoidp.responses import UserPoolService
from localcloud.controlplane import service_model
from localcloud.lambdaapi.responses import LambdaApi
from localcloud.mediaconvert.responses import LIBRARY_OPERATIONS, MediaConvertResponse
from localcloud.sts.service import StsService

PAGE = Path(__file__).resolve().parents[1] / "docs" / "compatibility.md"
ACCOUNT = "123456789012"


@dataclass(frozen=True)
class Service:
    """One AWS API on the edge: PetTube's class for the operations it answers itself, moto's backend for the rest."""

    name: str  # botocore's
    title: str
    own: type | None = None
    moto: str | None = None  # moto's module name; None when moto has no part in it
    note: str = ""
    #: PetTube's class answers for the template's resources only and moto for everything else, so an
    #: operation may be both (DescribeStacks: the template's stack, then moto's)
    shared: bool = False


SERVICES = (
    Service("s3", "S3", moto="s3", note="every request SigV4-checked by the access guard; bucket CORS by the edge"),
    Service("dynamodb", "DynamoDB", moto="dynamodb", note="one request at a time (conditional writes stay atomic)"),
    Service("sqs", "SQS", moto="sqs"),
    Service("events", "EventBridge", moto="events"),
    Service("logs", "CloudWatch Logs", moto="logs", note="the functions' log groups, written by the Lambda runtime"),
    Service("iam", "IAM", moto="iam"),
    Service("sts", "STS", StsService, moto="sts",
            note="AssumeRoleWithWebIdentity checks the local Cognito Identity's OpenID tokens and the role's trust"),
    Service("cognito-idp", "Cognito user pools", UserPoolService, moto="cognitoidp",
            note="real SRP; flows the app client allows; tokens signed with each pool's own key"),
    Service("cognito-identity", "Cognito Identity", CognitoIdentityService,
            note="the template's identity pool: Google stand-in and user-pool logins, guests, both flows"),
    Service("mediaconvert", "MediaConvert", MediaConvertResponse,
            note="jobs run by ffmpeg; the supported settings are in docs/mediaconvert.md"),
    Service("lambda", "Lambda", LambdaApi, moto="awslambda", shared=True,
            note="the template's functions, run by the local Lambda runtime; other functions are moto's "
                 "(it runs their code only in Docker)"),
    Service("cloudformation", "CloudFormation", CloudFormationApi, moto="cloudformation", shared=True,
            note="the stack pettube-<stage>, local outputs; other stacks are moto's"),
    Service("apigateway", "API Gateway", ApiGatewayApi, moto="apigateway", shared=True,
            note="describes the MyMedia API (calls to it go to /restapis/<id>/<stage>/_user_request_/...); "
                 "other APIs are moto's"),
)


def own_operations(service: Service) -> list[str]:
    """Operations PetTube's class answers: those it has a method for (MediaConvert's library ones are shared)."""
    if service.own is None:
        return []
    names = service_model(service.name).operation_names
    shared = LIBRARY_OPERATIONS if service.own is MediaConvertResponse else {}
    return [op for op in names if op in shared or callable(getattr(service.own, xform_name(op), None))]


def moto_operations(service: Service) -> list[str]:
    """Operations moto's backend implements, by moto's own coverage rule."""
    if service.moto is None:
        return []
    regions = get_backend(service.moto)[ACCOUNT]  # type: ignore[index]
    backend = next(regions[r] for r in ("us-east-1", "global", "aws") if r in regions.regions)
    return [op for op in service_model(service.name).operation_names if hasattr(backend, xform_name(op))]


def _title(name: str) -> str:
    return next(service.title for service in SERVICES if service.name == name)


def _names(operations: Iterable[str]) -> str:
    return ", ".join(f"`{op}`" for op in operations) or "none"


def page() -> str:
    """The whole of docs/compatibility.md."""
    lines = [
        "# What the local cloud answers",
        "",
        "<!-- Written by `python -m tools.compatibility` from the code; edit that, not this page. -->",
        "",
        "AWS's own tools (the AWS CLI, boto3, the JS SDK) work against the edge (`aws` in",
        "`.pettube/endpoints.json`, default http://127.0.0.1:4566) with the admin key from the",
        "same file. Each operation is answered either by PetTube's own code",
        "(`infra/localcloud/<service>`) or by moto " + version("moto") + " behind the access guard.",
        "An operation counts as PetTube's when its service class has the method named after it, as",
        "moto's when moto's backend has it (moto's own coverage rule: it counts an operation moto",
        "only partly implements, and misses the odd one moto answers by other code). The rest is",
        "not offered: PetTube's services answer `UnsupportedOperation`, moto an error of its own.",
        "The Lambda, CloudFormation and API Gateway control planes answer for the template's",
        "resources and hand everything else to moto: `aws cloudformation create-stack` of a stack",
        "of your own, or `aws lambda create-function`, is moto's, and a listing (`list-functions`,",
        "`describe-stacks`, `get-rest-apis`) shows the template's resources, then moto's.",
        "",
        "| service | PetTube's own | moto's | not offered | of the API | notes |",
        "|---|---:|---:|---:|---:|---|",
    ]
    details = []
    for service in SERVICES:
        every = service_model(service.name).operation_names
        own = own_operations(service)
        moto = [op for op in moto_operations(service) if service.shared or op not in own]
        missing = [op for op in every if op not in own and op not in moto]
        lines.append(f"| {service.title} (`{service.name}`) | {len(own)} | {len(moto)} | {len(missing)} | "
                     f"{len(every)} | {service.note} |")
        own_scope, moto_scope = (" (the template's resources)", " (anything else)") if service.shared else ("", "")
        details += [f"### {service.title}", ""]
        if own:
            details.append(f"- PetTube's own{own_scope}: {_names(own)}")
        if moto:
            details.append(f"- moto's{moto_scope}: {_names(moto)}")
        details += [f"- not offered: {_names(missing)}", ""]
    lines += [
        "",
        "Other services moto implements answer too, as moto does, behind the same guard (the admin",
        "key only: the identity pool's roles grant nothing outside S3 and the MyMedia API).",
        "",
        "## Regions and signatures",
        "",
        "- moto's services answer a signature scoped to any region, each region starting empty, as",
        "  on AWS; so do the Lambda, CloudFormation and API Gateway control planes, whose template",
        "  resources live in its region. PetTube's other services (MediaConvert, Cognito Identity's",
        "  admin calls, the MyMedia API) answer the template's region only: another gets",
        "  `IncompleteSignatureException` (`Credential should be scoped to a valid region`).",
        "- Refused as AWS refuses: unsigned requests to signed APIs; signatures dated more than 15",
        "  minutes from the local clock (a client under a frozen clock, as in tests that freeze time,",
        "  gets `Signature expired` or `Request is not yet valid`); and S3 Signature Version 2",
        "  (`AWSAccessKeyId=` presigned URLs, `Authorization: AWS ...`): S3 does not accept SigV2 for",
        "  buckets created after 24 June 2020, and every bucket here is newer.",
        "- S3 presigned POST (browser-based uploads) is checked as S3 checks it: the policy's",
        "  signature, expiration, conditions and fields (docs/security.md).",
        "",
        "## Kept across restarts",
        "",
        "The library (`library.sqlite3` and the object files in the state directory) keeps what",
        "PetTube stores, whoever created it (a queue of a stack of one's own included): "
        + ", ".join(_title(name) for name in persistence.SERVICES) + ".",
        "moto's other backends live in memory only, as in moto itself: IAM, and a developer's own",
        "Lambda functions, CloudFormation stacks and REST APIs, start empty at each start (the",
        "template's are provisioned again).",
        "",
        "## moto's own tests against the edge",
        "",
        "`python -m bench.compat [moto test paths]` runs the tests of the moto release in use (from its",
        "PyPI sdist) in server mode twice, against a bare `moto.server` and against a fresh local",
        "cloud's edge with the admin key, and lists every test that fails against the edge only",
        "(default: S3, DynamoDB and SQS, thousands of tests; results in `build/compat/results.json`, the",
        "counts and the failing tests in docs/benchmarks.md).",
        "Such a test is a bug of the edge unless AWS refuses the same request (above).",
        "`--reuse-moto` takes bare moto's results from the last run and runs the edge alone.",
        "",
        "What still fails against the edge and passes against bare moto, and why:",
        "",
        "- **Signature Version 2.** boto3 presigns S3 URLs and POST forms with SigV2 unless",
        "  told `signature_version=\"s3v4\"` (`AWSAccessKeyId=`, `Signature=`). S3 refuses SigV2 on",
        "  buckets created after June 2020 and so does the edge; moto checks no signature at all.",
        "  Presigned PUT and GET URLs (content headers, tagged objects, multipart parts) and",
        "  presigned POST forms in moto's S3 tests fail for this reason.",
        "- **Credentials the local cloud never issued.** Tests that build clients with made-up keys",
        "  (`ak`/`sk`, other accounts, STS-assumed roles of other accounts) get",
        "  `UnrecognizedClientException`, as they would from AWS; moto accepts any key.",
        "- **A clock frozen in the past** (freezegun): `RequestTimeTooSkewed`, as from AWS.",
        "- **An anonymous read.** moto answers a bare 403 to an unsigned GetObject of a private",
        "  object; the edge answers S3's `AccessDenied` body. A `public-read` ACL does not open an",
        "  object to anonymous readers here: new AWS buckets disable ACLs (BucketOwnerEnforced) and",
        "  block public access, and the local buckets are private.",
        "",
        "## Per operation",
        "",
        *details,
    ]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.compatibility", description=__doc__.split(": ", 1)[1])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when docs/compatibility.md is not what the code says")
    args = parser.parse_args(argv)
    text = page()
    if args.check:
        if not PAGE.exists() or PAGE.read_text() != text:
            print(f"{PAGE} is stale: run python -m tools.compatibility", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(text)
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
