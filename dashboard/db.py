"""The dashboard's read-only view of one database file, reopened when the file is replaced.

Loads build a new file and os.replace it into place (data/database.py), so an open
connection keeps answering from the old file until we notice the new inode and reopen.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import duckdb

from data.database import open_readonly, use_attached


class ReadOnlyDatabase:
    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._con = open_readonly(self.path)        # raises DatabaseError with a clear message
        self._inode = self._identity()

    def _identity(self) -> tuple[int, int]:
        st = self.path.stat()
        return st.st_ino, st.st_mtime_ns

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for one request (DuckDB cursors are safe to use one per thread)."""
        with self._lock:
            try:
                current = self._identity()
            except FileNotFoundError:
                current = self._inode                  # mid-replace: keep serving the old file
            if current != self._inode:
                new = open_readonly(self.path)
                old, self._con, self._inode = self._con, new, current
                old.close()
            return use_attached(self._con.cursor())
