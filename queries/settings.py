"""One registry of settings (name, default, help), each overridable by an environment variable.

Kept in `queries` because both the query runner (suppression, scope) and the dashboard
read it, and `queries` must not import `dashboard`.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DB_FILE_NAME = "codedash.duckdb"


def user_data_dir() -> Path:
    """The per-user folder codedash keeps its database in, by the platform's convention (those of
    platformdirs' user_data_dir, done by hand because platformdirs is not a dependency): Linux and other
    Unix $XDG_DATA_HOME/codedash, else ~/.local/share/codedash (XDG Base Directory spec: a relative
    XDG_DATA_HOME is ignored); macOS ~/Library/Application Support/codedash; Windows
    %LOCALAPPDATA%\\codedash. Never the installed package's folder, which may be read-only
    site-packages; with no home directory at all, the working directory."""
    try:
        home = Path.home()
    except RuntimeError:                         # no $HOME and no password-database entry
        return Path.cwd()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA")
        return (Path(base) if base else home / "AppData" / "Local") / "codedash"
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "codedash"
    xdg = os.environ.get("XDG_DATA_HOME", "")
    return (Path(xdg) if os.path.isabs(xdg) else home / ".local" / "share") / "codedash"


def default_db_path() -> str:
    """The database used when neither --db nor $CODEDASH_DB names one."""
    return str(user_data_dir() / DB_FILE_NAME)


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: object      # a value, or a function computing it when read (paths that depend on the user)
    kind: type
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("db_path", "CODEDASH_DB", default_db_path, str,
            "DuckDB database the CLI and dashboard use when no --db is given (default: codedash.duckdb in the "
            "per-user data directory, e.g. ~/.local/share/codedash/codedash.duckdb)."),
    Setting("suppression_threshold", "CODEDASH_SUPPRESSION_THRESHOLD", 10, int,
            "Counts of patients or encounters from 1 up to this value are never shown or exported."),
    Setting("shared_data", "CODEDASH_SHARED_DATA", str(PROJECT_ROOT.parent / "shared" / "data"), str,
            "Folder of real public samples used by importer tests."),
    Setting("host", "CODEDASH_HOST", "127.0.0.1", str, "Address the dashboard listens on."),
    Setting("port", "CODEDASH_PORT", 8050, int, "Port the dashboard listens on."),
    Setting("workers", "CODEDASH_WORKERS", 0, int,
            "Server processes: 0 = one per core (at most 4) in multi-user mode and one in single-user mode "
            "(dashboard/serving.py)."),
    Setting("debug", "CODEDASH_DEBUG", False, bool, "Dash debug mode (never in production)."),
    Setting("allowed_hosts", "CODEDASH_ALLOWED_HOSTS", "", str,
            "Host names the dashboard answers to, comma-separated ('*' = any); other Host headers get 400 "
            "(DNS rebinding). Empty: the bound host, localhost, 127.0.0.1 and ::1."),

    Setting("app_db_path", "CODEDASH_APP_DB", "", str,
            "SQLite file of app state (audit worklists; later users, sessions, audit log), never the analytics "
            "file. Empty: codedash-app.sqlite in the folder of the analytics database (CODEDASH_DB)."),
    Setting("result_cache_mb", "CODEDASH_RESULT_CACHE_MB", 256, int,
            "Memory for cached query results shared by the server's threads, in MB (approximate; 0 disables the cache)."),
    Setting("response_cache_mb", "CODEDASH_RESPONSE_CACHE_MB", 128, int,
            "Memory for whole panel responses (rendered figures and grids) shared by the server's threads, in MB "
            "(0 disables it); keyed by the request, the database, the suppression threshold and the user's scope."),
    Setting("runout_complete_share", "CODEDASH_RUNOUT_COMPLETE_SHARE", 0.9, float,
            "Run-out: a discharge month is complete once this share (0-1) of its claims has a first adjudication; "
            "until then trends mark it incomplete and the default period ends before it."),
    # multi-user serving (docs/deployment.md)
    Setting("multi_user", "CODEDASH_MULTI_USER", False, bool,
            "Multi-user mode: sign-in, roles, facility grants, sessions and the audit log. Required to bind any "
            "address other than 127.0.0.1/localhost/::1."),
    Setting("secret_key", "CODEDASH_SECRET_KEY", "", str,
            "Secret key signing session and CSRF tokens in multi-user mode (at least 32 characters); there is no "
            "default. Or put it in a file named by CODEDASH_SECRET_KEY_FILE."),
    Setting("secret_key_file", "CODEDASH_SECRET_KEY_FILE", "", str,
            "File holding the secret key (first line), for secret stores mounted as files."),
    Setting("session_idle_minutes", "CODEDASH_SESSION_IDLE_MINUTES", 15, int,
            "Automatic logoff after this many minutes without a request (HIPAA 164.312(a)(2)(iii))."),
    Setting("session_absolute_hours", "CODEDASH_SESSION_ABSOLUTE_HOURS", 12, int,
            "A session ends this many hours after sign-in however active it is."),
    Setting("cookie_secure", "CODEDASH_COOKIE_SECURE", True, bool,
            "Mark the session cookie Secure (sent over HTTPS only). Switch off only for plain-HTTP tests."),
    Setting("proxy_hops", "CODEDASH_PROXY_HOPS", 0, int,
            "Reverse proxies in front of codedash whose X-Forwarded-For/-Proto headers are trusted (0 = none)."),
    Setting("login_max_failures", "CODEDASH_LOGIN_MAX_FAILURES", 5, int,
            "Failed sign-ins (per account, and per client address) before a temporary lockout."),
    Setting("login_lockout_minutes", "CODEDASH_LOGIN_LOCKOUT_MINUTES", 15, int,
            "How long a lockout lasts; failures older than this are forgotten."),
    Setting("password_min_length", "CODEDASH_PASSWORD_MIN_LENGTH", 12, int,
            "Shortest password accepted for a local account (NIST SP 800-63B: length, no composition rules)."),
    Setting("audit_retention_days", "CODEDASH_AUDIT_RETENTION_DAYS", 2190, int,
            "Audit-log entries older than this are purged by `codedash audit purge` (default six years, the "
            "HIPAA documentation retention of 164.316(b)(2))."),
    Setting("oidc_issuer", "CODEDASH_OIDC_ISSUER", "", str,
            "OpenID Connect issuer URL for single sign-on (empty: local accounts only)."),
    Setting("oidc_client_id", "CODEDASH_OIDC_CLIENT_ID", "", str, "OpenID Connect client id."),
    Setting("oidc_client_secret", "CODEDASH_OIDC_CLIENT_SECRET", "", str, "OpenID Connect client secret."),
    Setting("oidc_roles_claim", "CODEDASH_OIDC_ROLES_CLAIM", "", str,
            "ID-token claim holding codedash role names (empty: roles are assigned locally with `codedash users grant`)."),
    Setting("oidc_facilities_claim", "CODEDASH_OIDC_FACILITIES_CLAIM", "", str,
            "ID-token claim holding granted facility ids (empty: facilities are granted locally)."),
    # coding quality page
    Setting("coding_accuracy_target", "CODEDASH_CODING_ACCURACY_TARGET", 0.95, float,
            "Coding accuracy target (share, 0-1); AHIMA's commonly cited benchmark is 95%."),
    Setting("accuracy_min_codes", "CODEDASH_ACCURACY_MIN_CODES", 30, int,
            "Coders with fewer audited (auditor's) codes than this are shown as 'small sample' and never ranked."),
    Setting("target_per_hour_inpatient", "CODEDASH_TARGET_PER_HOUR_INPATIENT", 3.0, float,
            "Inpatient records coded per hour (AHIMA benchmark, about 3 per hour)."),
    Setting("target_per_hour_outpatient", "CODEDASH_TARGET_PER_HOUR_OUTPATIENT", 6.0, float,
            "Hospital outpatient records coded per hour (codedash local default; set your department's standard)."),
    Setting("target_per_hour_emergency", "CODEDASH_TARGET_PER_HOUR_EMERGENCY", 8.0, float,
            "Emergency department records coded per hour (codedash local default; set your department's standard)."),
    Setting("target_per_hour_office", "CODEDASH_TARGET_PER_HOUR_OFFICE", 12.0, float,
            "Office/professional visits coded per hour (codedash local default; set your department's standard)."),
    Setting("coding_hours_per_day", "CODEDASH_CODING_HOURS_PER_DAY", 7.0, float,
            "Productive coding hours in a coder's day; per-day targets = per-hour target x this."),
)

_BY_NAME = {s.name: s for s in SETTINGS}
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def default(name: str):
    """The default of a setting (computed now when it depends on the user or platform)."""
    value = _BY_NAME[name].default
    return value() if callable(value) else value


def db_path_source() -> tuple[str, str]:
    """The database path used when no --db is given, and where it comes from (for help texts)."""
    env = _BY_NAME["db_path"].env
    if os.environ.get(env):
        return os.environ[env], f"${env}"
    return default_db_path(), "the per-user data directory"


def get(name: str):
    """Return the value of a setting: the environment variable if set, else the default."""
    setting = _BY_NAME[name]
    raw = os.environ.get(setting.env)
    if raw is None:
        return default(name)
    if setting.kind is bool:
        low = raw.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError(f"{setting.env}={raw!r}: expected one of {sorted(_TRUE | _FALSE)}")
    if setting.kind is float:
        try:
            fvalue = float(raw)
        except ValueError:
            raise ValueError(f"{setting.env}={raw!r}: expected a number") from None
        if not fvalue >= 0:
            raise ValueError(f"{setting.env}={raw!r}: must be a non-negative number")
        return fvalue
    if setting.kind is int:
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"{setting.env}={raw!r}: expected an integer") from None
        if value < 0:
            raise ValueError(f"{setting.env}={raw!r}: must not be negative")
        return value
    return raw
