"""``python -m devstack run`` (foreground stack, URLs printed) and ``python -m devstack demo`` (walk the flow).

Exit status of ``demo``: 0 when every step behaved, 1 otherwise (2 if the stack could not start).
``run --json`` prints one ``DEVSTACK_READY {...}`` line with every URL and id (used by tests/e2e) and keeps
serving until SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from types import FrameType

from devstack.cognito_local import CognitoLocalError
from devstack.stack import LocalStack, describe, missing_handlers

READY_PREFIX = "DEVSTACK_READY "
DESCRIPTION = """\
The local stack: cognito-local (the Cognito emulator) calling our real Lambda handlers in-process, the
legacy and app databases, and an HTTP front with the Lambda authorizer. No AWS account is used.

  python -m devstack demo         start the stack, walk the migration flow, stop
                                  (exit 0 when every step behaved, 1 otherwise, 2 if the stack could not start)
  python -m devstack run          start the stack in the foreground and print its URLs (Ctrl-C stops it)
  python -m devstack run --json   print one DEVSTACK_READY {...} line with every URL and id (used by tests/e2e)

More: docs/local-stack.md.
"""


def _run(args: argparse.Namespace) -> int:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    stack = LocalStack(quiet=not args.verbose, keep_state=args.keep_state, authorizer_type=args.authorizer_type)
    try:
        info = stack.start()
    except CognitoLocalError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 2
    try:
        if args.json:
            print(READY_PREFIX + json.dumps(info.as_dict()), flush=True)
        else:
            print("Local stack is up (Ctrl-C to stop):")
            print(describe(info, os.environ))
            missing = missing_handlers()
            if missing:
                print(f"  WARNING: handler modules not in this checkout yet: {', '.join(missing)}")
            print(
                "\nTry:\n"
                f"  aws cognito-idp initiate-auth --endpoint-url {info.cognito_url} --client-id {info.client_id} \\\n"
                "      --auth-flow USER_PASSWORD_AUTH --auth-parameters USERNAME=alice,PASSWORD=<password>\n"
                f"  curl -H 'Authorization: Bearer <AccessToken>' {info.api_url}/me",
                flush=True,
            )
        stop.wait()
    finally:
        stack.stop()
    return 0


def _demo(args: argparse.Namespace) -> int:
    from devstack.demo import run_demo

    return run_demo(verbose=args.verbose)


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m devstack``."""
    parser = argparse.ArgumentParser(prog="python -m devstack", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start the local stack in the foreground and print its URLs")
    run.add_argument("--json", action="store_true", help="print one machine-readable DEVSTACK_READY line")
    run.add_argument("--keep-state", action="store_true", help="keep devstack/.state/run-* after stopping")
    run.add_argument("--authorizer-type", choices=["TOKEN", "REQUEST"], default="TOKEN")
    run.add_argument("-v", "--verbose", action="store_true", help="handler logs (INFO) and EMF metrics on stdout")
    run.set_defaults(func=_run)
    demo = sub.add_parser("demo", help="start the stack, walk the migration flow, stop; non-zero exit on failure")
    demo.add_argument("-v", "--verbose", action="store_true", help="handler logs and EMF metrics on stdout")
    demo.set_defaults(func=_demo)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
