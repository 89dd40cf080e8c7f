"""The only settings module: every value comes from the environment, with defaults that need no server.

With nothing set, the system runs on SQLite, local disk, an in-memory channel layer and a
filesystem Celery broker. `DATABASE_URL` switches to PostgreSQL and `REDIS_URL` switches
Celery and Channels to Redis. A bad value stops start-up with one ImproperlyConfigured line.
"""

import ipaddress
from pathlib import Path
from urllib.parse import urlparse

import environ
from django.core.exceptions import ImproperlyConfigured

from accounts import keys

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
# Everything the embedded defaults write (SQLite file, broker queue, beat schedule, media).
NVR_DATA_DIR = Path(env.str("NVR_DATA_DIR", default=str(BASE_DIR / "var"))).resolve()
NVR_DATA_DIR.mkdir(parents=True, exist_ok=True)


def _env_url(name: str, *, schemes: tuple[str, ...]) -> str:
    """Read a URL variable and refuse one whose scheme we cannot use, naming the variable."""
    value = env.str(name, default="").strip()
    if value and urlparse(value).scheme not in schemes:
        raise ImproperlyConfigured(f"{name}={value!r} is not a {'/'.join(schemes)} URL")
    return value


def _env_bool(name: str, default: bool) -> bool:
    raw = env.str(name, default=str(default)).strip().lower()
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true or false)")


def _env_int(name: str, default: int) -> int:
    raw = env.str(name, default=str(default)).strip()
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None


# --- Core -------------------------------------------------------------------------------------
DEBUG = _env_bool("DEBUG", False)
# The master secret: SECRET_KEY, or (unset or empty) a random key generated once into the data
# directory. Django signs with a key derived from it, as media tokens and JWTs do with theirs
# (accounts/keys.py); the `secrets` system check refuses a weak one on a non-loopback NVR_HOST.
NVR_SECRET_KEY_SOURCE = "env" if env.str("SECRET_KEY", default="").strip() else "file"


def _master_key() -> str:
    if NVR_SECRET_KEY_SOURCE == "env":
        return env.str("SECRET_KEY")
    try:
        return keys.key_file_load_or_create(NVR_DATA_DIR)
    except (OSError, ValueError) as exc:
        raise ImproperlyConfigured(f"SECRET_KEY is unset and the key file is unusable: {exc}") from None


NVR_SECRET_KEY = _master_key()
SECRET_KEY = keys.derive(NVR_SECRET_KEY, keys.DJANGO)
# Reverse proxies whose X-Forwarded-For names the client (addresses or networks; nvr_project/proxy.py).
NVR_TRUSTED_PROXIES = env.list("NVR_TRUSTED_PROXIES", default=[])
for _proxy in NVR_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"NVR_TRUSTED_PROXIES: {_proxy!r} is not an address or network") from None
SITE_TITLE = env.str("NVR_SITE_TITLE", default="NVR")
# Keys of the encrypted model fields (nvr_project/crypto.py), first one encrypts; empty: the
# data directory's `field_key`, generated on first use.
NVR_FIELD_KEY = env.list("NVR_FIELD_KEY", default=[])

INSTALLED_APPS = [
    "daphne",  # must precede staticfiles so `runserver` is the ASGI one
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "template_partials",
    "accounts",
    "organizations",
    "cameras",
    "recordings",
]

MIDDLEWARE = [
    "nvr_project.proxy.TrustedProxyMiddleware",  # first: everything after sees the client's address
    "django.middleware.security.SecurityMiddleware",
    "nvr_project.static.StaticFilesMiddleware",  # WhiteNoise, async-capable
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Private by default (Django 5.1+): a public page opts out with @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "organizations.middleware.CurrentOrganizationMiddleware",
    "recordings.egress.EgressMiddleware",  # what players are served, for the nodes' output figures
]

ROOT_URLCONF = "nvr_project.urls"
WSGI_APPLICATION = None
ASGI_APPLICATION = "nvr_project.asgi.application"

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
                "organizations.context_processors.current_organization",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASE_URL = _env_url("DATABASE_URL", schemes=("postgres", "postgresql", "pgsql", "sqlite"))
