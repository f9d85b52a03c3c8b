"""``legacy-auth clients``: which app clients of the pool let users write the legacy identity attributes.

``custom:legacy_id``, ``custom:legacy_roles`` and ``custom:app_user_id`` (and whatever ``HOOKS_TOKEN_*_ATTRIBUTE``
name instead, and any other ``custom:legacy*``) are written only by the migrate-user trigger and the bulk import;
the pre-token hook turns them into the ``legacy_id`` / ``app_user_id`` claims and groups the backends trust. An
app client whose ``WriteAttributes`` include one lets any signed-in user make themselves the legacy admin with
``UpdateUserAttributes``, and PreSignUp never sees that call. ``ListUserPoolClients`` + ``DescribeUserPoolClient``
(read-only) per client; findings:

- ``writes_identity_attribute`` (blocking): the client's ``WriteAttributes`` name a legacy identity attribute.
- ``write_attributes_unset`` (blocking): the client has no explicit ``WriteAttributes``. The Cognito API reference
  (``CreateUserPoolClient`` / ``UserPoolClientType``, "WriteAttributes") says such a client "can write the values
  of the Standard attributes of your user pool" and that ``WriteAttributes`` is then returned empty; other
  observations (Terraform AWS provider PR #2874) found such clients could write *every* attribute. The answer of
  ``DescribeUserPoolClient`` cannot tell the two apart, so the safe reading is taken: set an explicit list.
- ``writes_preferred_username`` (warning): ``preferred_username`` needs no verification, so in a pool where it is
  a sign-in alias a user could take a legacy handle after sign-up, where PreSignUp's guard never runs.

Exit status 1 when any client has a blocking finding.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, TextIO

from legacy_auth.cli.aws import add_pool_flags, cognito_client, pool_id
from legacy_auth.cli.findings import BLOCKING, WARNING
from legacy_auth.cli.output import print_json
from legacy_auth.hooks.config import HookSettings
from legacy_auth.hooks.signup_identity import claims_identity, identity_names

HELP = "warn about app clients that let users write the legacy identity attributes"


@dataclass(frozen=True, slots=True)
class ClientFinding:
    """One finding about one app client (``code`` is stable for ``--json`` consumers)."""

    client_id: str
    client_name: str
    code: str
    severity: str
    attributes: tuple[str, ...] = ()


def register(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Add the ``clients`` sub-command."""
    p = sub.add_parser("clients", help=HELP, description=HELP + " (DescribeUserPoolClient). Exit status 1 when "
                       "a client can, or may, write them.", parents=parents)
    add_pool_flags(p)
    p.set_defaults(func=run)


def client_findings(client: Mapping[str, Any], names: frozenset[str]) -> list[ClientFinding]:
    """The findings for one ``DescribeUserPoolClient`` ``UserPoolClient`` (see the module docstring)."""
    cid, name = str(client.get("ClientId", "")), str(client.get("ClientName", ""))
    writes = [a for a in client.get("WriteAttributes") or [] if isinstance(a, str)]
    if not writes:
        return [ClientFinding(cid, name, "write_attributes_unset", BLOCKING)]
    out = []
    identity = tuple(a for a in writes if claims_identity([a], names))
    if identity:
        out.append(ClientFinding(cid, name, "writes_identity_attribute", BLOCKING, identity))
    if "preferred_username" in writes:
        out.append(ClientFinding(cid, name, "writes_preferred_username", WARNING, ("preferred_username",)))
    return out


def pool_findings(cognito: Any, pool: str, names: frozenset[str]) -> tuple[int, list[ClientFinding]]:
    """Every client of ``pool`` (paginated) and its findings."""
    count, found = 0, []
    for page in cognito.get_paginator("list_user_pool_clients").paginate(UserPoolId=pool, MaxResults=60):
        for item in page.get("UserPoolClients", []):
            client = cognito.describe_user_pool_client(UserPoolId=pool, ClientId=item["ClientId"])["UserPoolClient"]
            count += 1
            found += client_findings(client, names)
    return count, found


def run(args: argparse.Namespace, environ: Mapping[str, str], stdout: TextIO | None = None,
        stderr: TextIO | None = None) -> int:
    """Describe every client; print the findings; 1 when any is blocking."""
    out = stdout or sys.stdout
    settings = HookSettings.from_env(environ)  # HOOKS_TOKEN_*_ATTRIBUTE may rename the identity attributes
    names = identity_names((settings.legacy_id_attribute, settings.app_user_id_attribute, settings.roles_attribute))
    pool = pool_id(args, environ)
    count, found = pool_findings(cognito_client(args, environ, pool), pool, names)
    blocking = any(f.severity == BLOCKING for f in found)
    if args.json:
        print_json({"user_pool_id": pool, "clients": count, "ok": not blocking,
                    "findings": [{**asdict(f), "attributes": list(f.attributes)} for f in found]}, out)
    else:
        out.write(render(pool, count, found))
    return 1 if blocking else 0


_TEXT = {
    "writes_identity_attribute": "users can write {attrs} (UpdateUserAttributes): remove them from WriteAttributes",
    "write_attributes_unset": "no explicit WriteAttributes: set a list without custom:legacy_* / custom:app_user_id",
    "writes_preferred_username": "users can change preferred_username after sign-up (no PreSignUp guard there)",
}


def render(pool: str, count: int, found: list[ClientFinding]) -> str:
    """Human output: one line per finding, then the verdict."""
    lines = [f"legacy-auth clients: {count} app client(s) in {pool}"]
    for f in found:
        text = _TEXT[f.code].format(attrs=", ".join(f.attributes))
        lines.append(f"  {f.severity.upper():8} {f.client_name or '-'} ({f.client_id}): {text}")
    blocking = any(f.severity == BLOCKING for f in found)
    lines.append("NOT OK: a client can (or may) write the legacy identity attributes" if blocking else "OK")
    return "\n".join(lines) + "\n"
