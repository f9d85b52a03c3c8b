"""Import each built Lambda package on its own (no site-packages) with the runtime's Python, after `sam build`.

Run by `make sam-build` as ``python3.13 -S devstack/lambda/smoke.py .aws-sam/build``: proves every package is
self-contained (it ships all it imports), holds .pyc files, and that the authorizer loads no DB driver, hash
library or boto3. Exit status 1 on any failure.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

HANDLERS = {
    "MigrationFunction": "triggers.user_migration",
    "PreSignUpFunction": "triggers.pre_signup",
    "PostConfirmationFunction": "triggers.post_confirmation",
    "PreTokenGenerationFunction": "triggers.pre_token_generation",
    "AuthorizerFunction": "authorizer.handler",
    "ExampleBackendFunction": "devstack.example_backend",
}
NEVER_IN_AUTHORIZER = ("pymysql", "passlib", "boto3", "botocore", "psycopg", "bcrypt", "argon2", "legacy_auth")


def check_one(package: Path, module: str) -> None:
    """In this (isolated) interpreter: import ``module`` from ``package`` and check what it loaded."""
    sys.path.insert(0, str(package))
    handler = importlib.import_module(module).handler
    if not callable(handler):
        raise SystemExit(f"{module}.handler is not callable")
    if module.startswith("authorizer.handler"):
        loaded = [name for name in NEVER_IN_AUTHORIZER if name in sys.modules]
        if loaded:
            raise SystemExit(f"authorizer loaded {loaded}")


def main(build_dir: str) -> int:
    """Check every function package under ``build_dir``; print one line each."""
    failures = 0
    for function, module in HANDLERS.items():
        package = Path(build_dir) / function
        pyc = len(list(package.rglob("*.pyc")))
        result = subprocess.run(
            [sys.executable, "-S", __file__, "--one", str(package), module],
            capture_output=True, text=True, timeout=120, check=False,
        )
        ok = result.returncode == 0 and pyc > 0
        failures += not ok
        detail = "" if ok else (result.stderr.strip().splitlines() or ["no .pyc files"])[-1]
        print(f"  {'ok  ' if ok else 'FAIL'} {function:<28} {module:<36} {pyc:>4} .pyc  {detail}")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--one":
        check_one(Path(sys.argv[2]), sys.argv[3])
        sys.exit(0)
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ".aws-sam/build"))
