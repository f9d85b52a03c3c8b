"""Client-side steps against the local stack, shared by the demo and the end-to-end tests.

Everything goes through public interfaces only, as a real client would: the Cognito API (boto3 against
cognito-local), the API front over HTTP, and the Invoke server's ``/_devstack/invocations`` log.
Passwords and tokens are never printed by these helpers.
"""

from __future__ import annotations

import json
import sqlite3
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError


@dataclass(frozen=True, slots=True)
class SignIn:
    """Outcome of one ``InitiateAuth(USER_PASSWORD_AUTH)``: tokens, or the Cognito error code."""

    ok: bool
    error_code: str | None = None
    tokens: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def access_token(self) -> str:
        """The access token (empty when the sign-in failed)."""
        return self.tokens.get("AccessToken", "")


def sign_in(idp: Any, client_id: str, username: str, password: str) -> SignIn:
    """Sign in with ``USER_PASSWORD_AUTH`` (the flow that hands the password to UserMigration)."""
    started = time.monotonic()
    try:
        result = idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
    except ClientError as exc:
        return SignIn(False, str(exc.response.get("Error", {}).get("Code")), seconds=time.monotonic() - started)
    auth = result.get("AuthenticationResult") or {}
    tokens = {k: str(v) for k, v in auth.items() if k in {"AccessToken", "IdToken", "RefreshToken"}}
    return SignIn(bool(tokens.get("AccessToken")), None if tokens else "NoTokens", tokens,
                  time.monotonic() - started)


def sign_up(idp: Any, client_id: str, email: str, password: str) -> tuple[str | None, str]:
    """``SignUp`` with the e-mail as user name; ``(None, "")`` on success, else ``(error code, message)``."""
    try:
        idp.sign_up(ClientId=client_id, Username=email, Password=password,
                    UserAttributes=[{"Name": "email", "Value": email}])
    except ClientError as exc:
        error = exc.response.get("Error", {})
        return str(error.get("Code")), str(error.get("Message"))
    return None, ""


def confirm_sign_up(idp: Any, client_id: str, email: str, code: str) -> str | None:
    """``ConfirmSignUp`` (fires PostConfirmation); ``None`` on success or the Cognito error code."""
    try:
        idp.confirm_sign_up(ClientId=client_id, Username=email, ConfirmationCode=code)
    except ClientError as exc:
        return str(exc.response.get("Error", {}).get("Code"))
    return None


@dataclass(frozen=True, slots=True)
class ApiAnswer:
    """Status and JSON body of one API call."""

    status: int
    body: Any


def get_me(api_url: str, authorization: str | None, timeout: float = 10.0) -> ApiAnswer:
    """``GET {api_url}/me`` with the given ``Authorization`` header value (or none)."""
    request = urllib.request.Request(f"{api_url}/me", method="GET")
    if authorization is not None:
        request.add_header("Authorization", authorization)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return ApiAnswer(resp.status, json.loads(resp.read() or b"null"))
    except urllib.error.HTTPError as exc:
        return ApiAnswer(exc.code, json.loads(exc.read() or b"null"))


def invocations(invoke_url: str, timeout: float = 5.0) -> list[dict[str, Any]]:
    """The Invoke server's log of what ran (function, trigger source, duration_ms, ok, error_type)."""
    with urllib.request.urlopen(f"{invoke_url}/_devstack/invocations", timeout=timeout) as resp:
        return list(json.loads(resp.read()))


def app_user_rows(app_db_url: str, email: str) -> list[dict[str, Any]]:
    """Rows of the SQLite app DB's ``app_users`` for ``email`` (what PostConfirmation provisioned)."""
    if not app_db_url.startswith("sqlite:///"):
        raise ValueError("only the default SQLite app DB can be inspected here")
    conn = sqlite3.connect(app_db_url[len("sqlite:///"):])
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute("SELECT * FROM app_users WHERE lower(email) = lower(?)", (email,)).fetchall()
    finally:
        conn.close()
    return [dict(r) for r in rows]


def tamper(token: str) -> str:
    """The same JWT with one payload character changed (signature no longer matches)."""
    header, payload, signature = token.split(".")
    middle = len(payload) // 2
    flipped = "A" if payload[middle] != "A" else "B"
    return f"{header}.{payload[:middle]}{flipped}{payload[middle + 1:]}.{signature}"


def claims_of(token: str) -> dict[str, Any]:
    """The payload of a JWT the stack issued, **for display only** (nothing is verified here: the authorizer
    verifies tokens; this only shows what PreTokenGeneration wrote into the ID token)."""
    import base64
    import json

    try:
        payload = token.split(".")[1]
        decoded = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return {}
    return decoded if isinstance(decoded, dict) else {}

