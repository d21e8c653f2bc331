"""Settings read from the environment; production differs only by environment variables."""

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


DEBUG = env_bool("DJANGO_DEBUG", False)

# --- Security: the secret key, HTTPS and sessions (issue 16) ---------------------------------------------------------
# A key anyone can read (a published default, the debug key, Django's startproject key) lets them forge sessions,
# password-reset links and signed values: refused outright, in every mode, rather than warned about.
DEBUG_SECRET_KEY = "insecure-development-key-only-for-debug"
KNOWN_SECRET_KEYS = frozenset({DEBUG_SECRET_KEY, "change-me-in-production", "changeme", "secret", "secret-key"})
SECRET_KEY_MIN_LENGTH = 50  # Django's own deploy check (security.W009): 50 characters, 5 different ones


def secret_key_problem(key: str) -> str | None:
    """Why `key` must not sign this app's sessions, or None when it may."""
    if key in KNOWN_SECRET_KEYS or key.startswith("django-insecure-"):
        return "it is a published, well-known key"
    if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < 5:
        return f"it is shorter than {SECRET_KEY_MIN_LENGTH} characters or has fewer than 5 different ones"
    return None


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    SECRET_KEY = DEBUG_SECRET_KEY
elif problem := secret_key_problem(SECRET_KEY):
    raise ImproperlyConfigured(
        f"DJANGO_SECRET_KEY is refused: {problem}. Generate one with "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )

# Production runs behind a TLS-terminating proxy: with DEBUG off every HTTPS protection is on unless switched off.
# DJANGO_HTTPS=0 turns them all off at once (docker-compose's plain http on :8000); each also has its own variable.
# DEBUG (bin/run, tests) serves plain http on 127.0.0.1, so there they are off.
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", HTTPS)
# Trusts the proxy's X-Forwarded-Proto: only behind a proxy that sets it (and strips a client's own), or a client
# talking straight to the app could claim https.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", HTTPS) else None
)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
# The header's consent only: nothing is preloaded until someone submits the domain to the browsers' list.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", HTTPS)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Shared front-desk tablets: a shorter session, or one that ends with the browser, so nobody inherits a sign-in.
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_COOKIE_AGE", 60 * 60 * 24 * 14, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("DJANGO_SESSION_EXPIRE_AT_BROWSER_CLOSE", False)
# --- end of the security block ----------------------------------------------------------------------------------------

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "simple_history",
    "axes",
    "rest_framework",
    "drf_spectacular",
    "salesoffice",
    "attribution",
    "reception",
    "commission",
    "vip",
    "service_desk",
]

MIDDLEWARE = [
    "salesoffice.middleware.RightsScopeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "salesoffice.middleware.DebugErrorPagesWithoutCSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "salesoffice.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "salesoffice.middleware.HtmxLoginRedirectMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "salesoffice.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "salesoffice.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "salesoffice.wsgi.application"

# With no DATABASE_URL the app runs on an embedded SQLite file so a newcomer needs no server;
# tests and production use PostgreSQL.
_embedded = f"sqlite:///{BASE_DIR / 'var' / 'salesoffice.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or _embedded,
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
# Behind PgBouncer in transaction mode a server-side cursor (`.iterator()` of the exports) can outlive its
# transaction's connection: Django's documented switch reads such results client-side instead (docs/scaling.md).
DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = os.environ.get("DATABASE_DISABLE_SERVER_SIDE_CURSORS") == "1"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serialises writers; a busy timeout keeps two desk terminals from erroring on each other.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading a user's profile, roles and permissions in two queries instead of four.
    "salesoffice.auth.StaffBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Sign-in lock-out (django-axes, issue 16) -------------------------------------------------------------------------
# Failures are counted per user *and* address together: a colleague guessing at someone's password from another
# terminal cannot lock them out, and one address (an office behind one NAT) is not locked for everyone.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The lock ends when the cool-off says, however often the locked pair keeps trying: it protects the account, it does
# not punish the person at the keyboard (who may be its owner on the same office address).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "salesoffice.views.login_locked_out"
# The address counted: behind DJANGO_TRUSTED_PROXY_COUNT reverse proxies, the one the outermost proxy appended to
# X-Forwarded-For (salesoffice.auth.client_ip); with none, the connection's own address.
AXES_CLIENT_IP_CALLABLE = "salesoffice.auth.client_ip"
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)
# --- end of the lock-out block ----------------------------------------------------------------------------------------