if DATABASE_URL:
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": NVR_DATA_DIR / "nvr.sqlite3"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while a worker writes; the busy timeout makes a writer wait for
    # the lock instead of failing, and IMMEDIATE transactions take it up front so two writers never
    # deadlock on a read-to-write upgrade (Django 5.1+ `transaction_mode`).
    # Tests use a file, not memory, so a recorder started as a subprocess shares the test database.
    DATABASES["default"].setdefault("TEST", {"NAME": str(NVR_DATA_DIR / "test.sqlite3")})
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.LoginBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "cameras:camera_list"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
SESSION_COOKIE_AGE = _env_int("NVR_SESSION_AGE", 14 * 24 * 3600)

# Login throttling (accounts/services/throttle.py; README "Sign-in throttling"). Failures count for a
# day; past each free allowance the wait starts at NVR_LOGIN_FIRST_DELAY seconds and doubles with every
# further failure, up to NVR_LOGIN_MAX_DELAY.
NVR_LOGIN_FAILURE_WINDOW = _env_int("NVR_LOGIN_FAILURE_WINDOW", 24 * 3600)
NVR_LOGIN_FREE_FAILURES = _env_int("NVR_LOGIN_FREE_FAILURES", 5)  # per login and address; TOTP per account
NVR_LOGIN_FREE_FAILURES_PER_ADDRESS = _env_int("NVR_LOGIN_FREE_FAILURES_PER_ADDRESS", 20)
NVR_LOGIN_ACCOUNT_ADDRESSES = _env_int("NVR_LOGIN_ACCOUNT_ADDRESSES", 10)
NVR_LOGIN_FIRST_DELAY = _env_int("NVR_LOGIN_FIRST_DELAY", 1)
NVR_LOGIN_MAX_DELAY = _env_int("NVR_LOGIN_MAX_DELAY", 15 * 60)

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("NVR_TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("NVR_STATIC_ROOT", default=str(NVR_DATA_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serve straight from the app's static folders too, so a fresh checkout works before collectstatic.
WHITENOISE_USE_FINDERS = True
NVR_MEDIA_ROOT = Path(env.str("NVR_MEDIA_ROOT", default=str(NVR_DATA_DIR / "media"))).resolve()
# Files people upload (folder floor plans): served only to those who may see what they belong to.
MEDIA_ROOT = Path(env.str("NVR_UPLOAD_ROOT", default=str(NVR_DATA_DIR / "uploads"))).resolve()
MEDIA_URL = "/uploads/"
# Derived files that can be rebuilt from recordings (snapshots), kept apart from them.
NVR_SNAPSHOT_DIR = Path(env.str("NVR_SNAPSHOT_DIR", default=str(NVR_DATA_DIR / "snapshots"))).resolve()
# Free space below which /healthz reports the disk as failing.
NVR_MIN_FREE_BYTES = _env_int("NVR_MIN_FREE_BYTES", 1 * 1024**3)
# Or a share of the recordings filesystem; the larger of the two floors applies.
NVR_MIN_FREE_PERCENT = _env_int("NVR_MIN_FREE_PERCENT", 0)

# --- Redis, Celery and Channels ---------------------------------------------------------------
REDIS_URL = _env_url("REDIS_URL", schemes=("redis", "rediss", "unix"))

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}
    }
