"""hematoportal/settings/ as a deployment sees it: each case runs in a fresh process, since
settings are read from the environment once, at start."""

import json
import os
import re
import secrets
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPO_DIR = Path(__file__).resolve().parent.parent
SETTINGS_DIR = REPO_DIR / "hematoportal" / "settings"


def _environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    """A clean environment: no .env file and no settings inherited from the caller."""
    environment = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "ENV_FILE": "/dev/null",
        "HEMATOVISION_DATA_DIR": str(tmp_path / "data"),
    }
    return {**environment, **variables}


def _manage(tmp_path: Path, *arguments: str, **variables: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=REPO_DIR,
        env=_environment(tmp_path, **variables),
        capture_output=True,
        text=True,
        timeout=120,
    )


def _load_settings_copy(project_dir: Path, tmp_path: Path, **variables: str) -> dict:
    """Import a copy of the settings whose BASE_DIR is project_dir; return some of its values."""
    copy = project_dir / "hematoportal" / "settings"
    if not copy.exists():
        shutil.copytree(SETTINGS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
        (copy.parent / "__init__.py").touch()  # the copy alone, without the Celery app
    script = (
        "import importlib, json\n"
        "values = vars(importlib.import_module('hematoportal.settings'))\n"
        "names = ['SECRET_KEY', 'DEBUG', 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_SECURE',\n"
        "         'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS']\n"
        "print(json.dumps({name: values[name] for name in names}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=project_dir,
        env=_environment(tmp_path, **variables),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_it_passes_the_deploy_check_without_any_warning(tmp_path):
    result = _manage(
        tmp_path,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="hematovision.example.org",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_it_generates_the_secret_key_once_into_an_ignored_file(tmp_path):
    project_dir = tmp_path / "project"

    first = _load_settings_copy(project_dir, tmp_path)
    second = _load_settings_copy(project_dir, tmp_path)

    key_file = project_dir / ".secret_key"
    assert first["SECRET_KEY"] == key_file.read_text().strip() == second["SECRET_KEY"]
    assert len(first["SECRET_KEY"]) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert ".secret_key" in (REPO_DIR / ".gitignore").read_text().split()


def test_it_prefers_the_secret_key_from_the_environment_or_a_file(tmp_path):
    project_dir = tmp_path / "project"
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file-" + "x" * 50 + "\n")

    from_environment = _load_settings_copy(project_dir, tmp_path, SECRET_KEY="from-env-" + "y" * 50)
    from_file = _load_settings_copy(project_dir, tmp_path, SECRET_KEY_FILE=str(secret_file))

    assert from_environment["SECRET_KEY"] == "from-env-" + "y" * 50
    assert from_file["SECRET_KEY"] == "from-a-file-" + "x" * 50
    assert not (project_dir / ".secret_key").exists()


def test_it_is_safe_by_default_and_serves_plain_http_only_when_asked(tmp_path):
    project_dir = tmp_path / "project"

    default = _load_settings_copy(project_dir, tmp_path)
    local_http = _load_settings_copy(project_dir, tmp_path, SECURE_HTTPS="0")

    assert default["DEBUG"] is False
    assert default["SECURE_SSL_REDIRECT"] and default["SESSION_COOKIE_SECURE"]
    assert default["CSRF_COOKIE_SECURE"] and default["SECURE_HSTS_SECONDS"] >= 31536000
    assert not local_http["SECURE_SSL_REDIRECT"] and not local_http["SESSION_COOKIE_SECURE"]
    assert not local_http["CSRF_COOKIE_SECURE"] and local_http["SECURE_HSTS_SECONDS"] == 0


@pytest.mark.parametrize(
    ("variable", "wrong_value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG='maybe': use 1 or 0"),
        ("SECURE_HTTPS", "perhaps", "SECURE_HTTPS='perhaps': use 1 or 0"),
        ("CELERY_TASK_ALWAYS_EAGER", "sometimes", "CELERY_TASK_ALWAYS_EAGER='sometimes'"),
        ("DATABASE_URL", "not-a-database-url", "DATABASE_URL: use sqlite:////"),
        ("CELERY_TASK_TIME_LIMIT", "five-minutes", "invalid literal for int()"),
        ("TIME_ZONE", "Mars/Olympus_Mons", "Incorrect timezone setting: Mars/Olympus_Mons"),
        ("RATE_LIMIT_LOGIN_FAILED_PER_ADDRESS", "5/5m/ip", "use attempts/period"),
    ],
)
def test_it_refuses_to_start_with_a_wrong_value(tmp_path, variable, wrong_value, message):
    result = _manage(tmp_path, "check", **{variable: wrong_value})

    assert result.returncode != 0
    assert message in result.stderr


def _environment_variables_read_by_settings() -> set[str]:
    source = "\n".join(path.read_text() for path in sorted(SETTINGS_DIR.glob("*.py")))
    names = set(
        re.findall(r'(?:env\.\w+|env|secret|yes_no|rate_limit)\(\s*"([A-Z][A-Z0-9_]+)"', source)
    )
    secrets_from_files = set(re.findall(r'secret\(\s*"([A-Z][A-Z0-9_]+)"', source))
    return names | {f"{name}_FILE" for name in secrets_from_files if name == "SECRET_KEY"}


def test_it_documents_every_environment_variable_in_the_readme_and_env_example():
    readme = (REPO_DIR / "README.md").read_text()
    env_example = (REPO_DIR / ".env.example").read_text()
    names = _environment_variables_read_by_settings()

    assert len(names) > 20
    assert sorted(name for name in names if f"`{name}`" not in readme) == []
    assert sorted(name for name in names if f"{name}=" not in env_example) == []
