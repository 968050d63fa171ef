"""Django settings for the ITSM service desk, read from the environment.

With no ``DATABASE_URL`` the project runs on SQLite in ``var/``; with no ``REDIS_URL``
Celery uses kombu's file-system transport in ``var/``, so a fresh clone needs only Python.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("ITSM_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["localhost", "127.0.0.1", "[::1]"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
    TIME_ZONE=(str, "Asia/Shanghai"),
    LANGUAGE_CODE=(str, "zh-hans"),
)

# The insecure default exists so that `make run` and management commands work from a fresh
# clone; the serving processes (itsm/wsgi.py, the Celery worker and beat) refuse it whenever
# DEBUG is off, and so does `manage.py check --deploy` (itsm/security.py).
INSECURE_DEFAULT_SECRET_KEY = "django-insecure-itsm-development-only-change-me"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default=INSECURE_DEFAULT_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")

SECRET_KEY_IS_DEFAULT = SECRET_KEY == INSECURE_DEFAULT_SECRET_KEY

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "bootstrap",
    "axes",
    "itsm",
    "sla",
    "incidents",
    "servicedesk",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Text PostgreSQL cannot store (NUL, lone surrogates) answers 400 (itsm/textguard.py).
    "itsm.textguard.RefuseBadTextMiddleware",
    # Last: it turns a login that axes locked out into the lockout answer (itsm/logins.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "itsm.urls"

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
                "itsm.context_processors.navigation",
                # The admin's banner about calendars whose data runs out (docs/sla.md).
                "sla.context_processors.calendar_warnings",
            ],
        },
    },
]

WSGI_APPLICATION = "itsm.wsgi.application"

# --- Database ---------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'itsm.sqlite3'}"),
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
else:
    # SQLite waits for a write lock instead of failing at once when the web server and
    # the worker write together.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # Writers take the lock when their transaction begins: a deferred transaction that
    # upgrades from read to write fails at once ("database is locked") when another
    # process writes, whatever the timeout.
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# axes first: it refuses a locked-out login before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = env("LANGUAGE_CODE")
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE")
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names when DEBUG is off; gzip/brotli copies too unless STATIC_COMPRESS=0
        # (`make run`: compressing every file is slow and a local browser does not need it).
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_COMPRESS", default=True)
            else "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"
        )
    },
}

# --- Email ------------------------------------------------------------------------------
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
# EMAIL_URL=filemail:// writes each email as a file (`make run`: under var/mail/).
EMAIL_FILE_PATH = _email.get("EMAIL_FILE_PATH") or str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="itsm@localhost")

# --- Celery -----------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A broker that does not answer must fail fast (the outbox keeps what was not sent).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": 5,
        "socket_timeout": 10,
    }
else:
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("out", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Periodic tasks; each app's issue adds its entries here (name -> task, schedule, expires).
CELERY_BEAT_SCHEDULE: dict = {}

# --- Client addresses and sign-in lockout (docs/operations.md) --------------------------------
# How many reverse proxies in front of gunicorn append the client's address to
# X-Forwarded-For. 0 (the default): the client address is REMOTE_ADDR and X-Forwarded-For is
# ignored, because any client can write it. With N, the Nth entry from the right is used.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# django-axes (itsm/logins.py): failed sign-ins are counted per account and address, per
# account (from any address) and per address (for any account); reaching a limit locks the
# sign-in for LOGIN_LOCKOUT_MINUTES after the last failure. Administrators see and lift the
# locks in the admin ("Access attempts"); every failure stays in "Access failures".
AXES_ENABLED = env.bool("LOGIN_LOCKOUT_ENABLED", default=True)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username", "ip_address"]
LOGIN_FAILURE_LIMITS = [
    env.int("LOGIN_FAILURE_LIMIT", default=5),
    env.int("LOGIN_ACCOUNT_FAILURE_LIMIT", default=20),
    env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=50),
]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMITS[0]
AXES_HANDLER = "itsm.logins.LoginLockHandler"
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
# Attempts refused while locked are not counted: one address cannot push an account to its
# own limit (locking its owner out everywhere) beyond the account-and-address limit.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
# The audit of sign-ins (admin: Access logs, Access failures) is pruned daily beyond this
# many days; 0 keeps it for ever.
LOGIN_LOG_RETENTION_DAYS = env.int("LOGIN_LOG_RETENTION_DAYS", default=365)
CELERY_BEAT_SCHEDULE["itsm.purge_login_logs"] = {
    "task": "itsm.purge_login_logs",
    "schedule": 24 * 3600,
    "options": {"expires": 23 * 3600},
}
AXES_CLIENT_IP_CALLABLE = "itsm.logins.client_address"
AXES_LOCKOUT_CALLABLE = "itsm.logins.lockout_response"

# --- REST framework ---------------------------------------------------------------------
# The API (docs/api.md): tokens for systems, sessions for the browser; per-token rates.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "itsm.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "itsm.api.schema.ItsmAutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # JSON bounded in depth and refusing text PostgreSQL cannot store (itsm/api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "itsm.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["itsm.api.throttling.ApiRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        # Requests per token (per user for sessions); "" for no limit.
        "api": env.str("API_THROTTLE_RATE", default="1200/min"),
        # Password logins for a token, per client address.
        "auth": env.str("API_AUTH_THROTTLE_RATE", default="20/min"),
    },
    # The client address of the throttles: REMOTE_ADDR unless proxies are trusted (below).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "EXCEPTION_HANDLER": "itsm.api.exceptions.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ITSM service desk API",
    "DESCRIPTION": (
        "Incidents, their actions and records, monitoring alerts and reference data for "
        "external systems. Authenticate with `Authorization: Token <token>` "
        "(POST /api/v1/auth/token/). Every POST takes an `Idempotency-Key`; changes to an "
        "incident take `If-Match` with its ETag. Guide: docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs pages are public (docs/api.md, top): the same document
    # for everyone, whatever credentials a request carries, so integrators read it before
    # they have an account and a stale token does not hide it. It names no data.
    "SERVE_PUBLIC": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "LevelEnum": "incidents.choices.Level",
        "StatusEnum": "incidents.choices.Status",
        "NatureEnum": "incidents.choices.Nature",
        "SourceEnum": "incidents.choices.Source",
        "PriorityEnum": "incidents.choices.Priority",
        "ClockStateEnum": "sla.choices.State",
        "ClockTargetEnum": "sla.choices.Target",
        "AlertStatusEnum": "servicedesk.api.serializers.STATUS_CHOICES",
        "RoleEnum": "itsm.roles.Role",
    },
    "TAGS": [
        {"name": "auth", "description": "API tokens."},
        {"name": "incidents", "description": "List, log, read and edit incidents."},
        {"name": "incident actions", "description": "The lifecycle's transitions."},
        {"name": "incident records", "description": "Comments, work logs, files, history."},
        {"name": "monitoring", "description": "Alerts raise and clear incidents."},
        {"name": "reference", "description": "Sections, categories, people, SLA data."},
    ],
}

# --- Security in production ---------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# --- Product settings ---------------------------------------------------------------------
HEALTHZ_BROKER_TIMEOUT = env.float("HEALTHZ_BROKER_TIMEOUT", default=2.0)

# --- Incident rules (DESIGN §2.2) ------------------------------------------------------------
INCIDENT_BOUNCE_LIMIT = env.int("INCIDENT_BOUNCE_LIMIT", default=2)
INCIDENT_REOPEN_WINDOW_DAYS = env.int("INCIDENT_REOPEN_WINDOW_DAYS", default=10)
# How often the queues and the desk console refresh their lists in the browser (seconds;
# 0 turns it off). Tests set it to one second.
LIST_REFRESH_SECONDS = env.int("ITSM_LIST_REFRESH_SECONDS", default=30)
INCIDENT_AUTO_CLOSE_DAYS = env.int("INCIDENT_AUTO_CLOSE_DAYS", default=3)
INCIDENT_RESUME_REMINDER_MINUTES = env.int("INCIDENT_RESUME_REMINDER_MINUTES", default=30)
INCIDENT_MAJOR_UPDATE_MINUTES = env.int("INCIDENT_MAJOR_UPDATE_MINUTES", default=30)
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# Files no attachment row names (their upload rolled back) are deleted by a daily task once
# they are this old.
ATTACHMENT_ORPHAN_GRACE_HOURS = env.int("ATTACHMENT_ORPHAN_GRACE_HOURS", default=24)
ATTACHMENT_CONTENT_TYPES = env.list(
    "ATTACHMENT_CONTENT_TYPES",
    default=[
        "image/png",
        "image/jpeg",
        "image/gif",
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/zip",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/msword",
        "application/vnd.ms-excel",
    ],
)

# --- Notifications (docs/notifications.md) ---------------------------------------------------
# Email for every kind by default, except the kinds listed in NOTIFICATION_EMAIL_DEFAULT_EXCEPT
# (which get the opposite); a user's saved preferences override both.
NOTIFICATION_EMAIL_DEFAULT = env.bool("NOTIFICATION_EMAIL_DEFAULT", default=True)
NOTIFICATION_EMAIL_DEFAULT_EXCEPT = env.list("NOTIFICATION_EMAIL_DEFAULT_EXCEPT", default=[])
# Failed emails are retried after base * 2**(attempts - 1) seconds, at most max; after
# NOTIFICATION_MAX_ATTEMPTS failed attempts the email is given up as failed.
NOTIFICATION_RETRY_BASE_SECONDS = env.int("NOTIFICATION_RETRY_BASE_SECONDS", default=60)
NOTIFICATION_RETRY_MAX_SECONDS = env.int("NOTIFICATION_RETRY_MAX_SECONDS", default=3600)
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=8)
# How long a queued delivery task may take before the sweep assumes the broker lost it.
NOTIFICATION_GRACE_SECONDS = env.int("NOTIFICATION_GRACE_SECONDS", default=60)
NOTIFICATION_SWEEP_BATCH = env.int("NOTIFICATION_SWEEP_BATCH", default=500)
NOTIFICATION_SWEEP_INTERVAL_SECONDS = env.float("NOTIFICATION_SWEEP_INTERVAL_SECONDS", default=60)
# The SMTP timeout of a delivery (a delivery holds its row lock while it sends).
NOTIFICATION_EMAIL_TIMEOUT = env.float("NOTIFICATION_EMAIL_TIMEOUT", default=30)
# Emails (and webhooks) carry absolute links: the address users reach the site at.
# `make run` sets ITSM_BASE_URL from HOST and PORT; NOTIFICATION_BASE_URL is its former name.
ITSM_BASE_URL = env.str(
    "ITSM_BASE_URL", default=env.str("NOTIFICATION_BASE_URL", default="http://localhost:8000")
)
NOTIFICATION_BASE_URL = ITSM_BASE_URL
# The daily digest of the low-priority kinds (a user's choice): sent once a day per person,
# at or after this local hour, on these weekdays (0 Monday … 6 Sunday); the weekend's items
# wait for Monday's.
NOTIFICATION_DIGEST_HOUR = env.int("NOTIFICATION_DIGEST_HOUR", default=8)
NOTIFICATION_DIGEST_WEEKDAYS = [
    int(d) for d in env.list("NOTIFICATION_DIGEST_WEEKDAYS", default=["0", "1", "2", "3", "4"])
]
# Notifications older than this many days are deleted once their email is settled (sent,
# not emailed or failed) by a daily task; 0 keeps them for ever.
NOTIFICATION_RETENTION_DAYS = env.int("NOTIFICATION_RETENTION_DAYS", default=180)
CELERY_BEAT_SCHEDULE["itsm.purge_notifications"] = {
    "task": "itsm.purge_notifications",
    "schedule": 24 * 3600,
    "options": {"expires": 23 * 3600},
}
# Hourly: the digest goes out at the first run at or after NOTIFICATION_DIGEST_HOUR, and a
# later run the same day (a retry after a mail failure) sends only what is still owed.
CELERY_BEAT_SCHEDULE["itsm.send_notification_digests"] = {
    "task": "itsm.send_notification_digests",
    "schedule": crontab(minute=5),
    "options": {"expires": 3000},
}
CELERY_BEAT_SCHEDULE["itsm.sweep_notifications"] = {
    "task": "itsm.sweep_notifications",
    "schedule": NOTIFICATION_SWEEP_INTERVAL_SECONDS,
    # A tick that could not run in time is replaced by the next one, not stacked up.
    "options": {"expires": max(NOTIFICATION_SWEEP_INTERVAL_SECONDS - 10, 1)},
}

# Incident automation (incidents/tasks.py): each runs often, is idempotent, and expires
# rather than piling up when the worker is behind.
INCIDENT_AUTOMATION_SECONDS = env.int("INCIDENT_AUTOMATION_SECONDS", default=60)
for _name in ("auto_resume", "resume_reminders", "auto_close", "unaccepted_to_lead"):
    CELERY_BEAT_SCHEDULE[f"incidents.{_name}"] = {
        "task": f"incidents.{_name}",
        "schedule": INCIDENT_AUTOMATION_SECONDS,
        "options": {"expires": max(INCIDENT_AUTOMATION_SECONDS - 5, 1)},
    }

CELERY_BEAT_SCHEDULE["incidents.remove_orphan_attachments"] = {
    "task": "incidents.remove_orphan_attachments",
    "schedule": 24 * 3600,
    "options": {"expires": 23 * 3600},
}

# --- SLA clocks (docs/sla.md) ----------------------------------------------------------------
# The tick handles the clocks that came due; a run that cannot start in time is replaced by
# the next one, and one run stops after the time budget (the next run goes on).
SLA_TICK_SECONDS = env.float("SLA_TICK_SECONDS", default=30)
SLA_TICK_BATCH = env.int("SLA_TICK_BATCH", default=500)
SLA_TICK_TIME_BUDGET_SECONDS = env.float("SLA_TICK_TIME_BUDGET_SECONDS", default=25)
# The calendar auto-close and suspension limits count business days on.
SLA_STANDARD_CALENDAR = env.str("SLA_STANDARD_CALENDAR", default="standard")
CELERY_BEAT_SCHEDULE["sla.tick"] = {
    "task": "sla.tick",
    "schedule": SLA_TICK_SECONDS,
    "options": {"expires": max(SLA_TICK_SECONDS - 5, 1)},
}
# Once a day: warn the administrators about calendars whose holiday data runs out
# (sla.services.calendar_data_warnings_send; once per calendar and end date).
CELERY_BEAT_SCHEDULE["sla.calendar_data_warnings"] = {
    "task": "sla.calendar_data_warnings",
    "schedule": 24 * 3600,
    "options": {"expires": 23 * 3600},
}

# --- Reports (docs/kpis.md) -------------------------------------------------------------------
# Last month's service report goes to the directors on the month's first working day (the
# standard calendar), from this hour (local time) on; the task runs hourly and sends it once.
REPORTS_MONTHLY_HOUR = env.int("REPORTS_MONTHLY_HOUR", default=8)
CELERY_BEAT_SCHEDULE["reports.send_monthly_report"] = {
    "task": "reports.send_monthly_report",
    "schedule": 3600,
    "options": {"expires": 3000},
}

# --- REST API (docs/api.md) ------------------------------------------------------------------
# The throttle counters live in the "api" cache: Redis when REDIS_URL is set (shared by every
# web process), else this process's memory.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "api": (
        {
            "BACKEND": "itsm.cache.ItsmRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "itsm-api",
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "api"}
    ),
}
API_THROTTLE_CACHE = "api"
# A retried POST with the same Idempotency-Key gets the stored answer for this long.
API_IDEMPOTENCY_TTL_HOURS = env.int("API_IDEMPOTENCY_TTL_HOURS", default=24)
CELERY_BEAT_SCHEDULE["itsm.purge_idempotency_keys"] = {
    "task": "itsm.purge_idempotency_keys",
    "schedule": 3600,
    "options": {"expires": 3000},
}

# Outbound webhooks: a failed POST is retried after base * 2**(attempts - 1) seconds, at most
# max, and given up after WEBHOOK_MAX_ATTEMPTS attempts (or at once on 410 Gone).
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_RETRY_MAX_SECONDS = env.int("WEBHOOK_RETRY_MAX_SECONDS", default=3600)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=10)
WEBHOOK_GRACE_SECONDS = env.int("WEBHOOK_GRACE_SECONDS", default=60)
WEBHOOK_SWEEP_BATCH = env.int("WEBHOOK_SWEEP_BATCH", default=200)
WEBHOOK_SWEEP_INTERVAL_SECONDS = env.float("WEBHOOK_SWEEP_INTERVAL_SECONDS", default=30)
CELERY_BEAT_SCHEDULE["itsm.sweep_webhooks"] = {
    "task": "itsm.sweep_webhooks",
    "schedule": WEBHOOK_SWEEP_INTERVAL_SECONDS,
    "options": {"expires": max(WEBHOOK_SWEEP_INTERVAL_SECONDS - 5, 1)},
}

# Monitoring intake: impact and urgency by the alert's severity label when no alert rule
# sets them (servicedesk.AlertRule in the admin), and the resolution code of recovery.
ALERT_SEVERITY_LEVELS = {
    "critical": (1, 2),
    "major": (2, 2),
    "error": (2, 2),
    "warning": (2, 3),
    "minor": (3, 2),
    "info": (3, 3),
}
ALERT_DEFAULT_LEVELS = (3, 3)
ALERT_RESOLUTION_CODE = env.str("ALERT_RESOLUTION_CODE", default="auto_recovered")
