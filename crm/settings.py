"""Settings for the field-sales CRM, read from environment variables only.

Defaults give the embedded mode (SQLite and a filesystem Celery broker under ``var/``);
``DATABASE_URL`` and ``CELERY_BROKER_URL`` switch to PostgreSQL and Redis. DEBUG is off unless
``DJANGO_DEBUG=true`` (``make run`` and the tests set it); without it ``DJANGO_SECRET_KEY`` is required,
and ``DJANGO_ALLOWED_HOSTS`` names the production host.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from crm.caching import REDIS_SOCKET_TIMEOUT_SECONDS, cache_config
from crm.map_tiles import TileSettingsError, tile_source
from crm.secret_key import INSECURE_PREFIX, is_weak
from crm.secret_key import MESSAGE as SECRET_KEY_MESSAGE

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Off unless the environment says otherwise: `make run` and the tests turn it on for themselves.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# The insecure default exists only so that `make run` works out of the box. Without DEBUG a weak key is
# refused here; a missing one stays empty, so that commands which sign nothing still run in a bare checkout,
# while everything that serves or runs jobs refuses to start (crm/secret_key.py).
CRM_SECRET_KEY_REQUIRED = not DEBUG  # read by crm.secret_key.require_secret_key as a process starts
if DEBUG:
    SECRET_KEY = env("DJANGO_SECRET_KEY", default=f"{INSECURE_PREFIX}-embedded-mode-only-never-in-production")
else:
    SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
    if SECRET_KEY and is_weak(SECRET_KEY):
        raise environ.ImproperlyConfigured(SECRET_KEY_MESSAGE)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "crm.apps.CrmConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # third party
    "rest_framework",
    "knox",  # API tokens: stored hashed, with an expiry
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from our static files (the CSP allows no CDN)
    "django_htmx",
    "crispy_forms",
    "crispy_bootstrap5",
    "template_partials",
    "django_celery_beat",
    "phonenumber_field",
    "simple_history",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # ours, in the order data flows: territories <- accounts <- visits; the rest read them
    "territories.apps.TerritoriesConfig",
    "accounts.apps.AccountsConfig",
    "visits.apps.VisitsConfig",
    "campaigns.apps.CampaignsConfig",
    "performance.apps.PerformanceConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",  # request.user.is_verified(): signed in with a second factor
    "crm.middleware.PageLoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # after sessions, locale, authentication and messages: signs idle and day-old sessions out
    "crm.middleware.SessionTimeoutMiddleware",
    # after the session limits: asks for the second factor (or its enrolment) where it is due
    "crm.middleware.SecondFactorMiddleware",
    # a domain error (crm.errors) escaping a page view becomes its message with a 400, never a 500
    "crm.middleware.ApplicationErrorMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # a sign-in refused before its password was checked (crm.signin) answers 429 with Retry-After
    "crm.middleware.SignInRefusedMiddleware",
    # after a write, the writer's dashboards read the primary for a while (crm.replica)
    "crm.replica.ReplicaStickinessMiddleware",
    # axes last, as its docs require
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

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
                "csp.context_processors.nonce",
                "crm.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'crm.sqlite3'}"),
}
# Behind PgBouncer in transaction mode (DATABASE_TRANSACTION_POOLING=true) a server connection serves
# another client between two transactions, so nothing may outlive a transaction: no server-side cursors
# (Django's .iterator() uses them), no session advisory locks (crm.locks switches to a cache lease), no
# startup options (PgBouncer refuses "options": set jit=off on the database instead, see the README).
# Prepared statements: psycopg2 never makes any. SET TIME ZONE, which Django may send, is one of the
# parameters PgBouncer tracks and replays for each client.
DATABASE_TRANSACTION_POOLING = env.bool("DATABASE_TRANSACTION_POOLING", default=False)
# An optional read replica (streaming replication of the primary) for dashboards, exports and reports
# (crm.replica): never for writes, nor for the pages of someone who has just written.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}  # the tests read the primary through the alias
DATABASE_ROUTERS = ["crm.replica.ReplicaRouter"]
CRM_REPLICA_STICKY_SECONDS = env.int("CRM_REPLICA_STICKY_SECONDS", default=30)
for _database in DATABASES.values():
    if _database["ENGINE"] != "django.db.backends.postgresql":
        continue
    # A persistent connection to PgBouncer is cheap and still saves the TCP and TLS set-up.
    _database.update(CONN_MAX_AGE=env.int("DATABASE_CONN_MAX_AGE", default=60), CONN_HEALTH_CHECKS=True)
    if DATABASE_TRANSACTION_POOLING:
        _database["DISABLE_SERVER_SIDE_CURSORS"] = True
        continue
    # No JIT: it compiles any query whose estimated cost passes jit_above_cost, and for a page's
    # short queries the compiling takes longer than the query (bench: the salesperson's customer
    # list spent 390 of its 470 ms compiling a 50-ms COUNT).
    options = _database.setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    # SQLite: WAL and a busy timeout so the web server and the embedded worker can share the file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20, init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", transaction_mode="IMMEDIATE"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "crm.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # a username locked from this address goes no further
    "crm.signin.SignInSlowdownBackend",  # nor does an attempt too soon on a username under attack
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "crm.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = env.list(
    "DJANGO_PASSWORD_HASHERS",
    default=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    ],
)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout after repeated failures (django-axes), per username *and* address: a username alone would let
# anyone lock anyone out (the token endpoint needs no CSRF token). A username attacked from many addresses
# is slowed down instead (crm.signin). Both answer 429 with Retry-After.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Attempts while locked are refused unchecked and not counted, so the lock lifts 15 minutes after the
# failure that set it (the Retry-After we announce), however often a client knocks meanwhile.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "crm.signin.lockout_response"
AXES_CLIENT_IP_CALLABLE = "crm.signin.client_address"
# Behind this many reverse proxies (each appending to X-Forwarded-For) the client's address is the one the
# outermost proxy saw; 0 = REMOTE_ADDR. Behind a proxy it must be set, or every client shares its address.
CRM_TRUSTED_PROXY_COUNT = env.int("CRM_TRUSTED_PROXY_COUNT", default=0)
# A username with this many failures from all addresses within the cool-off is slowed down: 1 s, 2 s, 4 s …
# up to the maximum between attempts, except from addresses its owner signed in from in the last N days.
CRM_SIGNIN_SLOWDOWN_AFTER = env.int("CRM_SIGNIN_SLOWDOWN_AFTER", default=10)
CRM_SIGNIN_SLOWDOWN_MAX_SECONDS = env.int("CRM_SIGNIN_SLOWDOWN_MAX_SECONDS", default=60)
CRM_SIGNIN_KNOWN_ADDRESS_DAYS = env.int("CRM_SIGNIN_KNOWN_ADDRESS_DAYS", default=90)

# Sign-in with WeCom (企业微信) or DingTalk (钉钉) (crm.sso): each is off until its credentials are set, and then
# only for users the admin has linked (Settings → Sign-in with WeCom / DingTalk). The base URLs are settings for
# the tests' local fakes of the providers.
CRM_SSO = {
    "WECOM_CORP_ID": env("CRM_WECOM_CORP_ID", default=""),
    "WECOM_AGENT_ID": env("CRM_WECOM_AGENT_ID", default=""),
    "WECOM_SECRET": env("CRM_WECOM_SECRET", default=""),
    "WECOM_LOGIN_URL": env("CRM_WECOM_LOGIN_URL", default="https://login.work.weixin.qq.com"),
    "WECOM_API_URL": env("CRM_WECOM_API_URL", default="https://qyapi.weixin.qq.com"),
    "DINGTALK_CLIENT_ID": env("CRM_DINGTALK_CLIENT_ID", default=""),
    "DINGTALK_CLIENT_SECRET": env("CRM_DINGTALK_CLIENT_SECRET", default=""),
    "DINGTALK_LOGIN_URL": env("CRM_DINGTALK_LOGIN_URL", default="https://login.dingtalk.com"),
    "DINGTALK_API_URL": env("CRM_DINGTALK_API_URL", default="https://api.dingtalk.com"),
    "TIMEOUT_SECONDS": env.float("CRM_SSO_TIMEOUT_SECONDS", default=5.0),
}

# Sessions end after 30 minutes without a request and 12 hours after signing in, whatever the
# activity (ASVS 7.3.1/7.3.2; crm.middleware.SessionTimeoutMiddleware). The cookie lives no longer.
CRM_SESSION_IDLE_TIMEOUT = timedelta(minutes=env.int("CRM_SESSION_IDLE_MINUTES", default=30))
CRM_SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=env.int("CRM_SESSION_ABSOLUTE_HOURS", default=12))
SESSION_COOKIE_AGE = int(CRM_SESSION_ABSOLUTE_TIMEOUT.total_seconds())
# Sessions live in the database, shared by every web process on every host; "cached_db" also keeps them in
# the cache (Redis: CACHE_URL) to save a query a request. Never "cache" with a per-process cache.
SESSION_ENGINE = env("DJANGO_SESSION_ENGINE", default="django.contrib.sessions.backends.db")
SESSION_COOKIE_HTTPONLY = True
# Two-step verification (TOTP, django-otp): anyone may turn it on for themselves; the roles listed here
# (salesperson, manager, info_staff, admin) must, and are sent to the enrolment page until they do.
CRM_MFA_REQUIRED_ROLES = env.list("CRM_MFA_REQUIRED_ROLES", default=[])
OTP_TOTP_ISSUER = env("CRM_PRODUCT_NAME", default="Field Sales CRM")
# The admin may remove a user's device (a lost phone), never read its secret or QR code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["crm.formats"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True
PHONENUMBER_DEFAULT_REGION = env("PHONENUMBER_DEFAULT_REGION", default="CN")
PHONENUMBER_DB_FORMAT = "E164"

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Uploaded files are never public: views check who may see them (crm.media). Behind a reverse proxy
# that serves MEDIA_ROOT from an internal location (docker-compose.yml's nginx: "/protected-media/"),
# name that location here and Django answers with X-Accel-Redirect instead of streaming the file.
CRM_MEDIA_ACCEL_REDIRECT = env("CRM_MEDIA_ACCEL_REDIRECT", default="")
# A font with Chinese glyphs for the stamp burned into visit photos (visits.photos); empty: the
# known system paths (the image installs fonts-wqy-microhei), else Pillow's Latin-only default.
CRM_STAMP_FONT = env("CRM_STAMP_FONT", default="")
# Uploaded files on S3-compatible object storage (MinIO, AWS S3, Aliyun OSS …) when a bucket is named, so
# that web processes and workers on several hosts see the same files; the local MEDIA_ROOT otherwise.
# The bucket stays private: files are still served only through the views that check who may see them.
CRM_MEDIA_S3_BUCKET = env("CRM_MEDIA_S3_BUCKET", default="")
_media_storage: dict = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
if CRM_MEDIA_S3_BUCKET:
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": CRM_MEDIA_S3_BUCKET,
            "location": env("CRM_MEDIA_S3_PREFIX", default=""),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env("AWS_S3_REGION_NAME", default="") or None,
            "access_key": env("AWS_ACCESS_KEY_ID", default="") or None,
            "secret_key": env("AWS_SECRET_ACCESS_KEY", default="") or None,
            # MinIO and most S3-compatible servers want the bucket in the path, not in the host name.
            "addressing_style": env("AWS_S3_ADDRESSING_STYLE", default="path"),
            "signature_version": "s3v4",
            "default_acl": None,
            "file_overwrite": False,  # a stored name is never reused (crm.media uses it as the ETag)
            "querystring_auth": True,
        },
    }
    # The proxy's internal location serves a local folder: with the files in a bucket, Django streams them.
    CRM_MEDIA_ACCEL_REDIRECT = ""
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Security headers. The CSP forbids inline scripts; templates use files under static/.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "connect-src": [SELF],
        "font-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # probes talk plain HTTP inside the network
    # Set by the reverse proxy (deploy/nginx); gunicorn drops the header from anyone but the proxy
    # (deploy/gunicorn.conf.py, FORWARDED_ALLOW_IPS), so a client cannot claim HTTPS by sending it.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Cache: Redis in production, local memory in the embedded mode.
# Redis frozen or down is a cache miss, logged, after at most CACHE_SOCKET_TIMEOUT seconds (crm/caching.py).
CACHES = {
    "default": cache_config(
        env.str("CACHE_URL", default="locmemcache://"),
        socket_timeout=env.float("CACHE_SOCKET_TIMEOUT", default=REDIS_SOCKET_TIMEOUT_SECONDS),
    )
}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "knox.auth.TokenAuthentication",  # "Authorization: Token …", as before; tokens from /api/auth/token/
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # The browsable API only while developing; production answers JSON (the docs are at /api/docs/).
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_PARSER_CLASSES": [
        "crm.parsers.JSONParser",  # a body nested too deep is a 400
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "crm.api_filters.FilterBackend",  # an id that matches nothing filters to an empty list
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "crm.api.exception_handler",
}
# API tokens (django-rest-knox): each POST /api/auth/token/ issues a new one, stored as a SHA-512 digest,
# valid for CRM_API_TOKEN_DAYS (not extended by use). Listed and revoked on the profile page and in the
# admin; a password change, a deactivation and "sign out everywhere" revoke them all.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=env.int("CRM_API_TOKEN_DAYS", default=30)),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Field Sales CRM API",
    "VERSION": "0.1.0",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAdminUser"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "crm.openapi.document_error_responses",  # 400/401/403/404/409… with their body, on every operation
    ],
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Several models have a "kind" or "status"; name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "TerritoryKindEnum": "territories.models.Territory.Kind",
        "CustomerStatusEnum": "accounts.customers.models.Customer.Status",
        "OwnerChangeKindEnum": "accounts.customers.models.OwnerChange.Kind",
        "VisitKindEnum": "visits.models.Visit.Kind",
        "ShortfallReviewEnum": "visits.models.QuotaShortfall.Review",
        "CustomerSourceEnum": "accounts.customers.models.Customer.Source",
        "DealStatusEnum": "accounts.deals.models.Deal.Status",
        "DealSourceEnum": "accounts.deals.models.Deal.Source",
        "LedgerEntryKindEnum": "accounts.deals.models.LedgerEntry.Kind",
        # GeoJSON's "type" members (visits.map.serializers)
        "GeoJsonPointTypeEnum": ["Point"],
        "GeoJsonFeatureTypeEnum": ["Feature"],
        "GeoJsonFeatureCollectionTypeEnum": ["FeatureCollection"],
        "PlanStopStatusEnum": "visits.plans.api.STATUS_CHOICES",
        "RouteStopReasonEnum": "visits.models.RouteStop.Reason",
        "CallOutcomeEnum": "campaigns.models.CallEntry.Outcome",
        "NotificationChannelEnum": "crm.models.Delivery.Channel",
        "CandidateStageEnum": "campaigns.pipelines.models.CandidateStage",
        "TenderStageEnum": "campaigns.pipelines.models.TenderStage",
    },
}

# Celery: JSON only, bounded time, fail fast when the broker is gone.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True  # every scheduled job is idempotent; a lost worker means a rerun
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 3, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    for _folder in ("queue", "processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
else:
    # Without socket timeouts a frozen Redis hangs delay() forever; with them it fails in ~2 s.
    # A task taken by a worker that then died is given to another after the visibility timeout:
    # longer than the longest task (30 min) and any retry countdown, or it would run twice.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=7200),
        "socket_timeout": 2,
        "socket_connect_timeout": 2,
        "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
        "unacked_restore_throttle": 1,
    }

# Domain settings: numbers the business tunes, never constants in code.
CRM = {
    "PRODUCT_NAME": env("CRM_PRODUCT_NAME", default="Field Sales CRM"),
    "PUBLIC_POOL_DAYS": env.int("CRM_PUBLIC_POOL_DAYS", default=30),
    "MAX_PROSPECTS_PER_SALESPERSON": env.int("CRM_MAX_PROSPECTS_PER_SALESPERSON", default=500),
    "ASSESSMENT_CONSECUTIVE_WEEKS": env.int("CRM_ASSESSMENT_CONSECUTIVE_WEEKS", default=3),
    "RENEWAL_REMINDER_DAYS": env.int("CRM_RENEWAL_REMINDER_DAYS", default=30),
    # Monday shortlist 重点客户: customers whose latest rating is one of these, made in the last N days.
    "KEY_ACCOUNT_LOOKBACK_DAYS": env.int("CRM_KEY_ACCOUNT_LOOKBACK_DAYS", default=14),
    # Attainment counts deals when issued (net of returns) or when paid (net of refunds).
    "ATTAINMENT_BASIS": env.str("CRM_ATTAINMENT_BASIS", default="issued"),
    "KEY_ACCOUNT_INTENTS": env.list("CRM_KEY_ACCOUNT_INTENTS", default=["A", "B"]),
    # Last week's entries that are neither won nor lost stay on the list.
    "KEY_ACCOUNT_CARRY_OVER": env.bool("CRM_KEY_ACCOUNT_CARRY_OVER", default=True),
    # Visit quota: the default when a salesperson has no team; new starters are not counted at first.
    "DEFAULT_DAILY_VISIT_QUOTA": env.int("CRM_DEFAULT_DAILY_VISIT_QUOTA", default=8),
    "NEW_STARTER_GRACE_DAYS": env.int("CRM_NEW_STARTER_GRACE_DAYS", default=5),
    # A check-in farther than this from the customer's known location is flagged for the manager.
    "CHECK_IN_RADIUS_M": env.int("CRM_CHECK_IN_RADIUS_M", default=500),
    # When on, the daily visit quota counts only verified check-ins (position within the radius).
    "QUOTA_COUNTS_VERIFIED_ONLY": env.bool("CRM_QUOTA_COUNTS_VERIFIED_ONLY", default=False),
    # The daily check also re-checks the days this far back that still have open shortfalls, so
    # visits synced late and leave entered afterwards withdraw them without a manual re-run.
    "QUOTA_RECHECK_DAYS": env.int("CRM_QUOTA_RECHECK_DAYS", default=14),
    # Today's route proposes customers not visited for this many days.
    "ROUTE_IDLE_DAYS": env.int("CRM_ROUTE_IDLE_DAYS", default=14),
    "ROUTE_MAX_STOPS": env.int("CRM_ROUTE_MAX_STOPS", default=12),
    # The offline copy of a salesperson's customers holds at most this many (the most recently worked).
    "OFFLINE_CUSTOMER_LIMIT": env.int("CRM_OFFLINE_CUSTOMER_LIMIT", default=2000),
    # Intent labels (A-D) are configurable; the codes are not.
    "INTENT_LABELS": {
        "A": env("CRM_INTENT_LABEL_A", default=""),
        "B": env("CRM_INTENT_LABEL_B", default=""),
        "C": env("CRM_INTENT_LABEL_C", default=""),
        "D": env("CRM_INTENT_LABEL_D", default=""),
    },
    "PAYMENT_TERM_DAYS": env.int("CRM_PAYMENT_TERM_DAYS", default=30),
    "INSTALMENT_REMINDER_DAYS": env.int("CRM_INSTALMENT_REMINDER_DAYS", default=3),
    "DEMO_PASSWORD": "crm-demo-2026",
    # Publicity: phone inquiries, imports, mailings.
    "INQUIRY_VISIT_DAYS": env.int("CRM_INQUIRY_VISIT_DAYS", default=3),
    "IMPORT_MAX_ROWS": env.int("CRM_IMPORT_MAX_ROWS", default=200_000),
    "IMPORT_MAX_UPLOAD_BYTES": env.int("CRM_IMPORT_MAX_UPLOAD_BYTES", default=50 * 1024 * 1024),
    "IMPORT_MAX_UNPACKED_BYTES": env.int("CRM_IMPORT_MAX_UNPACKED_BYTES", default=500 * 1024 * 1024),
    # Files up to this size are checked and imported within the request; larger ones by a worker.
    "IMPORT_SYNC_MAX_BYTES": env.int("CRM_IMPORT_SYNC_MAX_BYTES", default=512 * 1024),
    # Exports of more rows than this are written by a worker (the person gets a link under "My exports");
    # smaller ones are answered at once. A finished export's file is deleted after EXPORT_KEEP_HOURS.
    "EXPORT_SYNC_MAX_ROWS": env.int("CRM_EXPORT_SYNC_MAX_ROWS", default=3_000),
    "EXPORT_KEEP_HOURS": env.int("CRM_EXPORT_KEEP_HOURS", default=24),
    # A check or import whose worker has shown no sign of life (heartbeat) for this long has stopped:
    # the recovery job (every minute) says so on its page. Longer than a busy queue's usual wait.
    "IMPORT_STALE_MINUTES": env.int("CRM_IMPORT_STALE_MINUTES", default=5),
    # Telemarketing 电话营销: a call list holds at most this many numbers; a segment up to CALL_LIST_SYNC_MAX
    # numbers is added in the request, a larger one by a worker. A number left on a caller's screen without
    # an outcome for CALL_CLAIM_MINUTES is given back; a callback is at most CALLBACK_MAX_DAYS ahead.
    "CALL_LIST_MAX_NUMBERS": env.int("CRM_CALL_LIST_MAX_NUMBERS", default=100_000),
    "CALL_LIST_SYNC_MAX": env.int("CRM_CALL_LIST_SYNC_MAX", default=2_000),
    "CALL_CLAIM_MINUTES": env.int("CRM_CALL_CLAIM_MINUTES", default=30),
    "CALLBACK_MAX_DAYS": env.int("CRM_CALLBACK_MAX_DAYS", default=90),
    # The channel whose people call the lists, chosen first on a new call list (its code).
    "TELEMARKETING_CHANNEL_CODE": env("CRM_TELEMARKETING_CHANNEL_CODE", default="car-owner-telemarketing"),
    "SMS_BACKEND": env("CRM_SMS_BACKEND", default="campaigns.sms.ConsoleSmsBackend"),
    "SMS_FILE_PATH": env("CRM_SMS_FILE_PATH", default=str(VAR_DIR / "sms")),
    "SMS_GATEWAY_URL": env("CRM_SMS_GATEWAY_URL", default=""),
    "SMS_GATEWAY_KEY": env("CRM_SMS_GATEWAY_KEY", default=""),
    "SMS_SIGNATURE": env("CRM_SMS_SIGNATURE", default=""),
    "SMS_RATE_PER_MINUTE": env.int("CRM_SMS_RATE_PER_MINUTE", default=60),
    "SMS_WEBHOOK_SECRET": env("CRM_SMS_WEBHOOK_SECRET", default=""),
    "MAIL_FROM": env("CRM_MAIL_FROM", default="noreply@example.com"),
    # The site's address as recipients reach it, for links in e-mails (unsubscribe).
    "SITE_URL": env("CRM_SITE_URL", default="http://127.0.0.1:8000"),
    # Bounds of what people type (crm/bounds.py): dates from DATE_MIN to this many years after today,
    # money per deal (amounts, prices, payments), notes and other free text.
    "DATE_MIN": env("CRM_DATE_MIN", default="2000-01-01"),
    "DATE_MAX_YEARS_AHEAD": env.int("CRM_DATE_MAX_YEARS_AHEAD", default=5),
    "MAX_DEAL_AMOUNT": env("CRM_MAX_DEAL_AMOUNT", default="100000000"),
    "MAX_NOTE_LENGTH": env.int("CRM_MAX_NOTE_LENGTH", default=2000),
    # The maps' tiles (crm/map_tiles.py): osm, amap (高德, GCJ-02), tianditu (天地图, needs a key) or none (a
    # plain background: the tests, and offline). CRM_MAP_TILE_URL replaces OpenStreetMap's own server for osm.
    "MAP_TILES": env.str("CRM_MAP_TILES", default="osm"),
    "MAP_TILE_URL": env.str("CRM_MAP_TILE_URL", default=""),
    "MAP_TIANDITU_KEY": env.str("CRM_MAP_TIANDITU_KEY", default=""),
    # Where a map with nothing on it opens (WGS-84 latitude,longitude and zoom): the demo's Foshan.
    "MAP_CENTER": env.list("CRM_MAP_CENTER", cast=float, default=[23.0215, 113.1214]),
    "MAP_ZOOM": env.int("CRM_MAP_ZOOM", default=11),
    # The customer map and its API send at most this many markers a request (?limit= may ask for fewer, or
    # up to MAP_FEATURE_LIMIT_MAX); beyond it the map asks for the part on screen (?bbox=).
    "MAP_FEATURE_LIMIT": env.int("CRM_MAP_FEATURE_LIMIT", default=2000),
    "MAP_FEATURE_LIMIT_MAX": env.int("CRM_MAP_FEATURE_LIMIT_MAX", default=5000),
    # Customers' positions from their address (accounts.customers.geocoding): "none", "amap" (高德 web
    # service, needs CRM_GEOCODER_KEY; answers in GCJ-02, stored as WGS-84) or "nominatim" (OpenStreetMap;
    # at most one request a second, with a User-Agent that names the site). CRM_GEOCODER_URL replaces the
    # provider's address (a self-hosted Nominatim, a test server); CRM_GEOCODER_CITY narrows the search
    # (e.g. 佛山); CRM_GEOCODER_BOUNDS "south,west,north,east": an answer outside is "not found".
    "GEOCODER": env("CRM_GEOCODER", default="none"),
    "GEOCODER_KEY": env("CRM_GEOCODER_KEY", default=""),
    "GEOCODER_URL": env("CRM_GEOCODER_URL", default=""),
    "GEOCODER_USER_AGENT": env("CRM_GEOCODER_USER_AGENT", default=""),
    "GEOCODER_CITY": env("CRM_GEOCODER_CITY", default=""),
    "GEOCODER_BOUNDS": env("CRM_GEOCODER_BOUNDS", default=""),
    "GEOCODER_RATE_PER_SECOND": env.float("CRM_GEOCODER_RATE_PER_SECOND", default=1.0),
    "GEOCODER_TIMEOUT_SECONDS": env.float("CRM_GEOCODER_TIMEOUT_SECONDS", default=5.0),
    # A lookup that failed this many times (timeouts, server errors, bad answers) is given up ("failed");
    # `manage.py geocode_customers` asks again.
    "GEOCODER_MAX_ATTEMPTS": env.int("CRM_GEOCODER_MAX_ATTEMPTS", default=3),
    # One run of the lookup queue stops after this long and sends itself again for the rest.
    "GEOCODER_RUN_SECONDS": env.int("CRM_GEOCODER_RUN_SECONDS", default=50),
    # Notifications beyond the in-app inbox (crm.notifications): the channels this installation sends by, a
    # comma-separated subset of email, wecom_robot, dingtalk_robot, wecom_app. By default e-mail only (Django's
    # EMAIL_BACKEND: the console unless set; tests keep mail in memory): no chat provider is called unless named.
    # The group robots' webhooks are each team's (its settings page); application messages need WeCom's corp
    # ID, the application's secret and agent ID. CRM_WECOM_API_URL replaces https://qyapi.weixin.qq.com (tests).
    "NOTIFY_CHANNELS": env.list("CRM_NOTIFY_CHANNELS", default=["email"]),
    "NOTIFY_HTTP_TIMEOUT_SECONDS": env.float("CRM_NOTIFY_HTTP_TIMEOUT_SECONDS", default=5.0),
    # A failed send is tried again after RETRY_BASE, 2x, 4x … seconds, MAX_ATTEMPTS in all, then marked failed.
    "NOTIFY_MAX_ATTEMPTS": env.int("CRM_NOTIFY_MAX_ATTEMPTS", default=5),
    "NOTIFY_RETRY_BASE_SECONDS": env.int("CRM_NOTIFY_RETRY_BASE_SECONDS", default=30),
    # A send claimed this long ago and not finished belongs to a worker that died (far above the HTTP timeout).
    "NOTIFY_SENDING_TIMEOUT_SECONDS": env.int("CRM_NOTIFY_SENDING_TIMEOUT_SECONDS", default=120),
    "WECOM_CORP_ID": env("CRM_WECOM_CORP_ID", default=""),
    "WECOM_CORP_SECRET": env("CRM_WECOM_CORP_SECRET", default=""),
    "WECOM_AGENT_ID": env("CRM_WECOM_AGENT_ID", default=""),
    "WECOM_API_URL": env("CRM_WECOM_API_URL", default="https://qyapi.weixin.qq.com"),
}
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")

if CRM["ATTAINMENT_BASIS"] not in ("issued", "collected"):
    raise environ.ImproperlyConfigured("CRM_ATTAINMENT_BASIS must be 'issued' or 'collected'.")
try:
    # The browser loads the chosen source's tiles: the CSP allows exactly its hosts.
    _map_tiles = tile_source(CRM["MAP_TILES"], tile_url=CRM["MAP_TILE_URL"], tianditu_key=CRM["MAP_TIANDITU_KEY"])
except TileSettingsError as error:
    raise environ.ImproperlyConfigured(str(error)) from error
CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] += _map_tiles.hosts()
if CRM["GEOCODER"] not in ("none", "amap", "nominatim"):
    raise environ.ImproperlyConfigured("CRM_GEOCODER must be 'none', 'amap' or 'nominatim'.")
if CRM["GEOCODER"] == "amap" and not CRM["GEOCODER_KEY"]:
    raise environ.ImproperlyConfigured("CRM_GEOCODER=amap needs the web service key in CRM_GEOCODER_KEY.")
if not 0 < CRM["GEOCODER_RATE_PER_SECOND"] <= 100:
    raise environ.ImproperlyConfigured("CRM_GEOCODER_RATE_PER_SECOND must be above 0 and at most 100.")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # also creates var/
