"""HematoVision settings: everything comes from the environment (see README.md, .env.example).

Defaults are safe on a laptop: DEBUG is off, the secret key is generated once into an ignored
local file, data (SQLite database, uploaded images) lives outside the repository.
"""

import re
import secrets
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# ENV_FILE names another file; scripts/test.sh sets /dev/null so that a local .env cannot
# change what the tests see.
environ.Env.read_env(env.str("ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)


def _secret(name: str) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE (Docker/Kubernetes secrets)."""
    if value := env.str(name, default=None):
        return value
    if path := env.str(f"{name}_FILE", default=None):
        return Path(path).read_text().strip()
    return None


def _bool(name: str, default: bool) -> bool:
    """A yes/no setting. A value that is none of these is an error, never a silent False."""
    value = env.str(name, default="").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: use 1 or 0 (or true/false, yes/no, on/off).")


def _rate(name: str, default: str) -> str:
    """A rate limit as "attempts/period", e.g. "5/5m" (period in s, m, h or d)."""
    value = env.str(name, default=default).strip()
    if not re.fullmatch(r"[1-9][0-9]*/[0-9]*[smhd]", value):
        raise ImproperlyConfigured(f"{name}={value!r}: use attempts/period, e.g. 5/5m or 100/1h.")
    return value


def _local_secret_key() -> str:
    # Generated once, kept in an ignored file, so a laptop install needs no configuration.
    key_file = BASE_DIR / ".secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DEBUG = _bool("DEBUG", default=False)
SECRET_KEY = _secret("SECRET_KEY") or _local_secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Audit trail: take the client address from X-Forwarded-For only behind a trusted proxy.
AUDIT_TRUST_X_FORWARDED_FOR = _bool("AUDIT_TRUST_X_FORWARDED_FOR", default=False)
SITE_ID = 1
SITE_NAME = env.str("SITE_NAME", default="HematoVision")

# Data lives outside the repository: uploaded patient images must never end up in git.
DATA_DIR = Path(
    env.str("HEMATOVISION_DATA_DIR", default=str(Path.home() / ".local/share/hematovision"))
)
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
MEDIA_URL = "/media-not-served/"  # images are served only through permission-checking views
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(DATA_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",  # allauth.usersessions templates use it
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.google",
    "allauth.socialaccount.providers.openid_connect",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files, not a CDN
    "csp",
    "accounts",
    "audit",
    "classifier",
    "review",
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
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "accounts.middleware.LabMfaRequiredMiddleware",
    "accounts.middleware.PrivatePagesMiddleware",
]

ROOT_URLCONF = "hematoportal.urls"
WSGI_APPLICATION = "hematoportal.wsgi.application"

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
                "accounts.context_processors.membership",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
}
if not DATABASES["default"].get("ENGINE"):
    raise ImproperlyConfigured(
        "DATABASE_URL: use sqlite:////absolute/path.sqlite3 or postgres://user:password@host:5432/name"
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server and the Celery worker write at the same time: WAL lets readers go on while
    # one writes, and IMMEDIATE transactions with a timeout make writers wait instead of failing
    # with "database is locked".
    _sqlite_options = DATABASES["default"].setdefault("OPTIONS", {})
    _sqlite_options.setdefault("timeout", 20)
    _sqlite_options.setdefault("transaction_mode", "IMMEDIATE")
    _sqlite_options.setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "/accounts/login/"

# Sessions end after SESSION_IDLE_TIMEOUT seconds without a request (idle timeout).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# django-allauth: email + password or a one-time email code; email verified by code.
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# Sign-up may ask to join a lab by name (accounts.forms.SignupForm); the log-in form says
# plainly why a log-in must wait (accounts.forms.LoginForm).
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm", "login": "accounts.forms.LoginForm"}
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
# Failed log-ins are limited per account; per address only loosely, since a lab's computers
# often share one public address and one mistyping colleague must not lock out the others.
ACCOUNT_RATE_LIMITS = {
    "login_failed": ",".join(
        [
            _rate("RATE_LIMIT_LOGIN_FAILED_PER_ADDRESS", default="100/5m") + "/ip",
            _rate("RATE_LIMIT_LOGIN_FAILED_PER_ACCOUNT", default="5/5m") + "/key",
        ]
    ),
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = SITE_NAME
USERSESSIONS_TRACK_ACTIVITY = True

# Google and LinkedIn (OpenID Connect) are offered only when their credentials are configured,
# here or as SocialApp rows in the admin.
SOCIALACCOUNT_ADAPTER = "accounts.adapters.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_PROVIDERS: dict = {}
if env.str("GOOGLE_CLIENT_ID", default="") and _secret("GOOGLE_CLIENT_SECRET"):
    SOCIALACCOUNT_PROVIDERS["google"] = {
        "APPS": [
            {
                "client_id": env.str("GOOGLE_CLIENT_ID"),
                "secret": _secret("GOOGLE_CLIENT_SECRET"),
            }
        ],
        "SCOPE": ["openid", "email", "profile"],
    }
if env.str("LINKEDIN_CLIENT_ID", default="") and _secret("LINKEDIN_CLIENT_SECRET"):
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "APPS": [
            {
                "provider_id": "linkedin",
                "name": "LinkedIn",
                "client_id": env.str("LINKEDIN_CLIENT_ID"),
                "secret": _secret("LINKEDIN_CLIENT_SECRET"),
                "settings": {"server_url": "https://www.linkedin.com/oauth"},
            }
        ]
    }

# Email: the console by default, SMTP when EMAIL_URL is set (smtp+tls://user:pass@host:587).
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="HematoVision <noreply@localhost>")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",  # personal, hashed tokens
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "HematoVision API",
    "DESCRIPTION": "Blood-cell image classification: cases, images, predictions, review, reports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and the docs page are for members, and load nothing from a CDN.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Celery: Redis is broker, result backend and cache. A task claims its row before working, so
# late acknowledgement is safe and a killed worker loses no image.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL)
if CELERY_BROKER_URL.startswith("redis://"):
    # kombu's Redis transport, but a worker survives Redis going away mid-task (celery.py).
    CELERY_BROKER_TRANSPORT = "hematoportal.celery:RedisTransport"
CELERY_TASK_ACKS_LATE = True
# Nothing reads a task's return value (results live in the database). Storing them cost a Redis
# write per task, and with results on, a send first subscribes to the result store, which
# blocks an upload for about 20 s when Redis is down.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_ALWAYS_EAGER = _bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_DEFAULT_QUEUE = "celery"
# A plain `celery -A hematoportal worker` consumes every queue; `-Q explain` runs a
# heatmap-only worker. Adaptations go to "train", which scripts/setup-and-run.sh gives a worker
# of its own with one process, so that classification never waits behind minutes of training.
CELERY_TASK_QUEUES = [Queue("classify"), Queue("explain"), Queue("celery"), Queue("train")]
CELERY_TASK_ROUTES = {
    "classifier.tasks.classify_image": {"queue": "classify"},
    "review.tasks.compute_heatmap": {"queue": "explain"},
    "review.tasks.compute_lime": {"queue": "explain"},
    "review.tasks.run_adaptation": {"queue": "train"},
}
# A lab may adapt its model once every class it has reviewed has this many reviewed cells.
ADAPTATION_MIN_CELLS_PER_CLASS = env.int("ADAPTATION_MIN_CELLS_PER_CLASS", default=10)
if ADAPTATION_MIN_CELLS_PER_CLASS < 2:
    raise ImproperlyConfigured("ADAPTATION_MIN_CELLS_PER_CLASS must be at least 2")
# An adaptation is refused when accuracy on the model's original test split drops by more than
# this (a share: 0.01 is one point).
ADAPTATION_MAX_TEST_DROP = env.float("ADAPTATION_MAX_TEST_DROP", default=0.01)
if not 0.0 <= ADAPTATION_MAX_TEST_DROP <= 1.0:
    raise ImproperlyConfigured("ADAPTATION_MAX_TEST_DROP must be between 0 and 1")
# The longest an adaptation may run (seconds) before the train worker ends it.
ADAPTATION_TIME_LIMIT = env.int("ADAPTATION_TIME_LIMIT", default=1800)
# Seconds between sweeps for lost work: with worker heartbeats stale after 20 s, an image whose
# worker was killed is back in the queue within about RECOVERY_INTERVAL + 20 s.
RECOVERY_INTERVAL = env.int("RECOVERY_INTERVAL", default=15)
if RECOVERY_INTERVAL < 1:
    raise ImproperlyConfigured("RECOVERY_INTERVAL must be at least 1 second")
CELERY_BEAT_SCHEDULE = {
    "purge-expired-images": {
        "task": "classifier.tasks.purge_expired_images",
        "schedule": crontab(minute="*/15"),
    },
    "requeue-stuck-images": {
        "task": "classifier.tasks.requeue_stuck_images",
        "schedule": crontab(minute="*/5"),
    },
    # Claims of dead worker processes and tasks the broker refused (classifier/recovery.py).
    "recover-lost-work": {
        "task": "classifier.tasks.recover_lost_work",
        "schedule": RECOVERY_INTERVAL,
        "options": {"expires": RECOVERY_INTERVAL},  # sweeps do not pile up while workers are away
    },
}

# Uploads: caps checked on the decoded content (bytes, then pixels: decompression bombs).
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
UPLOAD_MAX_PIXELS = env.int("UPLOAD_MAX_PIXELS", default=40_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DEFAULT_MODEL_NAME = env.str("DEFAULT_MODEL_NAME", default="default")
# The cell finder every upload goes through (ml/serving/finder.py): a detector bundle's alias,
# shipped name or folder.
CELL_DETECTOR = env.str("CELL_DETECTOR", default="fields")

LANGUAGE_CODE = "en"
# Interface and report languages; catalogues in locale/ (docs/i18n.md: glossary, adding a string).
# Portuguese is "pt" (Brazilian and African usage), not pt-pt/pt-br.
LANGUAGES = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("fr", _("French")),
    ("pt", _("Portuguese")),
    ("hi", _("Hindi")),
]
# locale/ is written by makemessages; locale_extra/ holds, by hand, the Hindi of the allauth and
# django.contrib.auth strings we show, which those packages do not ship (docs/i18n.md).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_extra"]
# "7 Dec 2026, 10:33 UTC" in every language (hematoportal/formats/).
FORMAT_MODULE_PATH = ["hematoportal.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Security: strict unless DEBUG. Local HTTP installs switch the HTTPS parts off explicitly.
SECURE_HTTPS = _bool("SECURE_HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = SECURE_HTTPS
# A load balancer probes /healthz over plain HTTP on the private side.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = SECURE_HTTPS
CSRF_COOKIE_SECURE = SECURE_HTTPS
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if SECURE_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HTTPS
SECURE_HSTS_PRELOAD = SECURE_HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts and styles only from our own static files, no
# inline script or style attribute anywhere (templates/ keep them in static/js and static/css).
# form-action is left out: social log-in posts to a provider that redirects elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
