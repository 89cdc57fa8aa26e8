"""Results of an earlier run, looked up instead of computed again while a scope is open.

A rebuild after one article changed repeats most of the last build's small pure
computations: dates normalised by dateparser (`kg.dates`), cited sentences folded for claim
keys (`kg.rdf.graph`), the view's layout (`kg.viz.layout`). Each keeps a `Memo`. The build
opens a `scope` with what the last build kept (`kg.build._memo` reads and writes the file)
and keeps what this one used: entries of articles that are gone drop out. Outside a scope a
`Memo` is not consulted, so worker processes and library callers never grow one.

>>> squares = Memo()
>>> with squares.scope({3: 9}) as used:
...     squares.get(3, lambda n: n * n), squares.get(4, lambda n: n * n)
(9, 16)
>>> used
{3: 9, 4: 16}
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

__all__ = ["Memo"]

K = TypeVar("K")
V = TypeVar("V")
_MISSING: Any = object()


class Memo(Generic[K, V]):
    """One function's memo across runs (see the module docstring)."""

    def __init__(self) -> None:
        self._scopes: list[tuple[Mapping[K, V], dict[K, V]]] = []

    @property
    def active(self) -> bool:
        """Whether a scope is open (else `get` must not be called)."""
        return bool(self._scopes)

    @contextmanager
    def scope(self, known: Mapping[K, V]) -> Iterator[dict[K, V]]:
        """Look up `known` (an earlier run's results) inside; yields the entries used."""
        used: dict[K, V] = {}
        self._scopes.append((known, used))
        try:
            yield used
        finally:
            self._scopes.pop()

    def get(self, key: K, compute: Callable[[K], V],
            fits: Callable[[V], bool] | None = None) -> V:  # fmt: skip
        """The result for `key`: already used in this scope, else known from the earlier run
        (when it `fits`, if given), else `compute(key)`. Results may be None."""
        known, used = self._scopes[-1]
        found = used.get(key, _MISSING)
        if found is _MISSING:
            found = known.get(key, _MISSING)
            if found is _MISSING or (fits is not None and not fits(found)):
                found = compute(key)
            used[key] = found
        return found  # type: ignore[no-any-return]