# --- Content-Security-Policy (Django's own, issue 16) -----------------------------------------------------------------
# Only this app's own files run or style a page: no inline script or handler (behaviour lives in static/js and the
# apps' static files; an inline script needs {{ csp_nonce }}), no style attribute (classes in static/css), no eval
# (htmx's allowEval is off in base.html: no hx-on, no js: values, no trigger filters). data: images are Bootstrap's
# own SVG icons in its CSS and the signature drawn on the service desk's canvas.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# --- end of the Content-Security-Policy block ------------------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
# How dates read per language: salesoffice/formats (templates name a format, never spell one).
FORMAT_MODULE_PATH = ["salesoffice.formats"]
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
USE_I18N = True
USE_TZ = True
# Storage is UTC; each site's own zone decides what "a day" is (salesoffice.timeutil).
TIME_ZONE = os.environ.get("SITE_DEFAULT_TIME_ZONE", "Asia/Shanghai")

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
# WhiteNoise looks at STATIC_ROOT at start-up; collectstatic fills it in production, an empty one serves in dev.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: with no REDIS_URL, tasks run in-process so the app works without a broker.
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
# Every task is idempotent (run twice, it sends or notifies once), so a task is acknowledged only when it is done: a
# worker killed mid-task leaves the message to be delivered again instead of losing it. One message at a time per
# worker process, so a killed worker holds back no prefetched ones.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis redelivers a message not acknowledged within this many seconds (a dead worker's task runs again then).
    # Longer than any task runs, or a slow task runs twice at once; our tasks are idempotent and lock, so that wastes
    # work but changes nothing.
    "visibility_timeout": int(os.environ.get("CELERY_BROKER_VISIBILITY_TIMEOUT", "3600")),
    # A publish to a broker that is down fails at once instead of retrying for seconds, and an unreachable one within
    # seconds: the caller's outbox keeps the work (salesoffice/outbox.py). The worker's own connection retries apart.
    "max_retries": 0,
    "socket_connect_timeout": 3,
    "socket_timeout": 10,
}

