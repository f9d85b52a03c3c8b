"""Drupal 8/9/10/11: ``LEGACY_APP=drupal``, table ``users_field_data`` (``UserStorageSchema``).

Same login rule, states and phpass formats as Drupal 7 (:mod:`legacy_auth.apps.drupal7`), plus (10.1+
``PhpPassword``) PHP ``password_hash`` hashes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from legacy_auth.apps import drupal7
from legacy_auth.apps.app import App, Importability
from legacy_auth.apps.drupal7 import MAX_MAIL, MAX_NAME, Drupal7Preset
from legacy_auth.hashing import transforms
from legacy_auth.hashing.base import Scheme
from legacy_auth.hashing.dispatch import BCRYPT10, php_password_verify
from legacy_auth.hashing.rules import AppRules
from legacy_auth.presets.base import Dialect
from legacy_auth.presets.sql import Column, Index, quote


class DrupalPreset(Drupal7Preset):
    """Drupal 8/9/10/11 ``users_field_data`` (``UserStorageSchema``); rows with ``default_langcode = 1``."""

    name = "drupal"
    base_table = "users_field_data"
    pk_columns = ("uid", "langcode")
    columns = (
        Column("uid", "int unsigned", null=False),
        Column("langcode", "varchar(12)", null=False, collation="ascii_general_ci"),
        Column("preferred_langcode", "varchar(12)", collation="ascii_general_ci"),
        Column("preferred_admin_langcode", "varchar(12)", collation="ascii_general_ci"),
        Column("name", f"varchar({MAX_NAME})", null=False),
        Column("pass", "varchar(255)"),
        Column("mail", f"varchar({MAX_MAIL})"),
        Column("timezone", "varchar(32)"),
        Column("status", "tinyint"),
        Column("created", "int"),
        Column("changed", "int"),
        Column("access", "int", null=False, default=0),
        Column("login", "int", default=0),
        Column("init", f"varchar({MAX_MAIL})"),
        Column("default_langcode", "tinyint", null=False),
    )
    indexes = (
        Index("user__name", ("name", "langcode"), unique=True),
        Index("user__id__default_langcode__langcode", ("uid", "default_langcode", "langcode")),
        Index("user_field__mail", ("mail",)),
        Index("user_field__access", ("access",)),
        Index("user_field__created", ("created",)),
    )

    def filters(self, dialect: Dialect) -> tuple[list[str], tuple[Any, ...]]:
        return [f"{quote('default_langcode', dialect)} = 1"], ()


# ---------------------------------------------------------------- password check


def dispatch(stored: str, fields: Mapping[str, Any]) -> Scheme:
    """Drupal 8+: the phpass formats, then (10.1+ ``PhpPassword``) ``password_verify``."""
    if stored.startswith(("U$", "$S$", "$P$", "$H$")):
        return drupal7.dispatch(stored, fields)
    return php_password_verify(stored, "drupal")


RULES = AppRules(transforms.php_trim, dispatch, 512, (), BCRYPT10,
                 drupal7.MD5_FIRST)

APP = App(name="drupal", title="Drupal 8+", preset=DrupalPreset, rules=RULES, login_columns=("name",),
          importability=Importability(transform="PHP trim() of the password before hashing (login form), also for "
                                                "10.1+ password_hash hashes"))
