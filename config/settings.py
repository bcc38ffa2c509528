"""Settings for every environment, read from the environment (see .env.example).

Without DATABASE_URL / REDIS_URL the embedded default runs: SQLite and the in-memory channel layer.
"""

import warnings
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", default=False)
# The fallback key is only for DEBUG on a developer's machine; production must set DJANGO_SECRET_KEY.
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "insecure-dev-only-key" if DEBUG else None)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000,http://localhost:8000")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "config.apps.LoginLockoutConfig",  # django-axes, named in the admin
    "csp",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "treebeard",
    "viewflow",
    "viewflow.workflow",
    "cases",
    "workflow",
    "honours",
    "notifications",
    "reports",
    "api",
    "web",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves the collected static files from the ASGI server itself: nothing from a CDN.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Locks out a username + address after repeated failed logins (pages and the API's token view).
    "axes.middleware.AxesMiddleware",
]
# Benchmarks only: a Server-Timing header with each request's query count and database time (config/server_timing.py).
SERVER_TIMING = env_bool("SERVER_TIMING", default=False)
if SERVER_TIMING:
    MIDDLEWARE.insert(0, "config.server_timing.ServerTimingMiddleware")

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failed logins are counted in the database, not the cache: logins work while Redis is down.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = int(env_str("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env_str("AXES_COOLOFF_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(env_str("DJANGO_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DATABASE_PREPARED", True):
    # Server-side parameters, and a statement run five times on a connection is prepared: PostgreSQL plans the
    # hot queries (locks, task reads) once per connection instead of on every step. Turn off behind a
    # transaction-pooling PgBouncer older than 1.21, which cannot keep prepared statements.
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Threads and the ASGI server write from several connections: wait for the lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
# The socket is the fast path, the database row the truth: clients replay what a push missed.
# Capacity well above a burst. channels-redis keeps every channel of a worker process in one Redis key and drops a
# message sent to a key that holds this many already, silently: it is per worker, not per socket.
CHANNEL_CAPACITY = int(env_str("CHANNEL_CAPACITY", "5000"))
# Seconds a message may wait in Redis for its worker: channels-redis drops older ones silently when the next message
# to that worker is sent. Its 60 s default dropped board events (which no socket catches up on) when a saturated
# worker fell a minute behind (bench/soak.py); the capacity above already bounds a worker's key, so a worker that
# falls behind delivers late rather than never.
CHANNEL_EXPIRY = int(env_str("CHANNEL_EXPIRY", "300"))
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "notifications.layer.RedisChannelLayer",  # channels-redis's, sending a commit's pushes at once
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        # redis-py 8 times reads out after 5 s, as long as channels-redis's blocking wait:
                        # idle consumers would die with 1011. Wait longer than the blocking read.
                        "socket_timeout": 30,
                        "socket_connect_timeout": 3,
                        "health_check_interval": 15,
                        # redis-py 8's async pool caps at 100 connections by default.
                        "max_connections": int(env_str("REDIS_MAX_CONNECTIONS", "1000")),
                    }
                ],
                "capacity": CHANNEL_CAPACITY,
                "expiry": CHANNEL_EXPIRY,
                "group_expiry": 86400,
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": CHANNEL_CAPACITY},
        }
    }

AUTH_USER_MODEL = "cases.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# The working day's hours (Asia/Shanghai), for steps whose deadline counts working hours (cases/workdays.py):
# "start-end" periods in order, e.g. summer hours "08:30-12:00,14:00-18:00". `manage.py check` validates them.
WORKING_HOURS = [
    tuple(period.split("-", 1)) for period in env_list("WORKING_HOURS", "08:30-12:00,13:30-17:30")
]

# The longest a step may be paused (its holder waits for a party), in working days; it resumes by itself then.
PAUSE_MAX_WORKING_DAYS = int(env_str("PAUSE_MAX_WORKING_DAYS", "10"))
# How long a process keeps the deadline policies and the work calendar it read (``cases.reference``): an
# administrator's change reaches the other processes within this many seconds.
REFERENCE_DATA_SECONDS = float(env_str("REFERENCE_DATA_SECONDS", "60"))
# Seconds between an open notification socket's catch-ups from the database (``notifications/consumers.py``).
NOTIFICATION_CATCH_UP_SECONDS = float(env_str("NOTIFICATION_CATCH_UP_SECONDS", "60"))
# How far past a step's current due moment an extension (延期申请) may reach, in working days.
EXTENSION_MAX_WORKING_DAYS = int(env_str("EXTENSION_MAX_WORKING_DAYS", "30"))