# --- Cache and sessions: Redis is optional at run time (docs/operations.md) ---
# The cache holds only what the database can give again (rendered boards, till tokens), so a dead or frozen Redis
# reads as an empty cache: each try waits at most REDIS_CACHE_TIMEOUT seconds, and after a failure the process
# leaves Redis alone for REDIS_CACHE_RETRY_AFTER seconds (salesoffice/cache.py).
REDIS_CACHE_TIMEOUT = float(os.environ.get("REDIS_CACHE_TIMEOUT", "0.25"))
CACHES = {
    "default": (
        {
            "BACKEND": "salesoffice.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_CACHE_TIMEOUT,
                "socket_timeout": REDIS_CACHE_TIMEOUT,
                "RETRY_AFTER": float(os.environ.get("REDIS_CACHE_RETRY_AFTER", "5")),
            },
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Sessions live in the database only. Read through a cache (cached_db) they would outlive a sign-out made while
# Redis was down: the session's row is deleted, its cached copy is not, and it comes back with Redis. The database
# read costs about 0.3 ms more per request than Redis's (measured on this machine: 0.49 against 0.19 ms).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# --- end of cache and sessions ---

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# The rota's deferrable unique position (for swaps) exists on PostgreSQL; the embedded SQLite default
# simply goes without it.
SILENCED_SYSTEM_CHECKS = ["models.W038"]

# Store VIP reminders (VIP-SVC-1): a dotted path to the SMS backend; the default writes to VIP_SMS_FILE (or the log).
VIP_SMS_BACKEND = os.environ.get("VIP_SMS_BACKEND", "vip.sms.FileSmsBackend")
VIP_SMS_FILE = os.environ.get("VIP_SMS_FILE", "")
# The SMS outbox: a message the provider refuses or cannot take is tried again after VIP_SMS_RETRY_SECONDS, doubling
# each time (at most six hours apart), and marked failed after VIP_SMS_MAX_ATTEMPTS attempts (about 20 hours).
VIP_SMS_MAX_ATTEMPTS = int(os.environ.get("VIP_SMS_MAX_ATTEMPTS", "12"))
VIP_SMS_RETRY_SECONDS = int(os.environ.get("VIP_SMS_RETRY_SECONDS", "60"))
# The till API's token, with its store and settings, is kept this long in the cache (saves every till request a
# three-table read). Only in a cache all processes share: a local-memory cache would keep a token revoked by another
# process. Revoking a token or saving its store or settings drops it at once.
VIP_TILL_TOKEN_CACHE_SECONDS = int(os.environ.get("VIP_TILL_TOKEN_CACHE_SECONDS", "60" if REDIS_URL else "0"))

# --- Email (issue 19): notifications reach people by email as well as in the app --------------------------------------
# Django's mailers (MAILERS, Django 6.1), printed to the console unless configured. EMAIL_URL
# (smtp://user:password@host:587?tls=1, smtps://... for implicit TLS, console:, locmem:, dummy:) sets it at once;
# otherwise EMAIL_BACKEND and, for SMTP, EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS,
# EMAIL_USE_SSL, EMAIL_TIMEOUT. Notification emails go through the task outbox (salesoffice/outbox.py) after the
# decision commits, so a broker that is down delays them and loses none.
_EMAIL_SCHEMES = {
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}
SMTP_BACKEND = _EMAIL_SCHEMES["smtp"]


def email_mailer(environ: Mapping[str, str]) -> dict[str, object]:
    """The default mailer (a MAILERS entry) the environment describes; a wrong value fails loudly at start-up."""
    url = environ.get("EMAIL_URL", "")
    if url:
        parsed = urlsplit(url)
        if parsed.scheme not in _EMAIL_SCHEMES:
            raise ImproperlyConfigured(f"EMAIL_URL must start with one of {sorted(_EMAIL_SCHEMES)}: got {url!r}")
        options = dict(parse_qsl(parsed.query))
        backend = _EMAIL_SCHEMES[parsed.scheme]
        smtp = {
            "host": parsed.hostname or "localhost",
            "port": parsed.port,
            "username": unquote(parsed.username or ""),
            "password": unquote(parsed.password or ""),
            "use_ssl": parsed.scheme == "smtps",
            "use_tls": options.get("tls", "").lower() in {"1", "true", "yes", "on"},
        }
    else:
        backend = environ.get("EMAIL_BACKEND", "") or _EMAIL_SCHEMES["console"]
        smtp = {
            "host": environ.get("EMAIL_HOST", "") or "localhost",
            "port": env_int("EMAIL_PORT", 0) or None,
            "username": environ.get("EMAIL_HOST_USER", ""),
            "password": environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", False),
            "use_ssl": env_bool("EMAIL_USE_SSL", False),
        }
    if backend != SMTP_BACKEND:
        return {"BACKEND": backend}
    if smtp["use_tls"] and smtp["use_ssl"]:
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL (smtps://) exclude each other: choose one")
    return {"BACKEND": backend, "OPTIONS": smtp | {"timeout": env_int("EMAIL_TIMEOUT", 10, minimum=1)}}


MAILERS = {"default": email_mailer(os.environ)}
if not DEBUG and not (os.environ.get("EMAIL_URL") or os.environ.get("EMAIL_BACKEND")):
    # Email is the console's by default (issue 19): a production that has not set up mail still runs, its people
    # read their notifications in the app and the emails go to the worker's log; docs/operations.md says how to turn
    # email on. Django's deploy check would refuse that default; a console backend asked for by name is still refused.
    SILENCED_SYSTEM_CHECKS.append("mail.E001")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "salesoffice <noreply@localhost>")
# The address that starts the links in an email ("https://crm.example.com"); without it the email gives the path.
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")
# An approval still waiting this many hours after it was submitted reminds its approvers once (issue 19).
NOTIFY_REMINDER_AFTER = dt.timedelta(hours=env_int("NOTIFY_REMINDER_AFTER", 4, minimum=1))
# --- end of the email block -------------------------------------------------------------------------------------------

# The till API (vip/api.py) sets its own authentication and permission classes; these defaults keep DRF from
# assuming anything about the session-based pages.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "salesoffice store till API",
    "DESCRIPTION": "VIP membership at the till: look up, quote, record a purchase, redeem, return (RULES.md part 2).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}
