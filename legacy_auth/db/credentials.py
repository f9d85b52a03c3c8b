"""Where the database password comes from: the URL, Secrets Manager (RDS secret JSON) or an RDS IAM token.

boto3 is imported lazily, only by the Secrets Manager and IAM providers, so a plain ``LEGACY_DB_URL``
deployment never pays its ~200 ms import on a cold start.

**Deadlines.** :meth:`CredentialSource.url` and :meth:`CredentialSource.refresh` take the invocation's
:class:`~legacy_auth.deadline.Deadline`. A Secrets Manager read gets a botocore client whose
``connect_timeout`` and ``read_timeout`` are cut from the time left (minus :data:`KEEP_FOR_CONNECT_S` for the
database connect that follows) and a single attempt (``total_max_attempts=1``: botocore's ``max_attempts``
counts *retries*, so ``1`` meant two tries). With less than :data:`MIN_SECRET_READ_S` available the read is
not attempted (``StoreTimeoutError``). The re-read after an authentication failure happens only when
:data:`MIN_REREAD_S` is left; otherwise the cached secret is dropped and the next invocation reads it.
What the timeouts cannot bound: DNS resolution of the endpoint name (use a VPC endpoint) and a server that
trickles bytes slower than one per ``read_timeout``.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import replace
from typing import Any, Protocol

from legacy_auth.db.url import DbUrl, DbUrlError, parse_db_url
from legacy_auth.deadline import Deadline
from legacy_auth.errors import StoreTimeoutError, StoreUnavailableError

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
#: Upper bounds of the Secrets Manager timeouts (a healthy endpoint answers in well under 100 ms).
MAX_CONNECT_S = 1.0
MAX_READ_S = 1.5
#: Kept back, after a secret read, for the database connect it is needed for.
KEEP_FOR_CONNECT_S = 0.2
#: Below this much time for the read itself, it is not attempted.
MIN_SECRET_READ_S = 0.25
#: An authentication failure re-reads the secret at once only with this much time left.
MIN_REREAD_S = MIN_SECRET_READ_S + KEEP_FOR_CONNECT_S + 0.15


class CredentialSource(Protocol):
    """Gives the full URL (with password) to connect with; refreshes once after an authentication failure."""

    def url(self, deadline: Deadline | None = None) -> DbUrl:
        """The URL to connect with now; any network read is bounded by ``deadline``.

        Raises
        ------
        StoreTimeoutError
            Too little time left to read the credentials.
        StoreUnavailableError
            They could not be read.
        """
        ...

    def refresh(self, deadline: Deadline | None = None) -> bool:
        """Forget cached credentials after an authentication failure.

        Returns True when a new :meth:`url` may give something else *and* ``deadline`` leaves time to get it
        now; False if nothing can change or the re-read must wait for the next invocation.
        """
        ...

    def peek(self) -> DbUrl | None:
        """The URL if known without any I/O (cached), else ``None`` (``repr``, logs)."""
        ...


class StaticCredentials:
    """The password is in the URL (or there is none, e.g. SQLite or trust auth)."""

    def __init__(self, url: DbUrl) -> None:
        self._url = url

    def url(self, deadline: Deadline | None = None) -> DbUrl:
        """The configured URL."""
        return self._url

    def refresh(self, deadline: Deadline | None = None) -> bool:
        """Nothing to refresh."""
        return False

    def peek(self) -> DbUrl | None:
        """The configured URL."""
        return self._url


def aws_timeouts(deadline: Deadline | None) -> tuple[float, float]:
    """``(connect_timeout, read_timeout)`` for one AWS call that must end ``KEEP_FOR_CONNECT_S`` before
    ``deadline`` (the default bounds without one).

    Raises
    ------
    StoreTimeoutError
        Less than ``MIN_SECRET_READ_S`` would be available.
    """
    if deadline is None:
        return MAX_CONNECT_S, MAX_READ_S
    available = deadline.remaining() - KEEP_FOR_CONNECT_S
    if available < MIN_SECRET_READ_S:
        raise StoreTimeoutError("not enough time left to read the database credentials")
    connect = min(MAX_CONNECT_S, available * 0.4)
    return connect, min(MAX_READ_S, available - connect)


def _aws_client(service: str, region: str | None, timeouts: tuple[float, float] = (MAX_CONNECT_S, MAX_READ_S)) -> Any:
    import boto3  # lazy: only when a secret or IAM token is configured
    from botocore.config import Config

    from legacy_auth.log_safety import quiet_noisy_loggers

    quiet_noisy_loggers()  # botocore DEBUG would print the secret's value
    config = Config(connect_timeout=timeouts[0], read_timeout=timeouts[1],
                    retries={"total_max_attempts": 1, "mode": "standard"})
    # boto3's default session: after the first client (~60 ms, service models loaded) another costs ~4 ms
    return boto3.client(service, region_name=region or os.environ.get("AWS_REGION"), config=config)


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
        self._lock = threading.Lock()
        self.reads = 0  # Secrets Manager calls made (observability, tests)

    def url(self, deadline: Deadline | None = None) -> DbUrl:
        """The URL from the (cached) secret; a read is bounded by ``deadline`` (module docstring)."""
        with self._lock:
            if self._cached is None:
                self._cached = self._fetch(deadline)
            return self._cached

    def refresh(self, deadline: Deadline | None = None) -> bool:
        """Drop the cached secret (rotation); True if ``deadline`` leaves time to re-read it now."""
        with self._lock:
            self._cached = None
        return deadline is None or deadline.remaining() >= MIN_REREAD_S

    def peek(self) -> DbUrl | None:
        """The cached URL, if the secret was read."""
        return self._cached

    def _client(self, deadline: Deadline | None) -> Any:
        """A client whose timeouts end before ``deadline``: built per read (reads are rare: cold start,
        rotation), re-cut once if building it (boto3's first client loads its models) used up time."""
        timeouts = aws_timeouts(deadline)
        client = _aws_client("secretsmanager", self._region, timeouts)
        again = aws_timeouts(deadline)
        if sum(again) < sum(timeouts) - 0.01:
            client = _aws_client("secretsmanager", self._region, again)
        return client

    def _fetch(self, deadline: Deadline | None) -> DbUrl:
        client = self._client(deadline)  # StoreTimeoutError when too little time is left
        try:
            self.reads += 1
            value = client.get_secret_value(SecretId=self._arn)
            secret = json.loads(value["SecretString"])
        except Exception as exc:  # noqa: BLE001 - botocore errors, bad JSON: the message must not carry the secret
            if deadline is not None and deadline.expired:
                raise StoreTimeoutError(f"the database secret was not read in time ({type(exc).__name__})") from None
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

    def url(self, deadline: Deadline | None = None) -> DbUrl:
        """The inner URL with a fresh-enough IAM token as password (the token is presigned locally)."""
        with self._lock:
            now = time.monotonic()
            if self._token is None or now - self._token[0] > IAM_TOKEN_TTL_S:
                base = self._inner.url(deadline)
                self._token = (now, base.with_password(self._generate(base)))
            return self._token[1]

    def refresh(self, deadline: Deadline | None = None) -> bool:
        """Drop the cached token (and the inner source's cache); a new token costs no network round trip."""
        with self._lock:
            self._token = None
        inner_now = self._inner.refresh(deadline)
        return inner_now or isinstance(self._inner, StaticCredentials)

    def peek(self) -> DbUrl | None:
        """The URL with the cached token, if any."""
        token = self._token
        return token[1] if token is not None else self._inner.peek()

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
