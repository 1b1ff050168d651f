"""Where an upload's time goes, stage by stage, measured in one process: `manage.py profilepath`.

For each image of a folder, the API upload (`POST /api/v1/cases/<id>/images/`, through the
middleware, token authentication and DRF), the worker's task body (claim, cell finder,
classifier, result) and one status poll (`GET /api/v1/images/<id>/`) run in this process on
the configured database. Everything runs inside a transaction that is rolled back at the end,
so the temporary lab, member, token and case leave nothing behind; the files stored are
deleted. The task is never sent (a rolled-back upload commits nothing to send), so Celery's
and Redis's share is not here: the load test (classifier/load_test.py) measures the whole stack.

Two passes over the images. The first times each part (CPU time of this process, no profiler):
the milliseconds per image a web or worker process spends. The second, under cProfile, splits
each part into the stages of STAGES (cumulative time of those functions); a profiler slows
Python code more than C code, so the stages are read as shares of their part.
"""

import cProfile
import inspect
import pstats
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.test import Client

from accounts.authentication import ApiTokenAuthentication
from accounts.models import ApiToken, Membership
from accounts.services import create_member
from audit import services as audit_services
from classifier import classification, inference, intake, storage, tasks
from classifier.models import Case, CellImage, ModelVersion

PARTS = ("upload", "classify", "poll")
MIN_IMAGES = 2  # per pass
# (part, stage, function): each stage is the cumulative time of its function.
STAGES: tuple[tuple[str, str, Callable], ...] = (
    ("upload", "token authentication", ApiTokenAuthentication.authenticate_credentials),
    ("upload", "checking the image (decode, verify)", intake.check_upload),
    ("upload", "storing the file (write, fsync, SHA-256)", storage.store_bytes),
    ("upload", "duplicate check (one query)", intake.refuse_duplicate),
    ("upload", "audit entry", audit_services.record),
    ("upload", "intake as a whole (checks, file, rows)", intake.accept_upload),
    ("classify", "claim (UPDATE, then SELECT)", classification.claim_image),
    ("classify", "decode + cell finder", inference.find_cells),
    ("classify", "classifier (framing + test-time views)", inference.classify_pictures),
    (
        "classify",
        "result (prediction, status, audit: one transaction)",
        classification.store_result,
    ),
    ("classify", "case status (conditional UPDATE)", Case.finish_processing_if_complete),
)


class ProfileError(Exception):
    """The profile cannot run (no active model, no images)."""


@dataclass
class PathProfile:
    images: int
    cpu_ms: dict[str, float] = field(default_factory=dict)  # part -> ms per image
    stage_ms: dict[str, dict[str, float]] = field(default_factory=dict)  # part -> stage -> ms
    routes: dict[str, int] = field(default_factory=dict)  # kind -> images

    def as_dict(self) -> dict:
        return {
            "images": self.images,
            "cpu_ms_per_image": self.cpu_ms,
            "profiled_ms_per_image": self.stage_ms,
            "routes": self.routes,
        }


class UploadPath:
    """The three parts for one image, against a case of a temporary member."""

    def __init__(self, client: Client, case: Case, host: str, stored: list[str]):
        self.client, self.case, self.host = client, case, host
        self.stored = stored  # every file written so far, for the caller to delete whatever happens

    def upload(self, path: Path) -> str:
        with open(path, "rb") as handle:
            response = self.client.post(
                f"/api/v1/cases/{self.case.public_id}/images/",
                {"file": handle},
                HTTP_HOST=self.host,
                secure=True,
            )
        if response.status_code != 202:
            raise ProfileError(f"{path.name}: upload refused ({response.status_code})")
        return response.json()["id"]

    def classify(self, public_id: str) -> None:
        image_id = CellImage.objects.values_list("pk", flat=True).get(public_id=public_id)
        tasks.classify_image.run(image_id)

    def poll(self, public_id: str) -> None:
        self.client.get(f"/api/v1/images/{public_id}/", HTTP_HOST=self.host, secure=True)

    def remember_files(self, public_id: str) -> None:
        """The files of an upload and of the white-cell crops made from it."""
        rows = CellImage.objects.filter(Q(public_id=public_id) | Q(field__public_id=public_id))
        self.stored += [name for name in rows.values_list("file", flat=True) if name]

    def run(self, paths: list[Path], timings: dict[str, float] | None = None) -> None:
        for path in paths:
            started = time.process_time()
            public_id = self.upload(path)
            uploaded = time.process_time()
            self.classify(public_id)
            classified = time.process_time()
            self.poll(public_id)
            polled = time.process_time()
            self.remember_files(public_id)
            if timings is not None:
                timings["upload"] += uploaded - started
                timings["classify"] += classified - uploaded
                timings["poll"] += polled - classified


def _code_key(function: Callable) -> tuple[str, int, str]:
    code = inspect.unwrap(function).__code__
    return code.co_filename, code.co_firstlineno, code.co_name


def _stage_ms(profile: cProfile.Profile, images: int) -> dict[str, dict[str, float]]:
    stats = pstats.Stats(profile).stats  # {(file, line, name): (cc, nc, tt, ct, callers)}
    result: dict[str, dict[str, float]] = {part: {} for part in PARTS[:2]}
    for part, stage, function in STAGES:
        cumulative = stats.get(_code_key(function), (0, 0, 0.0, 0.0, {}))[3]
        result[part][stage] = round(1000 * cumulative / images, 2)
    return result


def _host() -> str:
    hosts = [host.lstrip(".") for host in settings.ALLOWED_HOSTS if host not in ("*", "")]
    return hosts[0] if hosts else "localhost"


def profile_path(paths: list[Path]) -> PathProfile:
    """Two warm-up images, then half of the rest timed and half profiled (the module's doc)."""
    if ModelVersion.active() is None:
        raise ProfileError("no model version is active: run manage.py register_default_model")
    if len(paths) < 2 + 2 * MIN_IMAGES:
        raise ProfileError(f"give at least {2 + 2 * MIN_IMAGES} images")
    # Two warm-up images (models loaded, queries compiled), then a timed and a profiled half.
    half = (len(paths) - 2) // 2
    timed, profiled = paths[2 : 2 + half], paths[2 + half : 2 + 2 * half]
    report = PathProfile(images=half)
    stored: list[str] = []
    try:
        with transaction.atomic():
            membership = create_member(
                f"profile-{uuid.uuid4().hex[:12]}@example.invalid",
                f"Path profile {uuid.uuid4().hex[:8]}",
                Membership.Role.TECHNOLOGIST,
                None,
            )
            _, secret = ApiToken.issue(membership.user, "path profile")
            case = Case.objects.create(
                lab=membership.lab,
                accession="PROFILE",
                patient_ref="PROFILE",
                created_by=membership.user,
            )
            client = Client(HTTP_AUTHORIZATION=f"Token {secret}")
            steps = UploadPath(client, case, _host(), stored)
            steps.run(paths[:2])
            timings = dict.fromkeys(PARTS, 0.0)
            steps.run(timed, timings)
            report.cpu_ms = {part: round(1000 * timings[part] / half, 2) for part in PARTS}
            profile = cProfile.Profile()
            profile.runcall(steps.run, profiled)
            report.stage_ms = _stage_ms(profile, half)
            uploads = CellImage.objects.filter(case=case, field__isnull=True)
            for kind in uploads.values_list("kind", flat=True):
                report.routes[kind] = report.routes.get(kind, 0) + 1
            transaction.set_rollback(True)
    finally:
        for name in stored:
            (Path(settings.MEDIA_ROOT) / name).unlink(missing_ok=True)
    return report
