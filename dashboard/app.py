"""create_app(): a small factory; nothing touches data at import time."""
from __future__ import annotations

import importlib
import os
from pathlib import Path

import dash

from codedash.dashboard import access, security, shell
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
    app.server.config["CODEDASH_DB"] = str(db.path)
    app._codedash_db = db          # for tests and tooling: the read-only handle
    return app
