"""Where the database password comes from: the URL, Secrets Manager (RDS secret JSON) or an RDS IAM token.

boto3 is imported lazily, only by the Secrets Manager and IAM providers, so a plain ``LEGACY_DB_URL``
deployment never pays its ~200 ms import on a cold start.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import replace
from typing import Any, Protocol

from legacy_auth.db.url import DbUrl, DbUrlError, parse_db_url
from legacy_auth.errors import StoreUnavailableError

#: RDS IAM tokens live 15 minutes; refresh well before (connections outlive their token).
IAM_TOKEN_TTL_S = 10 * 60
_ENGINES = {
    "mysql": "mysql",
    "mariadb": "mysql",
    "aurora-mysql": "mysql",
    "aurora": "mysql",
    "postgres": "postgresql",
    "postgresql": "postgresql",
    "aurora-postgresql": "postgresql",
}
_AWS_TIMEOUTS = {"connect_timeout": 1.0, "read_timeout": 1.5, "retries": {"max_attempts": 1, "mode": "standard"}}


class CredentialSource(Protocol):
    """Gives the full URL (with password) to connect with; refreshes once after an authentication failure."""

    def url(self) -> DbUrl:
        """The URL to connect with now."""
        ...

    def refresh(self) -> bool:
        """Forget cached credentials after an authentication failure; False if nothing can change."""
        ...


class StaticCredentials:
    """The password is in the URL (or there is none, e.g. SQLite or trust auth)."""

    def __init__(self, url: DbUrl) -> None:
        self._url = url

    def url(self) -> DbUrl:
        """The configured URL."""
        return self._url

    def refresh(self) -> bool:
        """Nothing to refresh."""
        return False


def _aws_client(service: str, region: str | None) -> Any:
    import boto3  # lazy: only when a secret or IAM token is configured
    from botocore.config import Config

    from legacy_auth.log_safety import quiet_noisy_loggers

    quiet_noisy_loggers()  # botocore DEBUG would print the secret's value

    return boto3.client(service, region_name=region or os.environ.get("AWS_REGION"), config=Config(**_AWS_TIMEOUTS))


def url_from_rds_secret(secret: dict[str, Any], base: DbUrl | None, dbname: str | None) -> DbUrl:
    """Build a URL from the standard RDS secret JSON, falling back to ``base`` for missing fields.

    Raises
    ------
    StoreUnavailableError
        The secret lacks what is needed (never includes the secret's values in the message).
    """
    engine = str(secret.get("engine", "")).lower()
    dialect = _ENGINES.get(engine) or (base.dialect if base else None)
    host = secret.get("host") or (base.host if base else None)
    user = secret.get("username") or (base.user if base else None)
    database = dbname or secret.get("dbname") or (base.database if base else None)
    if dialect not in ("mysql", "postgresql") or not host or not user or not database:
        raise StoreUnavailableError("database secret lacks engine/host/username/dbname (set LEGACY_DB_NAME)")
    port = int(secret.get("port") or (base.port if base else 0) or (3306 if dialect == "mysql" else 5432))
    return DbUrl(
        dialect=dialect,  # type: ignore[arg-type]
        host=str(host),
        port=port,
        user=str(user),
        database=str(database),
        password=None if secret.get("password") is None else str(secret["password"]),
    )


class SecretCredentials:
    """Secrets Manager RDS secret, cached for the life of the process and re-read once on auth failure."""

    def __init__(self, secret_arn: str, *, region: str | None, base: DbUrl | None, dbname: str | None) -> None:
        self._arn = secret_arn
        self._region = region
        self._base = base
        self._dbname = dbname
        self._cached: DbUrl | None = None
        self._client: Any = None
        self._lock = threading.Lock()

    def url(self) -> DbUrl:
        """The URL from the (cached) secret."""
        with self._lock:
            if self._cached is None:
                self._cached = self._fetch()
            return self._cached

    def refresh(self) -> bool:
        """Drop the cached secret (rotation); the next :meth:`url` reads it again."""
        with self._lock:
            self._cached = None
        return True

    def _fetch(self) -> DbUrl:
        try:
            if self._client is None:
                self._client = _aws_client("secretsmanager", self._region)
            value = self._client.get_secret_value(SecretId=self._arn)
            secret = json.loads(value["SecretString"])
        except Exception as exc:  # noqa: BLE001 - botocore errors, bad JSON: the message must not carry the secret
            raise StoreUnavailableError(f"could not read the database secret ({type(exc).__name__})") from None
        if not isinstance(secret, dict):
            raise StoreUnavailableError("database secret is not a JSON object")
        return url_from_rds_secret(secret, self._base, self._dbname)


class IamTokenCredentials:
    """RDS IAM authentication: the password is a SigV4-presigned token, cached for ``IAM_TOKEN_TTL_S``."""

    def __init__(self, inner: CredentialSource, *, region: str | None) -> None:
        self._inner = inner
        self._region = region
        self._client: Any = None
        self._token: tuple[float, DbUrl] | None = None
        self._lock = threading.Lock()

    def url(self) -> DbUrl:
        """The inner URL with a fresh-enough IAM token as password."""
        with self._lock:
            now = time.monotonic()
            if self._token is None or now - self._token[0] > IAM_TOKEN_TTL_S:
                base = self._inner.url()
                self._token = (now, base.with_password(self._generate(base)))
            return self._token[1]

    def refresh(self) -> bool:
        """Drop the cached token (and the inner source's cache)."""
        with self._lock:
            self._token = None
        self._inner.refresh()
        return True

    def _generate(self, base: DbUrl) -> str:
        try:
            if self._client is None:
                self._client = _aws_client("rds", self._region)
            return str(self._client.generate_db_auth_token(DBHostname=base.host, Port=base.port, DBUsername=base.user))
        except Exception as exc:  # noqa: BLE001 - no credentials / region: the message must not carry them
            raise StoreUnavailableError(f"could not generate an RDS IAM token ({type(exc).__name__})") from None


def credential_source(url: str | DbUrl | None, *, secret_arn: str | None = None, iam_auth: bool = False,
                      region: str | None = None, dbname: str | None = None) -> CredentialSource:
    """Pick the credential source for a URL / secret / IAM configuration.

    Raises
    ------
    DbUrlError
        Neither a URL nor a secret, or an unparsable URL.
    """
    base = parse_db_url(url) if isinstance(url, str) else url
    if dbname and base is not None:
        base = replace(base, database=dbname)
    source: CredentialSource
    if secret_arn:
        source = SecretCredentials(secret_arn, region=region, base=base, dbname=dbname)
    elif base is not None:
        source = StaticCredentials(base)
    else:
        raise DbUrlError("no database URL and no secret ARN")
    if iam_auth:
        source = IamTokenCredentials(source, region=region)
    return source
