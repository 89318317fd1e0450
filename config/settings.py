"""Atrium settings: one module, every value from the environment with a default that works on a
fresh machine (SQLite, no broker, plain HTTP on 127.0.0.1/localhost). DEBUG is off unless asked
for. Production sets SECRET_KEY (a server refuses to start without a long random one:
config.production), DATABASE_URL, ALLOWED_HOSTS, HTTPS and the HSTS settings, and
CELERY_BROKER_URL; README.md ("Production") lists them."""

from pathlib import Path

import environ

from config.production import DEVELOPMENT_SECRET_KEY

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default=DEVELOPMENT_SECRET_KEY)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# HTTPS=on: the site is served over HTTPS only. Plain-HTTP requests are redirected to HTTPS and
# the session and CSRF cookies are sent over HTTPS only; each can also be set on its own.
# Strict-Transport-Security (browsers never try plain HTTP again for that long) is a separate,
# deliberate choice: SECURE_HSTS_SECONDS (0: not sent), *_INCLUDE_SUBDOMAINS, *_PRELOAD.
HTTPS = env.bool("HTTPS", default=False)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=HTTPS)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=HTTPS)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=HTTPS)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Behind a proxy that terminates TLS: TRUST_X_FORWARDED_PROTO=on makes a request carrying
# `X-Forwarded-Proto: https` count as secure. Only when that proxy sets (or strips) the header on
# every request; otherwise a client could claim HTTPS for itself.
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = env("SECURE_REFERRER_POLICY", default="same-origin")

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
    "import_export",
    "tenancy",
    "crm",
    "callbacks",
    "customfields",
    "milestones",
    "campaigns",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "tenancy.security_headers.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "tenancy.middleware.TenantMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "tenancy.errors.MethodNotAllowedPageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# Error answers: pages in the site's layout, JSON under /api/ (tenancy.errors; the handlers
# themselves are named in config.urls).
CSRF_FAILURE_VIEW = "tenancy.errors.csrf_failure"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "tenancy.context_processors.tenancy",
            ],
        },
    },
]
# Django's widget templates, with the choice widgets written in Python (tenancy/form_rendering.py).
FORM_RENDERER = "tenancy.form_rendering.FormRenderer"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Covering indexes (INCLUDE) are a PostgreSQL speed-up; SQLite builds them without the
    # included columns, which is all right for development and tests.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The shared cache (sign-in counters and locks): the database table atrium_cache (made by
# `migrate`), or Redis when CACHE_URL / REDIS_CACHE_URL is set. A redis:// URL always means
# Django's own RedisCache (env.cache() would pick django_redis where that is installed).
CACHE_URL = env("CACHE_URL", default="") or env("REDIS_CACHE_URL", default="")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
elif CACHE_URL:
    CACHES = {"default": env.cache_url_config(CACHE_URL)}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "atrium_cache",
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

# Password guessing (tenancy.login_throttle): wrong passwords allowed per account (username) and per
# client address within LOGIN_LOCK_MINUTES, after which that account or address is locked for
# as long. TRUSTED_PROXY_COUNT: how many proxies of ours add X-Forwarded-For (0: use
# REMOTE_ADDR only, never the header).
LOGIN_FAILURES_PER_ACCOUNT = env.int("LOGIN_FAILURES_PER_ACCOUNT", default=10)
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=50)
LOGIN_LOCK_MINUTES = env.int("LOGIN_LOCK_MINUTES", default=15)
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# "Forgot your password?": a link valid PASSWORD_RESET_TIMEOUT seconds (and spent once used),
# at most one mail per address per PASSWORD_RESET_MAIL_MINUTES. Links are built on SITE_URL.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 24 * 3600)
PASSWORD_RESET_MAIL_MINUTES = env.float("PASSWORD_RESET_MAIL_MINUTES", default=5)

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# The model whose rows carry custom values (customfields never imports it, as with
# AUTH_USER_MODEL), and its form, which the form builder previews as the model's pages show it.
CUSTOMFIELDS_HOST_MODEL = "crm.Customer"
CUSTOMFIELDS_HOST_FORM = "crm.forms.CustomerForm"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "tenancy:home"  # where signing in, switching tenant and joining land
LOGOUT_REDIRECT_URL = "login"

# Request limits: a body (form or JSON) over this many bytes is refused (413 in the API), and a
# request with more parameters than DATA_UPLOAD_MAX_NUMBER_FIELDS is a 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)  # 2.5 MB
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=1000)

