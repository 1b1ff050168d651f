"""The code version an adapted model records: `git describe` where the portal runs from a
checkout, else a hash of the ml/ package's sources."""

import hashlib
import subprocess
from functools import cache
from pathlib import Path

from django.conf import settings


@cache
def code_version() -> str:
    root = Path(settings.BASE_DIR)
    try:
        described = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        )
        if described.returncode == 0 and described.stdout.strip():
            return f"git {described.stdout.strip()}"
    except (OSError, subprocess.SubprocessError):
        pass
    digest = hashlib.sha256()
    for path in sorted((root / "ml").rglob("*.py")):
        digest.update(path.read_bytes())
    return f"ml sha256 {digest.hexdigest()[:16]}"