else:
    # Embedded broker: kombu's filesystem transport. Chosen over the SQLAlchemy transport because it
    # needs no extra package, takes no write lock on SQLite (the web and workers already share that
    # file's single writer), and hands each message to exactly one worker through fcntl locks.
    # It serves one host only; a second host needs REDIS_URL (README).
    _broker_dir = NVR_DATA_DIR / "broker"
    for _sub in ("queue", "control", "processed", "results"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    # kombu's transport with its start-up and message-file races closed (nvr_project/broker.py).
    CELERY_BROKER_TRANSPORT = "nvr_project.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{_broker_dir / 'results'}"
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

CELERY_TASK_DEFAULT_QUEUE = "default"
# Recording never shares workers with bounded jobs: a long export must not delay a camera's lease.
CELERY_TASK_ROUTES = {"recordings.tasks.camera_record": {"queue": "ingest"}}
# Jobs report progress and outcome on their Job rows, so task return values are not kept.
CELERY_TASK_IGNORE_RESULT = True
# A recording task holds its thread for days: a worker should not reserve messages it cannot start.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(NVR_DATA_DIR / "celerybeat-schedule")
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- REST framework ---------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # JSON bodies are depth- and content-checked before parsing (too deep or unstorable: a 400).
    "DEFAULT_PARSER_CLASSES": [
        "nvr_project.dialects.common.json_body.CheckedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "NVR API",
    "DESCRIPTION": "Video management system. Integrator dialects (Flussonic Watcher, LightNVR, Lenz) "
    "each have their own schema under /api/schema/<dialect>/.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- First administrator (created once by `manage.py nvr_bootstrap`) -----------------------------
NVR_ADMIN_LOGIN = env.str("NVR_ADMIN_LOGIN", default="admin")
NVR_ADMIN_PASSWORD = env.str("NVR_ADMIN_PASSWORD", default="")
NVR_ADMIN_EMAIL = env.str("NVR_ADMIN_EMAIL", default="")

# --- Security (browser hardening, outbound requests) -------------------------------------------
# Where `scripts/nvr.py run` serves, and the address people reach it at: mail links are built
# from NVR_PUBLIC_URL, never from a request's Host header, which the requester chooses.
NVR_HOST = env.str("NVR_HOST", default="127.0.0.1")
NVR_PORT = _env_int("NVR_PORT", 8000)
_bind = f"[{NVR_HOST}]" if ":" in NVR_HOST else NVR_HOST
NVR_PUBLIC_URL = _env_url("NVR_PUBLIC_URL", schemes=("http", "https")) or f"http://{_bind}:{NVR_PORT}/"
_public_host = urlparse(NVR_PUBLIC_URL).hostname or ""
# Only the names this server answers to: a forged Host never reaches a view (Django answers 400).
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS",
    default=list(dict.fromkeys(["localhost", "127.0.0.1", "[::1]", _bind, _public_host])),
)
CSRF_TRUSTED_ORIGINS = env.list("NVR_CSRF_TRUSTED_ORIGINS", default=[])
# Behind a TLS-terminating proxy: HSTS, cookies sent over HTTPS only, and the proxy's word on the scheme.
NVR_HTTPS = _env_bool("NVR_HTTPS", False)
if NVR_HTTPS:
    SECURE_HSTS_SECONDS = _env_int("NVR_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Every page runs our own scripts only (django-csp). hls.js plays through a blob: worker and
# blob: media sources; style attributes carry computed widths (bars, progress), so inline styles stay.
INSTALLED_APPS.append("csp")
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware"
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Web push endpoints on loopback, private or reserved addresses (tests, a push service on the LAN).
NVR_PUSH_ALLOW_PRIVATE = _env_bool("NVR_PUSH_ALLOW_PRIVATE", False)

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    # No URL credentials (rtsp://user:password@…) in any log line: nvr_project/redact.py.
    "filters": {"mask_credentials": {"()": "nvr_project.redact.MaskingFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_credentials"]}
    },
    "root": {"handlers": ["console"], "level": env.str("NVR_LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "daphne": {"level": "WARNING"}},
}

# --- Tuning read by the apps and dialects ------------------------------------------------------
# How long an Agent activation token lives, seconds (cameras.services.agents).
NVR_AGENT_TOKEN_TTL = _env_int("NVR_AGENT_TOKEN_TTL", 24 * 3600)
# Admin API health: a node's load (percent) at or over which it is `degradated` / `partial_outage`.
NVR_HEALTH_DEGRADED_PERCENT = _env_int("NVR_HEALTH_DEGRADED_PERCENT", 80)
NVR_HEALTH_PARTIAL_OUTAGE_PERCENT = _env_int("NVR_HEALTH_PARTIAL_OUTAGE_PERCENT", 95)
# Watcher long-poll database steps on the request's own thread and connection instead of the
# shared executor: only tests that keep their rows in an open transaction want it.
NVR_WATCHER_POLL_THREAD_SENSITIVE = _env_bool("NVR_WATCHER_POLL_THREAD_SENSITIVE", False)
