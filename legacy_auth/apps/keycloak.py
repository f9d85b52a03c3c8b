"""Keycloak: tables ``user_entity`` and ``credential`` of one realm (Keycloak 7+; read against Keycloak 26).

**Tables** (Keycloak's Liquibase changelogs ``model/jpa/src/main/resources/META-INF/jpa-changelog-*.xml`` from
``1.0.0.Final`` on, as mapped today by ``org.keycloak.models.jpa.entities.UserEntity`` and ``CredentialEntity``):
``user_entity`` (``id`` VARCHAR(36) primary key, ``email``, ``email_constraint``, ``email_verified``,
``enabled``, ``federation_link``, ``first_name``, ``last_name``, ``realm_id``, ``username``,
``created_timestamp``, ``service_account_client_link``, ``not_before``; UNIQUE ``(realm_id, username)`` and
``(realm_id, email_constraint)``, indexes ``idx_user_email`` and ``idx_user_service_account``) and
``credential`` (``id``, ``salt``, ``type``, ``user_id``, ``created_date``, ``user_label``, ``secret_data``,
``credential_data``, ``priority``; index ``idx_user_credential`` on ``user_id``). One database holds every
realm: ``LEGACY_KEYCLOAK_REALM_ID`` (the realm's ``realm.id``; ``SELECT id FROM realm WHERE name = '<realm>'``)
chooses one, and every query and scan reads that realm only.

**Password**: ``PasswordCredentialProvider.getPassword`` takes the user's first stored credential of type
``password`` in ``priority`` order (``CredentialEntity`` query ``credentialByUser ... order by cred.priority``);
we read it with a correlated sub-select (``ORDER BY priority, id LIMIT 1``), so one user is one row.
``secret_data`` is the stored value, ``credential_data`` a row field; both JSON, parsed strictly by the
``keycloak_credential`` scheme (:mod:`legacy_auth.hashing.identity_schemes`: ``pbkdf2``, ``pbkdf2-sha256``,
``pbkdf2-sha512`` and ``argon2`` as Keycloak 26's hash providers compute them). Keycloak trims nothing from the
password and caps no length (``AbstractUsernameFormAuthenticator.validatePassword`` refuses only an empty one).

**Login rule** (``AbstractUsernameFormAuthenticator.getUserFromForm`` then
``KeycloakModelUtils.findUserByNameOrEmail``): the input is Java-``trim()``-ed; when the realm allows login with
email (``loginWithEmailAllowed``, on by default: ``email_login``, ``LEGACY_EMAIL_LOGIN``) and the input contains
``@``, ``email`` first, then ``username``. ``JpaUserProvider.getUserByUsername``/``getUserByEmail`` lower-case the
input and compare exactly: Keycloak stores both lower-cased (``UserAdapter.setUsername``/``setEmail``). Two rows
of one email are refused (Keycloak's ``ensureEmailConstraint`` raises ``ModelDuplicateException``).

**States**: ``enabled = false`` is INACTIVE (``enabledUser``: "Account is disabled"; brute-force permanent
lockout also clears it); a service account (``service_account_client_link`` set) is SYSTEM (a client's
identity, not a person: refused, our choice); a user of a federation provider (``federation_link`` set: LDAP,
Kerberos) is checked by that provider, not by a local hash, so it is SSO_ONLY here, as is a user without a
password credential. Brute-force temporary lockouts live in Keycloak's cache, not in these tables.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, ClassVar

from legacy_auth.apps.app import App, Importability
from legacy_auth.errors import ConfigurationError, UnknownHashSchemeError
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.identity_schemes import KEYCLOAK_CREDENTIAL
from legacy_auth.hashing.rules import AppRules
from legacy_auth.model import AccountState, LegacyUser
from legacy_auth.presets.base import Dialect, Query
from legacy_auth.presets.sql import Column, Index, Lookup, check_dialect, create_table, quote
from legacy_auth.presets.table import OptionValue, TablePreset
from legacy_auth.presets.values import RowReader

MAX_LOGIN = 255
CREDENTIAL_TABLE = "credential"
PASSWORD_TYPE = "password"  # noqa: S105 - PasswordCredentialModel.TYPE, not a secret
CREDENTIAL_COLUMNS = ("secret_data", "credential_data")
REALM_SETTING = "LEGACY_KEYCLOAK_REALM_ID"

CREDENTIAL_DDL = (
    Column("id", "varchar(36)", null=False),
    Column("salt", "blob"),  # deprecated (pre-7 credentials), kept by the 8.0.0 changelog
    Column("type", "varchar(255)"),
    Column("user_id", "varchar(36)"),
    Column("created_date", "bigint"),
    Column("user_label", "varchar(255)"),
    Column("secret_data", "longtext"),
    Column("credential_data", "longtext"),
    Column("priority", "int"),
)


def java_trim(value: str) -> str:
    """Java ``String.trim()``: strip every character up to U+0020 from both ends (not Unicode spaces)."""
    start, end = 0, len(value)
    while start < end and value[start] <= " ":
        start += 1
    while end > start and value[end - 1] <= " ":
        end -= 1
    return value[start:end]


class KeycloakPreset(TablePreset):
    """Keycloak ``user_entity`` of one realm with its ``password`` credential."""

    name = "keycloak"
    default_prefix = ""
    base_table = "user_entity"
    primary_key = "id"
    columns = (
        Column("id", "varchar(36)", null=False),
        Column("email", "varchar(255)"),
        Column("email_constraint", "varchar(255)"),
        Column("email_verified", "bool", null=False, default=False),
        Column("enabled", "bool", null=False, default=False),
        Column("federation_link", "varchar(255)"),
        Column("first_name", "varchar(255)"),
        Column("last_name", "varchar(255)"),
        Column("realm_id", "varchar(255)"),
        Column("username", "varchar(255)"),
        Column("created_timestamp", "bigint"),
        Column("service_account_client_link", "varchar(255)"),
        Column("not_before", "int", null=False, default=0),
    )
    indexes = (
        Index("uk_dykn684sl8up1crfei6eckhd7", ("realm_id", "email_constraint"), unique=True),
        Index("uk_ru8tt6t700s9v50bu18ws5ha6", ("realm_id", "username"), unique=True),
        Index("idx_user_email", ("email",)),
        Index("idx_user_service_account", ("realm_id", "service_account_client_link")),
    )
    read_columns = ("id", "username", "email", "email_verified", "enabled", "first_name", "last_name",
                    "federation_link", "service_account_client_link")
    OPTIONS: ClassVar[dict[str, tuple[type, OptionValue]]] = {
        "keycloak_realm_id": (str, None),  # realm.id of the realm to migrate (required)
        "email_login": (bool, True),  # the realm's "Login with email" (loginWithEmailAllowed, default on)
    }

    def __init__(self, **options: object) -> None:
        super().__init__(**options)
        realm = self.options.get("keycloak_realm_id")
        if not isinstance(realm, str) or not realm.strip():
            raise ConfigurationError(REALM_SETTING, "set it to the realm's id (SELECT id FROM realm WHERE name = ...)")
        if len(realm) > 255 or "\x00" in realm:
            raise ConfigurationError(REALM_SETTING, "must be a realm id of at most 255 characters")
        self.realm_id = realm

    # ------------------------------------------------------------ schema

    def credential_table(self, prefix: str) -> str:
        """The ``credential`` table's name for ``prefix`` (validated like the users table)."""
        return self.table(prefix)[: -len(self.base_table)] + CREDENTIAL_TABLE

    def ddl(self, *, prefix: str, dialect: Dialect) -> list[str]:
        """``user_entity`` and ``credential`` as Keycloak's changelogs leave them."""
        credential = create_table(self.credential_table(prefix), CREDENTIAL_DDL, primary_key=("id",),
                                  indexes=(Index("idx_user_credential", ("user_id",)),),
                                  dialect=check_dialect(dialect), mysql_collation=self.mysql_collation)
        return [*super().ddl(prefix=prefix, dialect=dialect), *credential]

    # ------------------------------------------------------------ queries

    def lookups(self, login: str) -> list[tuple[Lookup, str]]:
        value = java_trim(login).lower()
        out = []
        if self.opt_bool("email_login") and "@" in value:
            out.append((Lookup("email", MAX_LOGIN, "exact"), value))
        out.append((Lookup("username", MAX_LOGIN, "exact"), value))
        return out

    def filters(self, dialect: Dialect) -> tuple[list[str], tuple[Any, ...]]:
        return [f"{quote('realm_id', dialect)} = %s"], (self.realm_id,)

    def _select(self, prefix: str, dialect: Dialect) -> str:
        """The user's columns and, by correlated sub-selects, the first ``password`` credential's two JSONs."""
        q = lambda name: quote(name, dialect)  # noqa: E731
        users, credentials = q(self.table(prefix)), q(self.credential_table(prefix))
        first = (f"FROM {credentials} c WHERE c.{q('user_id')} = {users}.{q('id')} "
                 f"AND c.{q('type')} = '{PASSWORD_TYPE}' ORDER BY c.{q('priority')}, c.{q('id')} LIMIT 1")
        subs = [f"(SELECT c.{q(col)} {first}) AS {q(col)}" for col in CREDENTIAL_COLUMNS]
        return ", ".join([*(f"{users}.{q(c)}" for c in self.read_columns), *subs])

    def build_statement(self, lookup: Lookup, prefix: str, dialect: Dialect) -> tuple[str, tuple[Any, ...]]:
        dialect = check_dialect(dialect)
        extra_sql, extra_params = self.filters(dialect)
        where = " AND ".join([lookup.condition(dialect), *extra_sql])
        table = quote(self.table(prefix), dialect)
        # identifiers are validated and quoted; the login and the realm are %s parameters
        sql = f"SELECT {self._select(prefix, dialect)} FROM {table} WHERE {where} LIMIT 2"  # noqa: S608
        return sql, extra_params

    def scan_query(self, *, prefix: str, dialect: Dialect, between: tuple[int, int] | None = None) -> Query:
        dialect = check_dialect(dialect)
        extra_sql, extra_params = self.filters(dialect)
        table = quote(self.table(prefix), dialect)
        order = f"{table}.{quote(self.primary_key, dialect)}"
        if between is not None:  # never for Keycloak's text ids (the CLI partitions integer keys only), kept exact
            extra_sql, extra_params = [*extra_sql, f"{order} BETWEEN %s AND %s"], (*extra_params, *between)
        sql = (f"SELECT {self._select(prefix, dialect)} FROM {table} "  # noqa: S608 - validated identifiers
               f"WHERE {' AND '.join(extra_sql)} ORDER BY {order}")
        return Query(sql, extra_params)

    # ------------------------------------------------------------ rows

    def read(self, row: RowReader) -> LegacyUser:
        states = []
        if not row.flag("enabled"):
            states.append(AccountState.INACTIVE)
        if row.blank_is_none("service_account_client_link") is not None:
            states.append(AccountState.SYSTEM)
        federated = row.blank_is_none("federation_link") is not None
        secret = None if federated else row.blank_is_none("secret_data")
        data = None if secret is None else row.text("credential_data")
        names = [n for n in (row.blank_is_none("first_name"), row.blank_is_none("last_name")) if n]
        return LegacyUser(
            legacy_id=row.required_text("id"),
            username=row.blank_is_none("username"),
            email=row.blank_is_none("email"),
            email_verified=row.flag("email_verified"),
            state=self.finish_state(states, secret is not None),
            display_name=" ".join(names) or None,
            password_hash=secret,
            hash_fields={"credential_data": data} if secret is not None else {},
        )


