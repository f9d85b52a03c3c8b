"""What the registry knows about one legacy app: :class:`App`, its typed options (:class:`HashOption`) and its
bulk-import row (:class:`Importability`).

An app's module (``legacy_auth/apps/<app>.py``) builds one :class:`App` named ``APP``; everything else reads it
through the registry (:mod:`legacy_auth.apps`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from legacy_auth.env import parse_bool
from legacy_auth.errors import ConfigurationError

if TYPE_CHECKING:
    from legacy_auth.hashing.rules import AppRules
    from legacy_auth.presets.loading import Loader
    from legacy_auth.presets.table import TablePreset

Configure = Callable[["AppRules", Mapping[str, Any]], tuple["AppRules", Mapping[str, Any]]]
"""(rules, validated option values) -> (the rules specialised by the options, the options the schemes read)."""

NOT_A_FAMILY = "not one of BCRYPT, SCRYPT, ARGON2ID, PBKDF2_SHA256"


@dataclass(frozen=True, slots=True)
class HashOption:
    """One ``LEGACY_*`` setting an app's password check reads (a pepper, a site salt, an iteration count ...).

    Attributes
    ----------
    key : str
        Its name as a keyword of :func:`legacy_auth.apps.get_context` and in ``Settings.hashing_options()``.
    env : str
        The environment variable (``LEGACY_*``) that sets it; every error names it.
    kind : type
        ``bool``, ``int`` or ``str``.
    secret : bool
        Never shown: not in ``repr``, logs or error messages (a pepper, a site key).
    minimum, maximum : int | None
        Bounds of an ``int`` option.
    choices : tuple[str, ...]
        Allowed values of a ``str`` option (empty: any non-empty text).
    """

    key: str
    env: str
    kind: type = str
    secret: bool = False
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[str, ...] = ()

    def parse(self, value: object) -> object:
        """``value`` (a Python value or the raw environment text) checked and typed; ``None`` when unset/blank.

        Raises
        ------
        ConfigurationError
            Naming :attr:`env`; the message never contains the value of a secret option.
        """
        if value is None or (isinstance(value, str) and value.strip() == "" and self.kind is not str):
            return None
        if self.kind is bool:
            if isinstance(value, bool):
                return value
            return parse_bool(self.env, str(value))
        if self.kind is int:
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise ConfigurationError(self.env, "must be an integer")
            text = str(value).strip()
            if not text.lstrip("-").isdigit():
                raise ConfigurationError(self.env, "must be an integer")
            number = int(text)
            if (self.minimum is not None and number < self.minimum) or (
                    self.maximum is not None and number > self.maximum):
                raise ConfigurationError(self.env, f"must be between {self.minimum} and {self.maximum}")
            return number
        if isinstance(value, bytes) and self.secret:
            return value
        if not isinstance(value, str):
            raise ConfigurationError(self.env, "must be text")
        if value == "":
            return None
        if self.choices and value not in self.choices:
            shown = "" if self.secret else f"{value!r} is "
            raise ConfigurationError(self.env, f"{shown}not one of {', '.join(self.choices)}")
        return value


@dataclass(frozen=True, slots=True)
class Importability:
    """Which of an app's stored hashes Cognito's bulk import could take with the password intact.

    A scheme is a *candidate* when its stored value is a hash of one of the four ``PasswordHashingAlgorithm``
    families computed over the password exactly as typed: Cognito, given the hash, could only check the typed
    password, so any app-side transform (trim, NFC, pre-hash, pepper, truncation, lower-casing, site-wide salt or
    key) makes the user ``lazy`` (``docs/strategy.md``).

    Attributes
    ----------
    transform : str | None
        What the app does to every password before hashing it, when Cognito cannot repeat it; then no scheme of
        the app is a candidate.
    candidates : Mapping[str, str]
        Scheme name -> the ``PasswordHashingAlgorithm`` value its hashes would be imported as.
    refused : Mapping[str, str]
        Scheme name -> why its hashes cannot be imported (schemes not listed: :data:`NOT_A_FAMILY`).
    """

    transform: str | None = None
    candidates: Mapping[str, str] = field(default_factory=dict)
    refused: Mapping[str, str] = field(default_factory=dict)

    def why_not(self, scheme: str) -> str:
        """Why ``scheme``'s hashes are not importable for this app (``""`` for a candidate)."""
        if self.transform is not None:
            return self.transform
        if scheme in self.candidates:
            return ""
        return self.refused.get(scheme, NOT_A_FAMILY)


def keep_options(rules: AppRules, options: Mapping[str, Any]) -> tuple[AppRules, Mapping[str, Any]]:
    """The default :data:`Configure`: the rules as declared, the options as given."""
    return rules, options


@dataclass(frozen=True, slots=True)
class App:
    """One legacy application the service can migrate from.

    Attributes
    ----------
    name : str
        The ``LEGACY_APP`` value.
    title : str
        What the app is, for humans (docs, CLI).
    preset : type[TablePreset]
        Its users table: columns, login rule, row mapping, account states (``legacy_auth.presets.table``).
    rules : AppRules
        How it checks a password (``legacy_auth.hashing.rules``).
    login_columns : tuple[str, ...]
        The column(s) its users sign in with that become the Cognito username of a username pool (the admin CLI's
        scans); empty when they sign in by email only.
    hash_options : tuple[HashOption, ...]
        The settings its password check reads; setting one for another app is a configuration error.
    configure : Configure
        Specialises :attr:`rules` by the option values (default: :func:`keep_options`).
    importability : Importability
        Its row of the bulk-import table (``docs/strategy.md``).
    loader : Loader | None
        For an app whose users come as an export file rather than a table (Firebase, LDIF): reads the file into
        rows of :attr:`preset`'s table (``legacy-auth load``; :mod:`legacy_auth.presets.loading`).
    """

    name: str
    title: str
    preset: type[TablePreset]
    rules: AppRules
    login_columns: tuple[str, ...] = ()
    hash_options: tuple[HashOption, ...] = ()
    configure: Configure = keep_options
    importability: Importability = Importability()
    loader: Loader | None = None

    def option(self, key: str) -> HashOption | None:
        """The hash option called ``key``, if this app has it."""
        return next((o for o in self.hash_options if o.key == key), None)