# Supervision orders (督办单): the working days to reply when the issuer gives none (and for the automatic ones),
# and the most an issuer may give.
ORDER_REPLY_WORKING_DAYS = int(env_str("ORDER_REPLY_WORKING_DAYS", "3"))
ORDER_REPLY_MAX_WORKING_DAYS = int(env_str("ORDER_REPLY_MAX_WORKING_DAYS", "10"))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_vendor"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Evidence attachments (cases.attachments): kept by the storage named "evidence" under random names, served only
# through views that apply the case's access rule: its folder is under no URL (nothing serves MEDIA_ROOT). An
# object store can replace the disk by naming another backend here (e.g. django-storages' S3 with its options).
EVIDENCE_ROOT = Path(env_str("EVIDENCE_ROOT", "") or BASE_DIR / "var" / "evidence")
ATTACHMENT_MAX_BYTES = int(float(env_str("ATTACHMENT_MAX_MB", "10")) * 1024 * 1024)
# 重复件 at intake (cases/selectors/duplicates.py): how similar (pg_trgm's trigram similarity, 0-1) an earlier
# case's description must be to be shown as a possible duplicate.
DUPLICATE_SIMILARITY = float(env_str("DUPLICATE_SIMILARITY", "0.5"))
# The Word template of the mediation agreement (调解协议书, docxtpl tags: scripts/build_agreement_template.py).
AGREEMENT_DOCX_TEMPLATE = Path(
    env_str("AGREEMENT_DOCX_TEMPLATE", "")
    or BASE_DIR / "templates" / "documents" / "mediation_agreement.docx"
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": EVIDENCE_ROOT,
            "base_url": None,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    },
}
# In DEBUG, serve straight from the apps' and project's static folders (no collectstatic needed), so
# the collected folder need not exist there.
WHITENOISE_USE_FINDERS = DEBUG
if DEBUG:
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)

# Caches (API throttling): shared through Redis when there is one, so every worker counts the same. While it
# fails, the throttles count in each process (api/throttles.py); a Redis that hangs delays a request by about a
# second before that, not by redis-py's default five.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Security headers. The pages load nothing but their own files; the sockets go to the same host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        # Sockets to this site only: 'self' covers ws(s) to the page's own host and port in CSP 3 browsers;
        # the trusted origins are listed as ws(s) URLs for the others.
        "connect-src": [SELF, *(origin.replace("http", "ws", 1) for origin in CSRF_TRUSTED_ORIGINS)],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(env_str("DJANGO_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# The reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or networks), and this
# worker's name in the X-Served-By header (``config/proxy.py``). Headers from any other peer are ignored, so
# HTTPS behind a TLS proxy is seen through the trusted proxy's X-Forwarded-Proto, never a client's.
TRUSTED_PROXIES = env_list("DJANGO_TRUSTED_PROXIES", "")
WORKER_NAME = env_str("TONGXIN_WORKER_NAME", "")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "WARNING")},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONBodyParser"],
    "EXCEPTION_HANDLER": "api.errors.handle",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tongxin casework API",
    "DESCRIPTION": "同心接访 micro-disputes and 三师 enterprise help requests: intake, queues, claiming, history.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The interactive docs' assets come from the installed sidecar package: nothing from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # cases.converters: an id is an integer of at most 18 ASCII digits (a reference is documented as a string
    # with the converter's pattern, drf-spectacular's own way for a converter without an override).
    "PATH_CONVERTER_OVERRIDES": {"id": {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}},
    # One name per choice set where several fields share it (or one field name has several sets).
    "ENUM_NAME_OVERRIDES": {
        "CaseStateEnum": "cases.models.CaseState",
        "ChannelEnum": "cases.models.Channel",
        "DisputeChannelEnum": "cases.forms.DISPUTE_CHANNELS",
        "HelpRequestChannelEnum": "cases.forms.HELP_CHANNELS",
        "FollowUpAnswerEnum": "cases.models.FollowUpAnswer",
        "ScoreEnum": "cases.forms.SCORES",
        "KindEnum": "cases.models.CaseKind",  # the name it had before returns (退回) had a kind too
        "ReturnKindEnum": "cases.models.ReturnKind",
        "ReturnDecisionEnum": "cases.models.ReturnDecision",
        "ExtensionDecisionEnum": "cases.forms.EXTENSION_DECISIONS",
        "HonourKindEnum": "honours.models.HonourKind",
        "TaskEnum": "honours.models.AnnualTask",  # the 六个一 tasks, as before activities had a task too
        "ActivityTaskEnum": "honours.models.ActivityTask",  # the three an activity is logged for
        "PerformanceEnum": "cases.models.Performance",  # 履行情况 of an agreed term
        "StatusEnum": "viewflow.workflow.status.STATUS",  # a task's; the agreed terms have a status too
    },
}
# Public intake (hotline, mini program, kiosk) per caller; past it: 429.
API_INTAKE_RATE = env_str("API_INTAKE_RATE", "120/min")

# The parties (cases/services/tracking.py, satisfaction.py, sms.py). Lookups on /track/ and POST /api/v1/track/
# per client address, together; past it: 429.
TRACK_RATE = env_str("TRACK_RATE", "20/min")
# How long a satisfaction link works, in days.
SATISFACTION_LINK_DAYS = int(env_str("SATISFACTION_LINK_DAYS", "7"))
# Where the links in messages to the parties point (this site, as the parties reach it).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")
# The SMS sender (cases/sms_backends.py): ConsoleBackend prints, DatabaseBackend keeps the outbox only, a
# ProviderBackend subclass sends for real. Messages are retried up to SMS_MAX_ATTEMPTS times.
SMS_BACKEND = env_str("SMS_BACKEND", "cases.sms_backends.ConsoleBackend")
SMS_MAX_ATTEMPTS = int(env_str("SMS_MAX_ATTEMPTS", "5"))
SMS_TIMEOUT = float(env_str("SMS_TIMEOUT", "5"))
SMS_SIGNATURE = env_str("SMS_SIGNATURE", "【同心助力】")

VIEWFLOW_LABEL = _("Tongxin casework")
