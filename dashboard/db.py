"""The dashboard's read-only view of one database file, reopened when the file is replaced.

Loads build a new file and os.replace it into place (data/database.py), so an open
connection keeps answering from the old file until we notice the new inode and reopen.

The old connection is never closed explicitly: closing a DuckDB connection closes every cursor made
from it, and other threads may be in the middle of a request on one. Instead the handle drops its
reference; each cursor keeps the old database instance alive (DuckDB shares it by reference count)
until the last request using it ends and its cursor is collected, which frees the instance and
the old file's handle. So at most one instance per replace outlives it, and only for the length of
the requests already running.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import duckdb

from codedash.data.database import DatabaseError, open_readonly, use_attached


class ReadOnlyDatabase:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._con = open_readonly(self.path)        # raises DatabaseError with a clear message
        self._inode = self._identity()
        self.reopened = 0                           # how many times a replaced file was picked up
        self.app_state: Path | None = None          # the app-state SQLite file (set by create_app)

    def _identity(self) -> tuple[int, int]:
        st = self.path.stat()
        return st.st_ino, st.st_mtime_ns

    def build_identity(self) -> str | None:
        """The served file's build id (queries.cache.database_identity), read once per file picked up."""
        from codedash.queries.cache import database_identity
        cur = self.cursor()                            # notices a replaced file first
        with self._lock:
            known = getattr(self, "_identity_of", None)
            if known is not None and known[0] == self._inode:
                return known[1]
        identity = database_identity(cur)
        with self._lock:
            self._identity_of = (self._inode, identity)
        return identity

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for one request (DuckDB cursors are safe to use one per thread)."""
        with self._lock:
            try:
                current = self._identity()
            except FileNotFoundError:
                current = self._inode                  # mid-replace: keep serving the old file
            if current != self._inode:
                try:
                    new = open_readonly(self.path)
                except DatabaseError:
                    new = None                         # unreadable just now: serve the old file, retry next request
                if new is not None:
                    self._con, self._inode = new, current   # the old one lives on in its cursors (see above)
                    self.reopened += 1
            return use_attached(self._con.cursor())
