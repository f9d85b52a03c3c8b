"""Fetching a JWKS document: short timeout, size cap, no redirects, HTTPS (or loopback HTTP) only.

``urllib`` is imported lazily on the first fetch so containers that use preloaded keys never pay for it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from .errors import KeyFetchError

MAX_JWKS_BYTES = 64 * 1024
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*(\d{1,9})\s*(?:,|$)", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|,)\s*(?:no-store|no-cache)\s*(?:,|$)", re.IGNORECASE)
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


@dataclass(frozen=True, slots=True)
class FetchedJwks:
    """A JWKS body and the freshness lifetime its server announced.

    Attributes
    ----------
    body:
        The raw response body (at most ``MAX_JWKS_BYTES``).
    max_age:
        ``Cache-Control: max-age`` in seconds, ``0`` for ``no-cache``/``no-store``, ``None`` if absent.
    """

    body: bytes
    max_age: int | None


def parse_max_age(cache_control: str | None) -> int | None:
    """Return the ``max-age`` of a ``Cache-Control`` header (0 for ``no-cache``/``no-store``)."""
    if not cache_control:
        return None
    if _NO_CACHE.search(cache_control):
        return 0
    m = _MAX_AGE.search(cache_control)
    return int(m.group(1)) if m else None


def _opener() -> Any:
    import urllib.request

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            raise KeyFetchError("redirect refused")

    return urllib.request.build_opener(_NoRedirect())


def fetch_jwks(url: str, timeout: float, max_bytes: int = MAX_JWKS_BYTES) -> FetchedJwks:
    """GET ``url`` and return its body, refusing redirects, non-200 answers and oversized bodies.

    Parameters
    ----------
    url:
        The JWKS URL (validated by the configuration: HTTPS, or HTTP on a loopback host).
    timeout:
        Total time budget in seconds (connect plus read).
    max_bytes:
        Largest accepted body.

    Returns
    -------
    FetchedJwks
        The body and the announced max-age.

    Raises
    ------
    KeyFetchError
        On any failure (timeout, connection error, redirect, status, size).
    """
    import urllib.error

    deadline = time.monotonic() + timeout
    try:
        with _opener().open(url, timeout=timeout) as resp:
            if resp.status != 200:
                raise KeyFetchError(f"status {resp.status}")
            chunks: list[bytes] = []
            size = 0
            while True:
                if time.monotonic() > deadline:
                    raise KeyFetchError("timeout")
                chunk = resp.read1(16384)  # what has arrived: a slow-drip body cannot outlast the deadline
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise KeyFetchError("too large")
                chunks.append(chunk)
            return FetchedJwks(b"".join(chunks), parse_max_age(resp.headers.get("Cache-Control")))
    except KeyFetchError:
        raise
    except urllib.error.HTTPError as exc:
        raise KeyFetchError(f"status {exc.code}") from None
    except (OSError, ValueError) as exc:  # URLError, timeouts, resets, http.client errors
        raise KeyFetchError(type(exc).__name__) from None
