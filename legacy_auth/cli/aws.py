"""The boto3 Cognito client of the CLI (lazy import: commands that never call AWS do not load boto3)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

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


def endpoint_url(args: argparse.Namespace) -> str | None:
    """``--endpoint-url``, checked: an ``http(s)://host[:port]`` URL, else ``UsageError`` (exit 2)."""
    value = (getattr(args, "endpoint_url", None) or "").strip()
    if not value:
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError("--endpoint-url must be an http(s) URL, e.g. http://127.0.0.1:9229")
    return value


def cognito_client(args: argparse.Namespace, environ: Mapping[str, str], pool: str) -> Any:
    """A ``cognito-idp`` client for the pool's region.

    Raises
    ------
    UsageError
        ``--endpoint-url`` or the region is unusable (boto3 raises ``ValueError`` for both).
    """
    import boto3

    endpoint = endpoint_url(args)
    region = args.region or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or pool.split("_", 1)[0]
    try:
        return boto3.client("cognito-idp", region_name=region, endpoint_url=endpoint)
    except ValueError as exc:  # botocore's InvalidRegionError is a ValueError too; neither carries a secret
        raise UsageError(f"cannot create the Cognito client: {exc}") from None
