"""Reading the environment: the helpers every settings module uses, and the values they all
need (where the project lives, DEBUG, the site's name).

Variables set in the real environment win over the .env file; ENV_FILE names another file
(scripts/test.sh sets /dev/null so that a local .env cannot change what the tests see).
"""

import re
import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(env.str("ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)


def secret(name: str) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE (Docker/Kubernetes secrets)."""
    if value := env.str(name, default=None):
        return value
    if path := env.str(f"{name}_FILE", default=None):
        return Path(path).read_text().strip()
    return None


def yes_no(name: str, default: bool) -> bool:
    """A yes/no setting. A value that is none of these is an error, never a silent False."""
    value = env.str(name, default="").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: use 1 or 0 (or true/false, yes/no, on/off).")


def rate_limit(name: str, default: str) -> str:
    """A rate limit as "attempts/period", e.g. "5/5m" (period in s, m, h or d)."""
    value = env.str(name, default=default).strip()
    if not re.fullmatch(r"[1-9][0-9]*/[0-9]*[smhd]", value):
        raise ImproperlyConfigured(f"{name}={value!r}: use attempts/period, e.g. 5/5m or 100/1h.")
    return value


def local_secret_key() -> str:
    # Generated once, kept in an ignored file, so a laptop install needs no configuration.
    key_file = BASE_DIR / ".secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DEBUG = yes_no("DEBUG", default=False)
SITE_NAME = env.str("SITE_NAME", default="HematoVision")
