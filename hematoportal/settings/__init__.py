"""HematoVision settings: everything comes from the environment (see README.md, .env.example).

Defaults are safe on a laptop: DEBUG is off, the secret key is generated once into an ignored
local file, data (SQLite database, uploaded images) lives outside the repository. The parts
with a job of their own live beside this module: environment.py (reading the environment),
sign_in.py, workers.py (Celery) and security.py.
"""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from hematoportal.settings.environment import (
    BASE_DIR,
    DEBUG,
    SITE_NAME,  # noqa: F401  (a setting: templates and emails read it)
    env,
    local_secret_key,
    secret,
    yes_no,
)
from hematoportal.settings.security import *  # noqa: F403
from hematoportal.settings.sign_in import *  # noqa: F403
from hematoportal.settings.workers import *  # noqa: F403
from hematoportal.settings.workers import REDIS_URL

SECRET_KEY = secret("SECRET_KEY") or local_secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Audit trail: take the client address from X-Forwarded-For only behind a trusted proxy.
AUDIT_TRUST_X_FORWARDED_FOR = yes_no("AUDIT_TRUST_X_FORWARDED_FOR", default=False)
SITE_ID = 1

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

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
    }
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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
