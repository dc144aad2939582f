"""``python -m deploy deploy|destroy``: the commands behind ``make deploy`` and ``make destroy``."""

from __future__ import annotations

import argparse
import sys

import boto3

from deploy import destroy as teardown
from deploy import pipeline
from deploy.errors import DeployError, SettingsError
from deploy.settings import DeploySettings, validate
from deploy.template import load_sam


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m deploy", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("deploy", help="create or update the stage's stack and publish the site")
    up.add_argument("--google-client-id", default="", help="OAuth web client id from the Google Cloud console")
    up.add_argument("--alarm-email", default="", help="address for alarm e-mails (optional)")
    up.add_argument("--site-hosting", default="S3Website", help="S3Website (default) or PrivateBucket")
    up.add_argument("--dry-run", action="store_true", help="show the change set, apply nothing")
    up.add_argument("--check", action="store_true", help="only check the parameters (no AWS call)")
    down = commands.add_parser("destroy", help="empty the stage's buckets and delete its stack")
    down.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    for command in (up, down):
        command.add_argument("--stage", default="prod", help="stage name; the stack is pettube-<stage>")
        command.add_argument("--region", default="", help="AWS region, e.g. us-east-1")
    return parser


def _confirmed(stack_name: str, region: str) -> bool:
    """Destroy deletes every uploaded video: make the user type the stack's name."""
    if not sys.stdin.isatty():
        raise SettingsError("destroy deletes every video of the stage: pass YES=1 (--yes) to confirm")
    answer = input(f"This deletes {stack_name} in {region} with all its videos. Type the stack name to go on: ")
    return answer.strip() == stack_name


def main(argv: list[str] | None = None) -> int:
    """Run one command; a DeployError prints its message and exits 2, without a traceback."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "deploy":
            settings = DeploySettings(args.stage, args.region, args.google_client_id, args.alarm_email,
                                      args.site_hosting)
            if args.check:
                validate(settings, load_sam())
                return 0
            pipeline.deploy(settings, boto3.Session(region_name=args.region or None), dry_run=args.dry_run)
            return 0
        settings = DeploySettings(args.stage, args.region, google_client_id="")
        if not args.region:
            raise SettingsError("REGION is required")
        if not args.yes and not _confirmed(settings.stack_name, args.region):
            print("not confirmed: nothing deleted")
            return 1
        session = boto3.Session(region_name=args.region)
        pipeline.account_id(session)
        found = teardown.destroy(session.client("cloudformation"), session.client("s3"), settings.stack_name)
        print(f"deleted {settings.stack_name}" if found else f"no stack {settings.stack_name} in {args.region}")
        return 0
    except DeployError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
