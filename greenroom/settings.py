"""Greenroom settings: one file, configured by environment variables only.

See docs/configuration.md for every variable. Bad values do not crash start-up; they are
collected by ``greenroom.lib.env`` and reported by the ``greenroom.checks`` system checks.
"""

import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from greenroom.lib.env import (
    ConfigProblem,
    email_settings,
    env_base_url,
    env_bool,
    env_bytes,
    env_duration,
    env_int,
    env_list,
    env_path,
    env_paths,
    env_size,
    env_str,
    problems,
)

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = env_path("GREENROOM_DATA_DIR", Path.cwd() / "data")
DEMO = env_bool("GREENROOM_DEMO", False)
DEBUG = env_bool("GREENROOM_DEBUG", False)


def _secret_key() -> str:
    """The configured key, else one generated once and kept (0600) in the data folder."""
    configured = env_str("GREENROOM_SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret.key"
    try:
        if not key_file.exists():
            DATA_DIR.mkdir(parents=True, exist_ok=True)
            key_file.write_text(secrets.token_urlsafe(50))
            key_file.chmod(0o600)
        return key_file.read_text().strip()
    except OSError as error:
        problems.append(ConfigProblem("GREENROOM_DATA_DIR", str(DATA_DIR), str(error)))
        # Per-process key: sessions will not survive a restart, and the check says why.
        return secrets.token_urlsafe(50)


SECRET_KEY = _secret_key()

_explicit_hosts = env_list("GREENROOM_ALLOWED_HOSTS", [])
ALLOWED_HOSTS = _explicit_hosts or ["localhost", "127.0.0.1", "[::1]"]
# Declaring public host names means a production deployment, which is served over HTTPS.
HTTPS = env_bool("GREENROOM_HTTPS", bool(_explicit_hosts) and not DEMO)
CSRF_TRUSTED_ORIGINS = env_list("GREENROOM_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    # Serves Swagger UI's files locally instead of from a CDN.
    "ninja",
    "django_htmx",
    "axes",
    "csp",
    "huey.contrib.djhuey",
    "greenroom.accounts",
    "greenroom.organisation",
    "greenroom.jobs",
    "greenroom.metrics",
    "greenroom.sources",
    "greenroom.customers",
    "greenroom.feedback",
    "greenroom.research",
    "greenroom.strategy",
    "greenroom.dashboards",
    "greenroom.experiments",
    "greenroom.cadences",
    "greenroom.web",
    "greenroom.health",
    "greenroom.sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "greenroom.web.middleware.ProxyHeadersObserver",
    # Static files are answered here, before the headers below that only pages need.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "greenroom.web.limits.RequestLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "greenroom.web.middleware.NoStoreWhenSignedIn",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "greenroom.accounts.middleware.WorkspaceMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "greenroom.urls"
WSGI_APPLICATION = "greenroom.wsgi.application"
AUTH_USER_MODEL = "accounts.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "greenroom.web.context_processors.shell",
            ],
        },
    }
]


def _databases() -> dict[str, dict]:
    url = env_str("GREENROOM_DATABASE_URL")
    if not url:
        return {"default": _sqlite(DATA_DIR / "greenroom.sqlite3")}
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as error:
        problems.append(ConfigProblem("GREENROOM_DATABASE_URL", url, str(error)))
        return {"default": _sqlite(DATA_DIR / "greenroom.sqlite3")}
    if config["ENGINE"] == "django.db.backends.sqlite3":
        return {"default": _sqlite(Path(config["NAME"]))}
    # Lets parallel test runs on one server use separate throwaway databases.
    test_name = env_str("GREENROOM_TEST_DATABASE_NAME")
    if test_name:
        config["TEST"] = {"NAME": test_name}
    return {"default": dict(config)}


