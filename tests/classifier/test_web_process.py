"""The web process never imports TensorFlow (only workers may, and only for Grad-CAM)."""

import subprocess
import sys

from django.conf import settings

IMPORTS_OF_THE_WEB_PROCESS = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hematoportal.settings")
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns  # imports the whole URLconf, every app's views
import hematoportal.wsgi, classifier.views.cases, classifier.views.images, classifier.api.views
import classifier.admin, classifier.intake, classifier.tasks, classifier.registry
print(sorted(name for name in ("tensorflow", "keras") if name in sys.modules))
"""


def test_importing_the_urlconf_and_views_does_not_import_tensorflow():
    result = subprocess.run(
        [sys.executable, "-c", IMPORTS_OF_THE_WEB_PROCESS],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
