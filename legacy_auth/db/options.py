"""Connection options shared by every driver: TLS and the IAM-auth / Secrets Manager sources."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TlsMode = Literal["disable", "require", "verify-ca", "verify-full"]
TLS_MODES: tuple[TlsMode, ...] = ("disable", "require", "verify-ca", "verify-full")


@dataclass(frozen=True, slots=True)
class TlsOptions:
    """TLS to the database (libpq ``sslmode`` names, applied to pymysql too).

    Attributes
    ----------
    mode:
        ``disable`` (plain TCP), ``require`` (encrypt, no certificate check), ``verify-ca`` (check the chain
        against ``ca_file``), ``verify-full`` (chain and host name). RDS IAM auth needs at least ``require``.
    ca_file:
        PEM bundle (e.g. the RDS ``global-bundle.pem`` shipped in the package); system CAs when ``None``.
    """

    mode: TlsMode = "disable"
    ca_file: str | None = None

    @property
    def enabled(self) -> bool:
        """True unless ``mode`` is ``disable``."""
        return self.mode != "disable"


@dataclass(frozen=True, slots=True)
class DbOptions:
    """How to reach and authenticate to the database, beyond its URL.

    Attributes
    ----------
    tls:
        TLS settings.
    iam_auth:
        Use an RDS IAM auth token (``generate_db_auth_token``, cached < 15 min) as the password.
    region:
        AWS region for Secrets Manager / IAM tokens (``AWS_REGION`` when ``None``).
    secret_arn:
        Secrets Manager secret holding the standard RDS secret JSON (``engine``, ``host``, ``port``,
        ``username``, ``password``, ``dbname``); replaces the URL's credentials (and location if present).
    connect_timeout_cap_s:
        Never wait longer than this for a TCP connect + handshake, whatever the deadline says.
    """

    tls: TlsOptions = TlsOptions()
    iam_auth: bool = False
    region: str | None = None
    secret_arn: str | None = None
    connect_timeout_cap_s: float = 2.5
