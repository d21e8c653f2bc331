"""Settings read from the environment; production differs only by environment variables."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
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


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off")
    SECRET_KEY = "insecure-development-key-only-for-debug"

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
    "django.middleware.security.SecurityMiddleware",
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

AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = 8
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]

LANGUAGE_CODE = "zh-hans"
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

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# With Redis, a request reads its session from the cache (written through to the database). Not with the
# local-memory cache: each process has its own, so a session ended in one would live on in the others.
SESSION_ENGINE = "django.contrib.sessions.backends." + ("cached_db" if REDIS_URL else "db")

SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

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
