"""The process inside one local Lambda execution environment.

Speaks JSON lines with the runtime on file descriptor 3 (stdin/stdout stay the
function's own: whatever the handler prints is its log, as on Lambda). Imports
the handler once (init phase) and then serves invocations one at a time.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback

from localcloud.lambdaruntime.context import LambdaContext

# Written to stdout after each invocation's output: the runtime logs END only once it has read this far.
OUTPUT_DONE = b"\x1epettube-runtime: output done\n"


def _load(handler: str):  # noqa: ANN202 - returns the user's callable
    module_name, _, function_name = handler.rpartition(".")
    return getattr(importlib.import_module(module_name), function_name)


def _error(exc: BaseException) -> dict:
    return {
        "errorType": type(exc).__name__,
        "errorMessage": str(exc),
        # The handler's frames only, as Lambda reports them (not this loop's).
        "stackTrace": traceback.format_tb(exc.__traceback__.tb_next or exc.__traceback__),
    }


def main() -> None:
    channel_in = os.fdopen(int(os.environ.pop("_PETTUBE_RUNTIME_IN")), "r", encoding="utf-8")
    channel_out = os.fdopen(int(os.environ.pop("_PETTUBE_RUNTIME_OUT")), "w", encoding="utf-8")
    try:
        handler = _load(os.environ["_HANDLER"])
        init_error = None
    except Exception as exc:  # an init error fails every invocation, as on Lambda
        handler, init_error = None, _error(exc)
        traceback.print_exc()
    for line in channel_in:
        request = json.loads(line)
        if init_error:
            reply = {"error": {**init_error, "errorType": "Runtime.ImportModuleError"}}
        else:
            context = LambdaContext(
                function_name=os.environ["AWS_LAMBDA_FUNCTION_NAME"],
                memory_limit_in_mb=int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]),
                invoked_function_arn=request["function_arn"],
                aws_request_id=request["request_id"],
                deadline_ms=request["deadline_ms"],
                log_group_name=os.environ["AWS_LAMBDA_LOG_GROUP_NAME"],
                log_stream_name=os.environ["AWS_LAMBDA_LOG_STREAM_NAME"],
            )
            try:
                reply = {"result": handler(request["event"], context)}
            except Exception as exc:
                traceback.print_exc()
                reply = {"error": _error(exc)}
        sys.stdout.flush()
        sys.stderr.flush()
        os.write(sys.stdout.fileno(), OUTPUT_DONE)  # after the invocation's own output, on the same pipe
        channel_out.write(json.dumps(reply, default=str) + "\n")
        channel_out.flush()


if __name__ == "__main__":
    main()
