"""``python -m localcloud``: run PetTube's local cloud, or inspect a running one.

    python -m localcloud up            start everything, print where it is, Ctrl-C stops
    python -m localcloud dead-letters  list the failed events a running cloud dead-lettered
    python -m localcloud backup DIR    copy the library to DIR (safe while it runs); restore DIR puts it back
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

from localcloud.cloud import REPO_ROOT, LocalCloud, PortInUseError, configure_logging, read_queue
from localcloud.endpoints import Endpoints
from localcloud.library.backup import add_commands as add_library_commands
from localcloud.persistence import SavedStateError


class MissingToolError(Exception):
    """A program the local cloud needs is not installed."""


def check_tools() -> None:
    """Fail early, with the fix, when a needed tool is missing."""
    try:
        import imageio_ffmpeg

        imageio_ffmpeg.get_ffmpeg_exe()
    except Exception as exc:
        raise MissingToolError(
            "ffmpeg is missing: `make dev` installs it with imageio-ffmpeg (pip); or set PETTUBE_FFMPEG "
            f"to a system ffmpeg (`apt-get install ffmpeg`, `brew install ffmpeg`). ({exc})") from exc
    if not (REPO_ROOT / "site" / "vendor").is_dir() and shutil.which("node") is None:
        raise MissingToolError("Node.js is missing: the site's runtime is built with npm. Install Node.js 20+ "
                               "(https://nodejs.org or your package manager) and run `make dev` again.")


class StopSignals:
    """Ctrl-C and SIGTERM: the first one during the start interrupts it (the start undoes itself).

    Once the cloud is up they only ask it to stop, so the stop always runs to its end: a second
    Ctrl-C cannot cut it short with a traceback and leave processes behind.
    """

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.received = signal.SIGINT
        self._starting = True

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self._handle)
        # A background job (`make dev &`) starts with Ctrl-C ignored, so the terminal's Ctrl-C is not for it.
        if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
            signal.signal(signal.SIGINT, self._handle)

    def cloud_is_up(self) -> None:
        self._starting = False

    def _handle(self, signum: int, frame: object) -> None:
        interrupt = self._starting and not self.requested.is_set()
        self.received = signal.Signals(signum)
        self.requested.set()
        if interrupt:
            raise KeyboardInterrupt


def up(args: argparse.Namespace) -> int:
    configure_logging(args.verbose)
    signals = StopSignals()
    signals.install()
    cloud = LocalCloud()
    started = time.perf_counter()
    try:
        check_tools()
        endpoints = cloud.start()  # a start that fails or is interrupted has undone itself
        signals.cloud_is_up()
    except (MissingToolError, PortInUseError, SavedStateError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        cloud.stop()  # undoes nothing, unless the signal came just as the start ended
        print("\nStopped before PetTube's local cloud was up.", flush=True)
        return 128 + signals.received
    print(f"""
PetTube's local cloud is up in {time.perf_counter() - started:.1f} s.

  Open the app:      {endpoints.site}
  AWS edge:          {endpoints.aws}   (aws --endpoint-url {endpoints.aws} ...)
  MyMedia API:       {endpoints.api}
  Google stand-in:   {endpoints.idp}   (test users: julie, bob)
  Endpoints file:    {cloud.endpoints_path}
  Dead letters:      python -m localcloud dead-letters

Ctrl-C stops everything.
""", flush=True)
    while not signals.requested.wait(0.5):  # a timed wait lets signal handlers run promptly
        pass
    print("\nStopping PetTube's local cloud...", flush=True)
    cloud.stop()
    return 0


def dead_letters(args: argparse.Namespace) -> int:
    path = args.state_dir / "endpoints.json"
    if not path.exists():
        print("error: no local cloud is running (start it with `make dev`)", file=sys.stderr)
        return 2
    endpoints = Endpoints.read(path)
    sqs = endpoints.client("sqs")
    records = read_queue(sqs, sqs.get_queue_url(QueueName=endpoints.dead_letter_queue)["QueueUrl"])
    if args.json:
        print(json.dumps(records, indent=2))
        return 0
    if not records:
        print("No dead-lettered events.")
    for record in records:
        context, response = record.get("requestContext", {}), record.get("responsePayload", {})
        print(f"{record.get('timestamp')}  {context.get('functionArn', '?').split(':')[-2]}  "
              f"after {context.get('approximateInvokeCount')} attempts: "
              f"{response.get('errorType')}: {response.get('errorMessage')}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localcloud", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("up", help="start the local cloud (the default)")
    run.add_argument("-v", "--verbose", action="store_true")
    run.set_defaults(func=up)
    dlq = sub.add_parser("dead-letters", help="list events that failed every retry")
    dlq.add_argument("--json", action="store_true")
    dlq.add_argument("--state-dir", type=Path, default=REPO_ROOT / ".pettube", help=argparse.SUPPRESS)
    dlq.set_defaults(func=dead_letters)
    add_library_commands(sub, LocalCloud.state_dir)
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["up", *(argv or sys.argv[1:])])
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
