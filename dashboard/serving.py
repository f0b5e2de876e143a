"""The WSGI server behind `codedash serve`: waitress in one process, or gunicorn with one process per core.

One Python process runs one callback's Python at a time (the GIL): Plotly figure building, JSON encoding and
pandas shaping of fifty people's page views queue behind each other however many threads it has, while the
second core idles. Multi-user mode therefore runs several worker processes (gunicorn's pre-fork server,
threaded workers) on one listening socket. Nothing a request needs lives only in one process: sessions,
sign-in failure counts, lockouts and the audit chain are in the app-state SQLite file (written inside
BEGIN IMMEDIATE), the OpenID Connect state is in the signed session cookie, and the result and response caches
are per process and keyed by build, scope and names, so a worker only ever answers from its own cache.

Each worker builds its own app after the fork (`preload_app` off): a DuckDB connection, its thread pool and a
SQLite handle must never cross a fork. The master validates what would make every worker fail (the bind
address, the secret key, the database, the app-state migrations) before it forks, so the shell gets one
clear message instead of a worker boot loop. Windows has no fork: there, and whenever one worker is asked
for, waitress serves as before.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Callable

THREADS = 8               # per process; also bounds concurrent Argon2id verifies (64 MiB each) per process
MAX_AUTO_WORKERS = 4      # every worker holds its own caches and DuckDB buffers (docs/deployment.md)
WORKER_BOOT_ERROR = 3     # gunicorn's exit status for "this worker cannot boot": the master stops, no retry loop


def worker_count(requested: int, multi_user: bool) -> int:
    """Processes to run: `requested` if positive; else one per core (at most MAX_AUTO_WORKERS) in multi-user
    mode and one on a single-user laptop; always one where the platform cannot fork."""
    if not can_fork():
        return 1
    if requested > 0:
        return requested
    return max(1, min(os.cpu_count() or 1, MAX_AUTO_WORKERS)) if multi_user else 1


def can_fork() -> bool:
    if sys.platform == "win32":
        return False
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return False
    return True


def serve(make_app: Callable[[], object], host: str, port: int, workers: int, *,
          on_boot_error: Callable[[Exception], str | None] = lambda exc: None) -> None:
    """Serve the WSGI app `make_app()` returns until interrupted.

    make_app is called once in each process that serves (after the fork for gunicorn). on_boot_error turns an
    exception raised by make_app into the message to print (None: not expected, re-raise)."""
    if workers <= 1:
        from waitress import serve as waitress_serve
        waitress_serve(make_app(), host=host, port=port, threads=THREADS, ident="codedash")
        return
    _Gunicorn(make_app, host, port, workers, on_boot_error).run()


def _bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


try:
    from gunicorn.app.base import BaseApplication
except ImportError:           # Windows, or an install without it: serve() never reaches _Gunicorn
    BaseApplication = object


class _Gunicorn(BaseApplication):
    def __init__(self, make_app, host, port, workers, on_boot_error):
        self._make_app, self._on_boot_error = make_app, on_boot_error
        self._options = {
            "bind": [_bind_address(host, port)],
            "workers": workers,
            "worker_class": "gthread",
            "threads": THREADS,
            "preload_app": False,
            # a long 50M-line callback must not be mistaken for a hung worker; gthread heartbeats meanwhile
            "timeout": 120,
            "graceful_timeout": 10,
            "keepalive": 5,
            # a page address carries its whole view state; 8190 is gunicorn's upper bound
            "limit_request_line": 8190,
            # One rule for who is a proxy: the proxy_hops setting (werkzeug's ProxyFix in dashboard/auth.py).
            # gunicorn would otherwise believe X-Forwarded-Proto from any local process, marking plain HTTP
            # as TLS (HSTS, Secure cookies) on a shared host.
            "forwarded_allow_ips": "",
            "secure_scheme_headers": {},
            "proxy_allow_ips": "",
            "control_socket_disable": True,
            "accesslog": None,          # the audit log records every request that matters, with its user
            "errorlog": "-",
            "loglevel": "warning",
            "proc_name": "codedash",
        }
        super().__init__()

    def load_config(self):
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        try:
            return self._make_app()
        except Exception as exc:   # noqa: BLE001 - a worker that cannot build the app must stop the server
            message = self._on_boot_error(exc)
            if message is None:
                raise
            print(message, file=sys.stderr, flush=True)
            sys.exit(WORKER_BOOT_ERROR)
