"""Read one environment variable as text, a boolean, a bounded integer or one of a few choices.

The building blocks of :meth:`legacy_auth.migration.config.Settings.from_env`: a bad value raises
:class:`~legacy_auth.errors.ConfigurationError` naming the variable.
"""

from __future__ import annotations

from collections.abc import Mapping

from legacy_auth.errors import ConfigurationError

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


def env_text(env: Mapping[str, str], name: str) -> str | None:
    """The variable ``name`` stripped; ``None`` when it is unset or blank."""
    value = env.get(name)
    return value.strip() if value is not None and value.strip() != "" else None


def parse_bool(name: str, raw: str | None) -> bool | None:
    """The one boolean rule of every configuration (the authorizer's copy is pinned to it by a shared test).

    Case and surrounding blanks are ignored; ``true``/``1``/``yes``/``on`` and ``false``/``0``/``no``/``off``.

    Returns
    -------
    bool or None
        ``None`` when unset or blank: the caller's default applies.

    Raises
    ------
    ConfigurationError
        Any other value, naming ``name`` (never quoting the value: it may be a mistyped secret).
    """
    if raw is None or raw.strip() == "":
        return None
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ConfigurationError(name, "expected true/false (also 1/0, yes/no, on/off)")


def env_bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    """``name`` read with :func:`parse_bool`; ``default`` when unset or blank.

    Raises
    ------
    ConfigurationError
        Any other value.
    """
    value = parse_bool(name, env.get(name))
    return default if value is None else value


def env_int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """An integer within ``low``..``high``; ``default`` when unset or blank.

    Raises
    ------
    ConfigurationError
        Not an integer, or out of range.
    """
    raw = env_text(env, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(name, f"expected an integer, got {raw!r}") from None
    if not low <= value <= high:
        raise ConfigurationError(name, f"must be between {low} and {high}, got {value}")
    return value


def env_choice(env: Mapping[str, str], name: str, choices: tuple[str, ...], default: str | None) -> str:
    """One of ``choices`` (case-insensitive, returned lower-cased); ``default`` when unset or blank.

    Raises
    ------
    ConfigurationError
        Another value, or unset without a ``default`` (required).
    """
    raw = env_text(env, name)
    if raw is None:
        if default is None:
            raise ConfigurationError(name, f"required; one of {', '.join(choices)}")
        return default
    if raw.lower() not in choices:
        raise ConfigurationError(name, f"must be one of {', '.join(choices)}, got {raw!r}")
    return raw.lower()