def _sqlite(path: Path) -> dict:
    # WAL lets the web processes read while a job writes; IMMEDIATE transactions and a busy
    # timeout make concurrent writers wait for each other instead of failing at once.
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
        # Kept per thread between requests: opening one and running the pragmas above was a
        # tenth of a page's time under load.
        "CONN_MAX_AGE": 600,
        "CONN_HEALTH_CHECKS": True,
        # A file, not Django's default shared-cache memory database: tests that run jobs in
        # threads then get WAL and the busy timeout instead of "database table is locked".
        "TEST": {"NAME": str(path.with_name(f"test_{path.name}"))},
    }


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# What a request may send (greenroom/web/limits.py): more is refused with 413 before it is
# read. Uploads beyond 1 MB stream to the data folder's tmp/ as they arrive, and from there
# are moved (not copied) to where they are kept.
MAX_UPLOAD_SIZE = env_bytes("GREENROOM_MAX_UPLOAD_SIZE", "100MB")
MAX_REQUEST_BODY = env_bytes("GREENROOM_MAX_REQUEST_BODY", "10MB")
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY
FILE_UPLOAD_MAX_MEMORY_SIZE = 1_000_000
FILE_UPLOAD_HANDLERS = [
    "greenroom.web.limits.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]


def _temp_dir() -> str:
    folder = DATA_DIR / "tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        problems.append(ConfigProblem("GREENROOM_DATA_DIR", str(DATA_DIR), str(error)))
    return str(folder)


FILE_UPLOAD_TEMP_DIR = _temp_dir()

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Proxies in front: how many append to X-Forwarded-For, and whether one terminates TLS.
PROXY_COUNT = env_int("GREENROOM_PROXY_COUNT", 0, minimum=0)
BEHIND_PROXY = env_bool("GREENROOM_BEHIND_PROXY", False)

# Login throttling (django-axes): a few failures per email and address, and many more per
# address alone, so a password sprayed across emails is slowed but an office behind one NAT
# is not locked out by its members' typos (greenroom/accounts/throttling.py).
AXES_FAILURE_LIMIT = env_int("GREENROOM_LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("GREENROOM_LOGIN_ADDRESS_FAILURE_LIMIT", 30, minimum=1)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "greenroom.accounts.throttling.AddressThrottlingHandler"
AXES_CLIENT_IP_CALLABLE = "greenroom.accounts.throttling.client_address"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("GREENROOM_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
# The shell's own assets belong to no app, so collectstatic must be told where they are.
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = DATA_DIR / "uploads"

# Security headers always; cookie and transport hardening whenever served over HTTPS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Scripts and styles come only from our own static files: no inline code, attributes or eval,
# so injected markup can run nothing (docs/configuration.md, "Security headers").
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SESSION_COOKIE_AGE = env_duration("GREENROOM_SESSION_AGE", "12h")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

globals().update(email_settings(env_str("GREENROOM_EMAIL_URL", "console:")))
DEFAULT_FROM_EMAIL = env_str("GREENROOM_FROM_EMAIL", "greenroom@localhost")
# Where people reach Greenroom (https://greenroom.example.com): emails sent outside a request
# (the weekly digest) link to pages with it, so the links work from a mail client.
BASE_URL = env_base_url("GREENROOM_BASE_URL")

# Background jobs (huey): in-process by default, Redis with separate workers by configuration.
JOBS_URL = env_str("GREENROOM_JOBS_URL", "")
JOBS_IMMEDIATE = env_bool("GREENROOM_JOBS_IMMEDIATE", False)


def _jobs_file() -> str:
    # The queue's file is opened as the apps load: when the data folder cannot be used (a
    # file, say, reported by the system checks) the queue is kept in memory, so that the
    # command gets as far as reporting it instead of failing with a traceback.
    if any(problem.variable == "GREENROOM_DATA_DIR" for problem in problems):
        return ":memory:"
    return str(DATA_DIR / "jobs.sqlite3")


HUEY = {
    "name": "greenroom",
    "immediate": JOBS_IMMEDIATE,
    "immediate_use_memory": True,
    "consumer": {"workers": env_int("GREENROOM_JOBS_WORKERS", 2), "worker_type": "thread"},
    **(
        {"huey_class": "huey.RedisHuey", "url": JOBS_URL}
        if JOBS_URL
        else {"huey_class": "huey.SqliteHuey", "filename": _jobs_file()}
    ),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("GREENROOM_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# The analytics stores (DuckDB by default; see docs/warehouse.md for other engines): one
# folder per workspace in this folder (docs/analytics-store.md).
ANALYTICS_DIR = env_path("GREENROOM_ANALYTICS_DIR", DATA_DIR / "analytics")
# Where metrics are computed: "duckdb" (the store itself), "postgres://user@host/db" or
# "spark://local" — the refresh publishes the model and rollup tables there (docs/warehouse.md).
ANALYTICS_URL = env_str("GREENROOM_ANALYTICS_URL", "duckdb")
# DuckDB spills to disk beyond this, so a refresh of years of events fits a small server.
ANALYTICS_MEMORY_LIMIT = env_size("GREENROOM_ANALYTICS_MEMORY_LIMIT", "3GB")

# Folders a source set up on the web or through the API may read files from; only whoever runs
# the server widens this (``greenroom sources add`` on the command line may read anywhere).
SOURCES_FILE_ROOTS = env_paths("GREENROOM_SOURCE_FOLDERS", [DATA_DIR / "imports"])

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500
