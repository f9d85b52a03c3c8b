"""Database access for the triggers and the admin CLI: MySQL/MariaDB (pymysql), PostgreSQL (psycopg 3), SQLite.

API
---
::

    from legacy_auth.db import Database, DbOptions, TlsOptions, Deadline, parse_db_url

    # module scope of a handler: one object per URL, no connection yet (lazy)
    _DB = Database("mysql://app:secret@db:3306/forum")                     # or postgresql://..., sqlite:///path
    _DB = Database(None, options=DbOptions(secret_arn=ARN, region="eu-west-1"))  # RDS secret JSON
    _DB = Database(url, options=DbOptions(iam_auth=True, tls=TlsOptions("verify-full", "/var/task/rds.pem")))

    # per invocation: every timeout derives from one deadline
    deadline = Deadline.from_context(context, margin_ms=500, budget_ms=3500)
    rows = _DB.fetch_all("SELECT userid, handle FROM qa_users WHERE handle = %s", (login,), deadline=deadline)
    row = _DB.fetch_one(sql, params, deadline=deadline)              # dict or None
    n = _DB.execute("UPDATE ...", params, deadline=deadline, idempotent=True)
    result = _DB.transaction(lambda tx: tx.execute(...) or tx.fetch_one(...), deadline=deadline)
    for row in _DB.stream("SELECT ... ORDER BY id", (), batch=500):   # admin CLI: server-side cursor
        ...

Behaviour
---------
- **Placeholders** are ``%s`` for every dialect (``%%`` for a literal ``%``); converted to ``?`` for sqlite3.
  Always pass parameters as a tuple. Rows are ``dict[str, Any]`` (column name as the driver reports it:
  PostgreSQL folds unquoted names to lower case).
- **Connection reuse**: the first call connects; later calls check the connection cheaply first (pymysql
  ``ping()`` without reconnect; psycopg closed/broken/idle and "nothing unexpected to read", which catches
  ``pg_terminate_backend``; sqlite trivially) and replace it when dead. A read (``fetch_*``) or an
  ``execute(..., idempotent=True)`` whose connection dies mid-call is retried once on a fresh connection.
- **Deadlines**: pymysql ``connect_timeout``, ``read_timeout`` and ``write_timeout`` (re-set to the time
  left before every call); psycopg ``connect_timeout`` (whole seconds, libpq minimum 2 s: a connect is
  refused when less is left) and every socket wait bounded by the deadline via
  :class:`legacy_auth.db.postgres.DeadlineConnection` (so a server that accepts and never answers cannot
  hang the caller); sqlite busy timeout plus a progress handler that aborts a statement at the deadline.
  ``deadline=None`` means "bounded by ``idle_timeout_s`` per wait" (admin tools only).
- **Errors** are mapped to :class:`~legacy_auth.errors.StoreTimeoutError` (the deadline passed) or
  :class:`~legacy_auth.errors.StoreUnavailableError` (connect, authentication, dead connection, failed
  statement). Each carries ``reason`` (``db_timeout``, ``db_unavailable``, ``db_auth``, ``db_statement``:
  stable, for metrics), ``kind``, ``dialect``, ``driver_error`` (exception type and error code), and a finer
  ``cause`` (:data:`legacy_auth.db.failures.CAUSES`) with the ``host``, ``port`` and ``database`` tried; never
  the driver's text, a user, a password or the query parameters.
- **Transactions**: :meth:`Database.transaction` retries the whole function on MySQL 1213/1205, PostgreSQL
  40001/40P01/55P03 and SQLite BUSY with a jittered backoff while the deadline allows (``fn`` must be
  idempotent).
- **Credentials**: from the URL; or ``DbOptions.secret_arn`` (Secrets Manager, standard RDS secret JSON,
  cached for the process, re-read once after an authentication failure so rotation works); or RDS IAM auth
  (``generate_db_auth_token``, cached 10 min). boto3 is imported only for these two.
- **Thread safety**: calls on one ``Database`` are serialised by a lock (Lambda runs one at a time).
  :meth:`Database.stream` uses its own dedicated connection.
"""

from __future__ import annotations

from legacy_auth.db.credentials import CredentialSource, credential_source
from legacy_auth.db.database import Database, Transaction, load_driver
from legacy_auth.db.driver import Row
from legacy_auth.db.failures import store_error
from legacy_auth.db.options import TLS_MODES, DbOptions, TlsMode, TlsOptions
from legacy_auth.db.url import DbUrl, DbUrlError, Dialect, parse_db_url
from legacy_auth.deadline import Deadline

__all__ = [
    "TLS_MODES",
    "CredentialSource",
    "Database",
    "DbOptions",
    "DbUrl",
    "DbUrlError",
    "Deadline",
    "Dialect",
    "Row",
    "TlsMode",
    "TlsOptions",
    "Transaction",
    "credential_source",
    "load_driver",
    "parse_db_url",
    "store_error",
]
