"""Output helpers: JSON or human text on stdout, and a progress bar with rate and ETA on stderr."""

from __future__ import annotations

import json
import sys
import time
from typing import Any, TextIO


def print_json(data: Any, stream: TextIO | None = None) -> None:
    """Write ``data`` as indented JSON (machine output of ``--json``)."""
    out = stream or sys.stdout
    out.write(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def fmt_int(n: int) -> str:
    """``1234567`` -> ``1,234,567``."""
    return f"{n:,}"


def fmt_duration(seconds: float) -> str:
    """``75.2`` -> ``1:15``; ``3725`` -> ``1:02:05``."""
    s = max(0, round(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


class Progress:
    """A one-line progress bar on ``stream`` (stderr), redrawn at most every ``interval`` seconds.

    Parameters
    ----------
    total : int or None
        Expected count (from a ``COUNT(*)`` first); ``None`` shows count and rate only.
    label : str
        Text before the bar.
    stream : TextIO or None
        Where to draw (default ``sys.stderr``).
    enabled : bool
        ``False`` makes every call a no-op (``--no-progress``, or stderr is not a terminal).
    interval : float
        Minimum seconds between redraws.
    """

    width = 28

    def __init__(self, total: int | None, *, label: str = "", stream: TextIO | None = None,
                 enabled: bool = True, interval: float = 0.2) -> None:
        self.total = total
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.interval = interval
        self.started = time.monotonic()
        self._last = 0.0
        self.count = 0

    def update(self, count: int, *, force: bool = False) -> None:
        """Record ``count`` items done; redraw if ``interval`` has passed (or ``force``)."""
        self.count = count
        if not self.enabled:
            return
        now = time.monotonic()
        if force or now - self._last >= self.interval:
            self._last = now
            self.stream.write("\r" + self.line(now) + "\x1b[K")
            self.stream.flush()

    def line(self, now: float | None = None) -> str:
        """The text of the bar for the current count."""
        elapsed = max(1e-9, (now or time.monotonic()) - self.started)
        rate = self.count / elapsed
        parts = [self.label] if self.label else []
        if self.total:
            frac = min(1.0, self.count / self.total)
            filled = int(frac * self.width)
            parts.append("[" + "#" * filled + "." * (self.width - filled) + "]")
            parts.append(f"{frac * 100:5.1f}%")
            parts.append(f"{fmt_int(self.count)}/{fmt_int(self.total)}")
            eta = (self.total - self.count) / rate if rate > 0 else 0.0
            parts.append(f"{fmt_int(int(rate))} rows/s")
            parts.append(f"ETA {fmt_duration(eta)}")
        else:
            parts.append(f"{fmt_int(self.count)} rows")
            parts.append(f"{fmt_int(int(rate))} rows/s")
        return "  ".join(parts)

    def close(self) -> None:
        """Draw the final state and end the line."""
        if not self.enabled:
            return
        self.update(self.count, force=True)
        elapsed = time.monotonic() - self.started
        self.stream.write(f"  done in {fmt_duration(elapsed)}\n")
        self.stream.flush()


def progress_enabled(flag: bool | None, stream: TextIO | None = None) -> bool:
    """``--progress``/``--no-progress`` if given, else on when ``stream`` (stderr) is a terminal."""
    if flag is not None:
        return flag
    out = stream or sys.stderr
    return bool(getattr(out, "isatty", lambda: False)())
