"""The boto3 Cognito client of the CLI (lazy import: commands that never call AWS do not load boto3)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping
from typing import Any

from legacy_auth.cli.errors import UsageError

POOL_ID = re.compile(r"^[\w-]+_[0-9a-zA-Z]+$")  # Cognito's UserPoolId pattern


def add_pool_flags(parser: argparse.ArgumentParser) -> None:
    """``--user-pool-id``, ``--region`` and ``--endpoint-url``."""
    group = parser.add_argument_group("Cognito")
    group.add_argument("--user-pool-id", metavar="ID", help="the user pool (default: $USER_POOL_ID)")
    group.add_argument("--region", help="AWS region (default: $AWS_REGION / $AWS_DEFAULT_REGION, or the pool id's)")
    group.add_argument("--endpoint-url", metavar="URL", help="Cognito endpoint override (e.g. a local emulator)")


def pool_id(args: argparse.Namespace, environ: Mapping[str, str]) -> str:
    """The user pool id from the flag or ``USER_POOL_ID``; ``UsageError`` if missing or malformed."""
    value = (getattr(args, "user_pool_id", None) or environ.get("USER_POOL_ID") or "").strip()
    if not value:
        raise UsageError("--user-pool-id (or USER_POOL_ID) is required")
    if len(value) > 55 or not POOL_ID.fullmatch(value):
        raise UsageError("--user-pool-id must look like <region>_<id>, e.g. eu-west-1_AbCdEf123")
    return value


def cognito_client(args: argparse.Namespace, environ: Mapping[str, str], pool: str) -> Any:
    """A ``cognito-idp`` client for the pool's region."""
    import boto3

    region = args.region or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or pool.split("_", 1)[0]
    return boto3.client("cognito-idp", region_name=region, endpoint_url=args.endpoint_url or None)