REST_FRAMEWORK = {
    # JSON only (no route takes a file); bounded in size and depth, NUL bytes refused.
    "DEFAULT_PARSER_CLASSES": ["tenancy.api.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "tenancy.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "tenancy.api.schema.AtriumAutoSchema",
    "EXCEPTION_HANDLER": "tenancy.api.exceptions.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Atrium CRM API",
    "DESCRIPTION": (
        "Multi-tenant CRM. Send `X-Tenant-ID: <tenant slug>` when you belong to several tenants."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Operations are tagged and named by resource (leads_list, campaigns_launch_create, …), not
    # all under "v1".
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # One name per choice set that several components share (field names like `status` mean
    # different sets in different apps).
    "ENUM_NAME_OVERRIDES": {
        "MilestoneStatusEnum": "milestones.models.MilestoneStatus",
        "MilestoneStartStatusEnum": "milestones.api.serializers.START_STATUS_CHOICES",
        "MilestoneStepStatusEnum": "milestones.api.serializers.STEP_STATUS_CHOICES",
        "MilestoneCategoryEnum": "milestones.models.MilestoneCategory",
        "MilestoneOutcomeEnum": "milestones.models.Outcome",
        "SlaStateEnum": "milestones.api.serializers.SLA_STATE_CHOICES",
        "OpenSlaStateEnum": "milestones.api.serializers.OPEN_SLA_STATE_CHOICES",
        "LeadStatusEnum": "crm.models.LeadStatus",
        "LeadActivityKindEnum": "crm.models.ActivityKind",
        "CallbackStatusEnum": "callbacks.models.CallbackStatus",
        "CallbackStatusActionEnum": "callbacks.rules.STATUS_ACTIONS",
        "CallbackOutcomeEnum": "callbacks.models.CallbackOutcome",
        "CallbackReasonEnum": "callbacks.models.CallbackReason",
        "CallbackSourceEnum": "callbacks.models.CallbackSource",
        "PriorityCategoryEnum": "callbacks.models.PriorityCategory",
        "EventStatusEnum": "tenancy.models.EventStatus",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Celery: with no broker configured, tasks run eagerly in the calling process.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
# Send tasks queued per launched campaign: that many worker processes share its sending.
CAMPAIGN_SEND_TASKS = env.int("CAMPAIGN_SEND_TASKS", default=2)

# Absolute base of the tracking links (open pixel, clicks, unsubscribe) in campaign messages.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
CELERY_BEAT_SCHEDULE = {
    "campaigns-dispatch-due": {"task": "campaigns.dispatch_due", "schedule": 60.0},
    # Recency moves at each tenant's midnight, which falls at a different UTC hour per time
    # zone: hourly, writing only the scores that changed (a day's change once per tenant).
    # Each tenant's segments that read the clock or the score are rebuilt right after its
    # scores (crm.tasks.refresh_tenant_scores): one schedule keeps the order.
    "crm-refresh-scores": {"task": "crm.refresh_scores", "schedule": 3600.0},
    # The event outbox (tenancy.events): emits queue a drain after their commit; this is the
    # safety net for a lost wake-up and for retries coming due. Processed events are purged.
    "tenancy-process-events": {
        "task": "tenancy.process_events",
        "schedule": env.float("OUTBOX_BEAT_SECONDS", default=10.0),
    },
    "tenancy-purge-events": {"task": "tenancy.purge_events", "schedule": 3600.0},
    # Time-based events (crm.services.time_events): hourly, so each tenant's new local day is
    # seen within the hour after its midnight; a repeat on the same day adds nothing.
    "crm-emit-time-events": {"task": "crm.emit_time_events", "schedule": 3600.0},
}

# The event outbox (tenancy.events, docs/architecture.md "The event outbox"): events taken per
# claim; how long one drain task runs; the wait before a queued drain starts (emits within it
# share one task); how long a worker may sit idle inside its claim before PostgreSQL ends its
# session and another worker takes the events; tries before an event is marked failed, with
# the backoff between them (base x 2^(tries-1), capped); days processed events are kept.
OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=500)
OUTBOX_DRAIN_SECONDS = env.float("OUTBOX_DRAIN_SECONDS", default=50.0)
OUTBOX_KICK_SECONDS = env.int("OUTBOX_KICK_SECONDS", default=1)
OUTBOX_LEASE_SECONDS = env.int("OUTBOX_LEASE_SECONDS", default=300)
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
OUTBOX_RETRY_BASE_SECONDS = env.float("OUTBOX_RETRY_BASE_SECONDS", default=30.0)
OUTBOX_RETRY_MAX_SECONDS = env.float("OUTBOX_RETRY_MAX_SECONDS", default=3600.0)
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=7)
# Time-based events (crm.services.time_events): `inactive` fires after each of these numbers of
# days without activity; a day the task missed is caught up for this many days (fewer than
# OUTBOX_KEEP_DAYS: an event's key lives as long as the event).
INACTIVE_THRESHOLDS_DAYS = tuple(env.list("INACTIVE_THRESHOLDS_DAYS", cast=int, default=[30, 90]))
TIME_EVENTS_CATCHUP_DAYS = min(
    env.int("TIME_EVENTS_CATCHUP_DAYS", default=3), max(OUTBOX_KEEP_DAYS - 1, 0)
)

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Atrium <no-reply@localhost>")

# How long an invitation link to join a tenant stays valid.
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=7)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}
