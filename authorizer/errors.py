"""The authorizer's exception tree (one root, ``AuthorizerError``).

Token rejection (the caller's fault, answered 401) is kept apart from infrastructure failure (our JWKS
fetch, answered 401 too, but logged differently) and from configuration errors (raised at cold start).
Errors carry structured context as attributes (``reason``, ``claim``, ``variable``), never a token,
a signature or a secret.
"""

from __future__ import annotations


class AuthorizerError(Exception):
    """Root of every exception raised by the ``authorizer`` package."""


class ConfigurationError(AuthorizerError):
    """A configuration variable is missing or invalid (raised once, at cold start).

    Parameters
    ----------
    variable:
        The environment variable at fault.
    problem:
        What is wrong with it (never its value when the value could be a secret).
    """

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


class TokenRejectedError(AuthorizerError):
    """The bearer token is missing, malformed, badly signed or carries invalid claims (answered 401).

    Parameters
    ----------
    reason:
        A short machine-readable reason (``"malformed"``, ``"signature"``, ``"expired"``, ...).
    claim:
        The claim or header parameter at fault, when there is one.
    """

    def __init__(self, reason: str, claim: str | None = None) -> None:
        super().__init__(reason if claim is None else f"{reason} ({claim})")
        self.reason = reason
        self.claim = claim


class KeyFetchError(AuthorizerError):
    """The JWKS endpoint could not be read or returned something unusable.

    Parameters
    ----------
    reason:
        A short description (``"timeout"``, ``"status 500"``, ``"too large"``, ``"not json"``, ...).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class EventError(AuthorizerError):
    """The API Gateway event is not one of the recognised authorizer shapes (answered 401).

    Parameters
    ----------
    reason:
        What is missing or malformed in the event.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
