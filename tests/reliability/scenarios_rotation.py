"""Credentials rotated through Secrets Manager (moto in-process; the DB account is real MariaDB).

The migration container reads the standard RDS secret JSON (``LEGACY_DB_SECRET_ARN``) once and caches it.
Rotation as AWS does it: the DB password changes, then the secret's new value is promoted. Between the two
steps a reconnect fails (generic error, in budget); after promotion the cached credentials fail once, the
secret is re-read and the sign-in migrates without any redeploy.
"""

from __future__ import annotations

import json
import logging

from tests.reliability.dbadmin import DbUser, dbname, mysql_user
from tests.reliability.migration_rig import (
    MigrationRig,
    describe,
    expect_migrated,
    expect_refused_in_budget,
    expect_tracking,
)
from tests.reliability.scenario import Outcome, RunContext, Scenario
from tests.reliability.secrets_check import capture_all, harness_aws_calls, remember, scan

FAKE_AWS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "eu-west-1", "LEGACY_DB_REGION": "eu-west-1"}


def _secret(user: DbUser, password: str, port: int) -> str:
    return json.dumps({"engine": "mariadb", "host": "127.0.0.1", "port": port, "username": user.name,
                       "password": password, "dbname": user.database})


def secrets_manager_rotation(ctx: RunContext) -> Outcome:
    """Warm container; DB password rotated (secret not yet promoted), then promoted."""
    import boto3
    from moto import mock_aws

    out = Outcome()
    url = ctx.databases.mysql("relrotate")
    with mysql_user(dbname(url)) as user, MigrationRig(ctx, accounts=4, user=user, url=url) as rig, mock_aws():
        with harness_aws_calls():
            client = boto3.client("secretsmanager", region_name="eu-west-1")
            arn = client.create_secret(Name="legacy-db",
                                       SecretString=_secret(user, user.password, rig.proxy.port))["ARN"]
        rig.env.pop("LEGACY_DB_URL", None)
        rig.env.update({**FAKE_AWS, "LEGACY_DB_SECRET_ARN": arn})
        c = rig.container()
        expect_migrated(out, rig.sign_in(c, rig.accounts[0]), rig.accounts[0], "warm-up (secret read once)")
        new_password = user.password + "-r2"
        remember(new_password, "db_password")
        user.set_password(new_password)  # rotation step 1: the DB has the new password ...
        user.kill_sessions()
        rig.proxy.kill_all()
        pending = rig.sign_in(c, rig.accounts[1])  # ... the secret still has the old one
        expect_refused_in_budget(out, pending, "between DB change and secret promotion")
        with harness_aws_calls():
            client.put_secret_value(SecretId=arn, SecretString=_secret(user, new_password, rig.proxy.port))
        promoted = rig.sign_in(c, rig.accounts[2])  # cached old creds fail once, the secret is re-read
        expect_migrated(out, promoted, rig.accounts[2], "after promotion (secret re-read, no redeploy)")
        again = rig.sign_in(c, rig.accounts[3])
        expect_migrated(out, again, rig.accounts[3], "next invocation")
        expect_tracking(out, rig, {str(rig.accounts[i].userid): 1 for i in (0, 2, 3)})
        out.timed(max(pending.seconds, promoted.seconds))
        out.note(f"between DB change and promotion: {describe(pending)}; after promotion: {describe(promoted)} "
                 f"(secret re-read once); next: {describe(again)}")
    return out


def root_debug_after_cold_start(ctx: RunContext) -> Outcome:
    """Root logger raised to DEBUG *after* the cold start (app code calling ``basicConfig(level=DEBUG)``, a
    debugging session): the Secrets Manager read must still not log the DB password."""
    import boto3
    from moto import mock_aws

    out = Outcome()
    url = ctx.databases.mysql("relrootdebug")
    root, botocore = logging.getLogger(), logging.getLogger("botocore")
    saved = (root.level, botocore.level)
    with mysql_user(dbname(url)) as user, MigrationRig(ctx, accounts=1, user=user, url=url) as rig, mock_aws():
        with harness_aws_calls():
            client = boto3.client("secretsmanager", region_name="eu-west-1")
            arn = client.create_secret(Name="legacy-db",
                                       SecretString=_secret(user, user.password, rig.proxy.port))["ARN"]
        rig.env.pop("LEGACY_DB_URL", None)
        rig.env.update({**FAKE_AWS, "LEGACY_DB_SECRET_ARN": arn})
        try:
            root.setLevel(logging.WARNING)  # the default when the handler module is imported ...
            botocore.setLevel(logging.NOTSET)
            c = rig.container()
            root.setLevel(logging.DEBUG)  # ... and DEBUG from then on
            with capture_all() as cap:
                inv = rig.sign_in(c, rig.accounts[0])
        finally:
            root.setLevel(saved[0])
            botocore.setLevel(saved[1])
        leaks = scan(cap.text())
        expect_migrated(out, inv, rig.accounts[0], "sign-in through the secret")
        out.check("no secret in the output", not leaks, f"found: {', '.join(leaks)} (botocore DEBUG request/response "
                  "bodies: quiet_noisy_loggers only acts when the effective level is already below WARNING)")
        out.timed(inv.seconds)
        out.note(f"root DEBUG after cold start: {len(cap.text()):,} bytes of output, {len(leaks)} secret(s) found")
    return out


SCENARIOS = [
    Scenario("legacy DB credentials rotated via Secrets Manager (moto secret, real MariaDB account)",
             "generic error < 4.5 s while the secret lags; after promotion the secret is re-read and sign-ins "
             "migrate with no redeploy; tracking exact", secrets_manager_rotation),
    Scenario("root logger raised to DEBUG after the cold start (Secrets Manager credentials)",
             "sign-in migrates; no DB password or other secret in any output", root_debug_after_cold_start),
]
