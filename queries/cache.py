"""A bounded, thread-safe LRU cache of query results, shared by every thread of the process.

Keys are built by queries.runner from everything a result depends on: the query name, the validated
bound parameters, the user's scope, the suppress flag and threshold, and the database's build id
(build_info, written by every build: a load makes a new file with a new id, so old entries are never
served again and age out of the LRU). Frames are copied in and out, so no caller can alter a cached
result or another caller's copy. The bound is approximate bytes (pandas deep memory usage).
"""
from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass

import duckdb
import pandas as pd

from codedash.queries import settings

# One cheap statement per run: the build id of the file this connection reads, and whether it is read-only.
# A writable connection can change rows without changing the id, so only read-only ones are cached.
_IDENTITY_SQL = ("select (select min(build_id) from build_info), "
                 "(select readonly from duckdb_databases() where database_name = current_database())")


# A connection's answer never changes: a read-only connection reads one file whose build id is fixed, and a
# writable one is never cached. Remembered per connection object (a request's cursor runs several queries).
_identities: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_identities_lock = threading.Lock()


def database_identity(con: duckdb.DuckDBPyConnection) -> str | None:
    """The build id of a read-only database, or None (writable, or built before build ids existed): do not cache."""
    with _identities_lock:
        if con in _identities:
            return _identities[con]
    try:
        build_id, readonly = con.execute(_IDENTITY_SQL).fetchone()
    except duckdb.CatalogException:
        return None                             # not remembered: a build may add build_info to this connection
    identity = build_id if build_id and readonly else None
    if readonly:
        with _identities_lock:
            _identities[con] = identity
    return identity


def freeze(value) -> Hashable:
    """A hashable, order-preserving form of a bound parameter value (lists become tuples)."""
    if isinstance(value, (list, tuple)):
        return tuple(freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, freeze(v)) for k, v in value.items()))
    return value


def frame_bytes(df: pd.DataFrame) -> int:
    return int(df.memory_usage(index=True, deep=True).sum())


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int
    entries: int
    bytes: int
    max_bytes: int


class ResultCache:
    def __init__(self, max_bytes: int):
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, tuple[pd.DataFrame, int]] = OrderedDict()
        self._bytes = 0
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> pd.DataFrame | None:
        """A private copy of the cached frame, or None (a miss is counted)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            frame = entry[0]
        return frame.copy(deep=True)

    def put(self, key: Hashable, df: pd.DataFrame) -> None:
        """Store a copy of df, evicting least recently used entries to stay within max_bytes."""
        size = frame_bytes(df)
        if size > self.max_bytes:
            return                              # larger than the whole cache: never worth evicting everything
        frame = df.copy(deep=True)
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (frame, size)
            self._bytes += size
            self._evict()

    def resize(self, max_bytes: int) -> None:
        with self._lock:
            self.max_bytes = max_bytes
            self._evict()

    def _evict(self) -> None:
        while self._bytes > self.max_bytes and self._entries:
            _, (_, size) = self._entries.popitem(last=False)
            self._bytes -= size

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def reset_stats(self) -> None:
        with self._lock:
            self.hits = self.misses = 0

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self.hits, self.misses, len(self._entries), self._bytes, self.max_bytes)


_SHARED = ResultCache(0)


def shared() -> ResultCache | None:
    """The process-wide cache sized by the result_cache_mb setting (read each call), or None when it is 0."""
    max_bytes = int(settings.get("result_cache_mb")) * 1024 * 1024
    if max_bytes != _SHARED.max_bytes:
        _SHARED.resize(max_bytes)
    return _SHARED if max_bytes > 0 else None