# ---------------------------------------------------------------- password check


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """Every Keycloak password credential is the JSON pair read by ``keycloak_credential`` (its
    ``credential_data.algorithm`` picks the hash provider); anything else is not a Keycloak credential."""
    if stored.lstrip().startswith("{"):
        return KEYCLOAK_CREDENTIAL
    raise UnknownHashSchemeError("keycloak")


#: The dummy: one exported credential (``CredentialRepresentation``, see ``keycloak_parse``) of an argon2id hash
#: of a throw-away password at Keycloak 24+'s argon2 provider defaults (``Argon2PasswordHashProviderFactory``:
#: 7168 KiB, 5 iterations, parallelism 1, 32 bytes). ``LEGACY_DUMMY_HASH`` takes the same form (a credential of
#: the realm's export, or a row's ``secret_data``/``credential_data`` as ``secretData``/``credentialData``).
_DUMMY_VALUE = ('{"value":"/8p/Qz8j4JAXk2sGzfMEvnDfmFhHHgMW0ymMaPDCovA=","salt":"hyEJgRcJvmYMBjJDM/0bAA==",'
                '"additionalParameters":{}}')
_DUMMY_DATA = ('{"hashIterations":5,"algorithm":"argon2","additionalParameters":{"hashLength":["32"],"memory":["7168"],'
               '"type":["id"],"version":["1.3"],"parallelism":["1"]}}')
DUMMY = json.dumps({"type": "password", "secretData": _DUMMY_VALUE, "credentialData": _DUMMY_DATA},
                   separators=(",", ":"))


RULES = AppRules(transforms.raw, dispatch, None, (), DUMMY)

APP = App(
    name="keycloak", title="Keycloak (one realm)", preset=KeycloakPreset, rules=RULES, login_columns=("username",),
    importability=Importability(refused={"keycloak_credential": (
        "one JSON credential whose credential_data names the algorithm (pbkdf2-sha1/256/512, argon2 id/i/d): "
        "no importer reads Keycloak's JSON pair")}),
)
