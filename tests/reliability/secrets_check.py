"""Find secrets in output: every password, token, hash and DB password the scenarios create is remembered
here, all output is captured (file descriptors 1 and 2, ``sys.stdout``/``sys.stderr``, every logging
handler's stream), and the capture is searched for each remembered value.

::

    remember("s3cret", kind="password")
    with debug_logging(), capture_all() as cap:
        ...                                   # run scenarios
    leaks = scan(cap.text())                  # [] when clean; never contains the secret itself
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

MIN_LENGTH = 8
SERVICE_LOGGERS = ("reliability", "legacy-auth", "authorizer")
_lock = threading.Lock()
_secrets: dict[str, str] = {}


def remember(value: str | bytes | None, kind: str) -> None:
    """Record a value that must never appear in any output (ignored when shorter than 8 characters)."""
    if value is None:
        return
    if isinstance(value, bytes):
        for text in (value.hex(), value.hex().upper()):
            remember(text, kind)
        return
    if len(value) >= MIN_LENGTH:
        with _lock:
            _secrets[value] = kind


def remembered() -> int:
    """How many values are being watched."""
    with _lock:
        return len(_secrets)


def tag(value: str) -> str:
    """A non-reversible tag for a leaked value (the report never shows the value)."""
    return hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()[:10]


def scan(text: str) -> list[str]:
    """``["<kind> <tag>", ...]`` for every remembered value found in ``text``."""
    with _lock:
        items = list(_secrets.items())
    return sorted({f"{kind} {tag(value)}" for value, kind in items if value in text})


@dataclass
class Capture:
    """Everything written while capturing."""

    parts: list[str] = field(default_factory=list)

    def text(self) -> str:
        """The captured output as one string."""
        return "\n".join(self.parts)


def _all_stream_handlers() -> list[logging.StreamHandler]:
    loggers: list[logging.Logger] = [logging.getLogger()]
    loggers += [lg for lg in logging.root.manager.loggerDict.values() if isinstance(lg, logging.Logger)]
    return [h for lg in loggers for h in lg.handlers if isinstance(h, logging.StreamHandler)
            and not isinstance(h, logging.FileHandler)]


@contextlib.contextmanager
def capture_all() -> Iterator[Capture]:
    """Capture fds 1/2, ``sys.stdout``/``sys.stderr`` and every logging stream handler (restored after)."""
    cap = Capture()
    buffer = io.StringIO()
    root_handler = logging.StreamHandler(buffer)
    root_handler.setLevel(logging.DEBUG)
    handlers = _all_stream_handlers()
    saved_streams = [(h, h.stream) for h in handlers]
    sys.stdout.flush()
    sys.stderr.flush()
    saved_fds = (os.dup(1), os.dup(2))
    with tempfile.TemporaryFile(mode="w+b") as fdfile:
        os.dup2(fdfile.fileno(), 1)
        os.dup2(fdfile.fileno(), 2)
        for h in handlers:
            h.setStream(buffer)
        logging.getLogger().addHandler(root_handler)
        try:
            with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
                yield cap
        finally:
            logging.getLogger().removeHandler(root_handler)
            for h, stream in saved_streams:
                h.setStream(stream)
            os.dup2(saved_fds[0], 1)
            os.dup2(saved_fds[1], 2)
            for fd in saved_fds:
                os.close(fd)
            fdfile.seek(0)
            cap.parts.append(fdfile.read().decode("utf-8", "replace"))
            cap.parts.append(buffer.getvalue())


@contextlib.contextmanager
def harness_aws_calls() -> Iterator[None]:
    """Hold botocore/boto3/urllib3 at WARNING for the harness's *own* boto3 calls (moto set-up, the e2e user's
    Cognito client): at DEBUG they log request bodies like any client, and that is not the product's output.
    The previous levels are restored, so product code later runs under whatever the scenario set."""
    names = ("botocore", "boto3", "urllib3")
    saved = {n: logging.getLogger(n).level for n in names}
    for n in names:
        logging.getLogger(n).setLevel(logging.WARNING)
    try:
        yield
    finally:
        for n, level in saved.items():
            logging.getLogger(n).setLevel(level)


@contextlib.contextmanager
def debug_logging() -> Iterator[None]:
    """DEBUG everywhere the issue asks: Powertools level and event logging on, root and service loggers DEBUG."""
    keys = ("POWERTOOLS_LOG_LEVEL", "POWERTOOLS_LOGGER_LOG_EVENT", "POWERTOOLS_DEV")
    saved_env = {k: os.environ.get(k) for k in keys}
    os.environ.update({"POWERTOOLS_LOG_LEVEL": "DEBUG", "POWERTOOLS_LOGGER_LOG_EVENT": "true"})
    names = ("", *SERVICE_LOGGERS)
    saved_levels = {n: logging.getLogger(n).level for n in names}
    for n in names:
        logging.getLogger(n).setLevel(logging.DEBUG)
    try:
        yield
    finally:
        for n, level in saved_levels.items():
            logging.getLogger(n).setLevel(level)
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
