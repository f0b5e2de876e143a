"""create_app(): a small factory; nothing touches data at import time."""
from __future__ import annotations

import importlib
import os
from pathlib import Path

import dash

from codedash.dashboard import access, response_cache, security, shell
from codedash.dashboard.db import ReadOnlyDatabase
from codedash.dashboard.pages import placeholder
from codedash.dashboard.pages.registry import PAGES

ASSETS = Path(__file__).with_name("assets")


def create_app(db_path: str | os.PathLike, bind_host: str | None = None, auth_config=None) -> dash.Dash:
    """A Dash app serving the database at db_path read-only (raises DatabaseError if unusable).

    bind_host: the address the server listens on (default: the `host` setting); it is one of the
    host names the app answers to (dashboard/security.py).
    auth_config: a dashboard.auth.AuthConfig for multi-user serving (sign-in, roles, scope, audit); None serves
    single-user."""
    db = ReadOnlyDatabase(db_path)
    # one app-state file for worklists, users, sessions and the audit log (queries.worklist.app_db_path)
    from codedash.queries.worklist import app_db_path
    db.app_state = Path(auth_config.app_db) if auth_config is not None else app_db_path(db.path)
    app = dash.Dash(
        __name__, use_pages=True, pages_folder="", assets_folder=str(ASSETS),
        title="codedash", suppress_callback_exceptions=True, update_title=None,
    )
    app.index_string = shell.INDEX_STRING
    app.layout = shell.layout(db)
    shell.register_callbacks(app, db)
    for page in PAGES:
        if page.module:
            module = importlib.import_module(page.module)
            page_layout = module.layout
            module.register_callbacks(app, db)
        else:
            page_layout = placeholder.layout_for(page)
        dash.register_page(f"codedash.{page.key}", path=page.path, name=page.title,
                           title=f"{page.title} · codedash", layout=access.guard_layout(page.key, page_layout))
    security.install(app, bind_host)
    if auth_config is not None:
        from codedash.dashboard import auth
        auth.install(app, auth_config)
    response_cache.install(app, db)               # after the sign-in and access checks: they run first
    app.server.config["CODEDASH_DB"] = str(db.path)
    app._codedash_db = db          # for tests and tooling: the read-only handle
    _finish_first_request_setup(app)
    return app


def _finish_first_request_setup(app: dash.Dash) -> None:
    """Run Dash's first-request setup now, before any server thread or process takes a request.

    Dash fills its registry of component bundles (`registered_paths`) and registers the page router's callback
    on the first request, behind a flag set before the work is done (plotly/dash#3971). Under a threaded
    server the requests that arrive meanwhile find an empty registry and get 500 for every
    `/_dash-component-suites/` bundle, and a gunicorn worker that never served the index page — the browser
    fetched it from another process — fails the same way: a blank page after sign-in. Running the hooks here
    (the ones Dash registered, which come before codedash's own checks) makes every process whole."""
    with app.server.test_request_context("/_favicon.ico"):
        for hook in list(app.server.before_request_funcs.get(None, [])):
            if getattr(hook, "__module__", "").startswith("dash"):
                hook()
    if not all(app._got_first_request.values()) or not app.registered_paths:
        raise RuntimeError("Dash's first-request setup did not complete (has Dash changed its start-up hooks?)")
