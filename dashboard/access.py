"""Who may see what, in one place: the roles' pages, who sees coder and provider names, who may export.

Single-user serving (no sign-in, 127.0.0.1 only) has no signed-in user and everything is allowed. In
multi-user mode dashboard/auth.py puts the signed-in user on `flask.g` for the request, and these rules are
applied on the server: the navigation and the page layouts hide what a role may not see, and the callback
guard refuses a forged request for a page, a panel or a download the user may not have (docs/deployment.md).
"""
from __future__ import annotations

from dash import html

from codedash.data.accounts import ROLES  # noqa: F401 - the account store validates roles; one list for both
ROLE_LABELS = {"administrator": "Administrator", "coding_manager": "Coding manager",
               "revenue_cycle": "Revenue cycle", "researcher": "Researcher", "compliance": "Compliance"}
# The data-quality page checks whole tables across facilities (its runs are not facility-scoped) and lists
# example encounter ids: administrators only.
ROLE_PAGES: dict[str, frozenset[str]] = {
    "administrator": frozenset({"overview", "coding_quality", "denials", "diagnosis_trends", "compliance",
                                "data_quality"}),
    "coding_manager": frozenset({"overview", "coding_quality", "denials"}),
    "revenue_cycle": frozenset({"overview", "denials"}),
    "researcher": frozenset({"overview", "diagnosis_trends"}),
    "compliance": frozenset({"overview", "compliance", "coding_quality", "denials"}),
}
# Named coders and providers (performance of people) are for those who manage or audit them.
NAMES_ROLES = frozenset({"administrator", "coding_manager", "compliance"})
NAMES_HIDDEN = ("Coder and provider names are shown to coding managers, compliance officers and administrators "
                "only.")
PAGE_HIDDEN = "Your role does not include this page. Ask your administrator for access."


def current_user():
    """The signed-in user of this request (data.accounts.User), or None when serving single-user."""
    try:
        from flask import g, has_request_context
    except ImportError:                  # pragma: no cover - flask ships with dash
        return None
    return g.get("codedash_user") if has_request_context() else None


def _roles(user) -> set[str]:
    return set(user.roles) if user is not None else set()


def may_see_page(page_key: str, user="current") -> bool:
    user = current_user() if user == "current" else user
    if user is None:
        return True
    return any(page_key in ROLE_PAGES.get(r, ()) for r in _roles(user))


def may_see_names(user="current") -> bool:
    user = current_user() if user == "current" else user
    return user is None or bool(_roles(user) & NAMES_ROLES)


def may_export(user="current") -> bool:
    user = current_user() if user == "current" else user
    return user is None or bool(user.can_export)


def may_see_panel(names: bool, user="current") -> bool:
    return not names or may_see_names(user)


def is_download(output: str) -> bool:
    """A callback (its Dash output id) writing a dcc.Download's data: every download id in codedash ends in
    -download or -export. Needs the export permission; never served from the response cache."""
    return any(o.strip(".").endswith(("-download.data", "-export.data")) for o in output.split("..."))


def guard_layout(page_key: str, layout):
    """The page's layout function, answering 'not your page' to a user whose roles do not include it."""
    def guarded(**query):
        if not may_see_page(page_key):
            return html.Div(html.P(PAGE_HIDDEN), className="cd-access-denied", role="alert")
        return layout(**query) if callable(layout) else layout
    return guarded
