"""The one lazy-wiring idiom of the trigger handlers: :class:`Lazy`, a value built on first use and then reused.

A handler module declares what its cold start builds (settings, database handles, clients, the migrate-user
runtime) as module-scope cells and calls them::

    settings: Lazy[HookSettings] = Lazy(lambda: HookSettings.from_env(os.environ))

    def handler(event, context):
        config = settings()          # built by the first invocation, the same object for every warm one

- **Built on first use, not at import**, so a configuration error surfaces in the handler's one error-mapping
  step (a refusal, a metric) instead of an init crash, and heavy imports stay inside the build functions (the
  cold start of a hook that never needs them does not pay for them). A handler whose init is free of user wait
  (SnapStart, provisioned concurrency) calls the cell during init instead (``user_migration._prebuild``).
- **A failed build raises to the caller and leaves the cell empty**: the next invocation tries again.
- **Reused across warm invocations** of one execution environment (Lambda keeps module state between them:
  https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html).
- **Tests** forget a value with :meth:`Lazy.reset` (which closes it when the cell was given ``close``), and put
  a fake in with ``monkeypatch.setattr(cell, "value", fake)`` (or :data:`UNBUILT`), undone after the test.
- **Thread-safe**: the build runs under a lock, at most once (Lambda sends one invocation at a time to an
  environment, but tests and a local server may call from threads).

No ``global`` statement is left in ``triggers/`` (``tests/unit/triggers/test_lazy.py`` keeps it so).
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from typing import Final, Generic, TypeVar

T = TypeVar("T")


class _Unbuilt(enum.Enum):
    UNBUILT = "UNBUILT"


#: The value of a cell that has not been built (or was reset).
UNBUILT: Final = _Unbuilt.UNBUILT


class Lazy(Generic[T]):
    """A value built on first use by ``build`` and reused until :meth:`reset`.

    Parameters
    ----------
    build : callable
        Makes the value (may raise: the cell then stays empty and the next call tries again).
    close : callable or None
        Releases a built value on :meth:`reset` (a database handle's ``close``).
    """

    __slots__ = ("_build", "_close", "_lock", "value")

    def __init__(self, build: Callable[[], T], *, close: Callable[[T], object] | None = None) -> None:
        self._build = build
        self._close = close
        self._lock = threading.Lock()
        self.value: T | _Unbuilt = UNBUILT

    def get(self) -> T:
        """The value, built now if this is the first call (or the first since :meth:`reset`)."""
        value = self.value
        if value is UNBUILT:
            with self._lock:
                value = self.value
                if value is UNBUILT:
                    value = self.value = self._build()
        return value

    __call__ = get

    @property
    def built(self) -> bool:
        """Whether the value exists (without building it)."""
        return self.value is not UNBUILT

    def reset(self) -> None:
        """Forget the value, closing it first when the cell has ``close`` (tests; a changed environment)."""
        with self._lock:
            value, self.value = self.value, UNBUILT
        if value is not UNBUILT and self._close is not None:
            self._close(value)
