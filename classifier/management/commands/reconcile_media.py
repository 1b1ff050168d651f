"""Compare MEDIA_ROOT with the database: list (or delete) files that no row points to.

It checks images/, the folders of files made from images (classifier/purge.py: DerivedFromImage,
e.g. review's heatmaps/) and models/.

    python manage.py reconcile_media            # list orphans and rows whose file is missing
    python manage.py reconcile_media --delete   # also delete the orphans

Files younger than --grace-minutes are left alone: an upload in progress writes its file
before its row commits.
"""

import shutil
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from classifier import purge
from classifier.models import CellImage, ModelVersion
from classifier.registry import MODELS_DIR
from classifier.storage import IMAGES_DIR


def _is_recent(path: Path, grace_seconds: float) -> bool:
    return time.time() - path.stat().st_mtime < grace_seconds


def _unnamed_files(media_root: Path, folder: str, known: set[str], grace: float) -> list[Path]:
    orphans = []
    for path in sorted((media_root / folder).rglob("*")):
        if not path.is_file() or _is_recent(path, grace):
            continue
        if path.relative_to(media_root).as_posix() not in known:
            orphans.append(path)
    return orphans


def orphan_image_files(media_root: Path, grace_seconds: float) -> list[Path]:
    """Files under images/ that no CellImage names (temporary .part files included)."""
    known = set(CellImage.objects.exclude(file="").values_list("file", flat=True))
    return _unnamed_files(media_root, IMAGES_DIR, known, grace_seconds)


def orphan_derived_files(media_root: Path, grace_seconds: float) -> list[Path]:
    """Files made from images (review's heatmaps) that no row names any more."""
    return [
        path
        for model in purge.derived_models()
        for path in _unnamed_files(media_root, model.files_dir, model.stored_files(), grace_seconds)
    ]


def orphan_model_folders(media_root: Path, grace_seconds: float) -> list[Path]:
    """Folders under models/ that belong to no uploaded ModelVersion (stale uploads too)."""
    folder = media_root / MODELS_DIR
    if not folder.is_dir():
        return []
    known = {
        str(public_id)
        for public_id in ModelVersion.objects.filter(uploaded=True).values_list(
            "public_id", flat=True
        )
    }
    return [
        path
        for path in sorted(folder.iterdir())
        if path.name not in known and not _is_recent(path, grace_seconds)
    ]


def missing_files(media_root: Path) -> list[CellImage]:
    """Rows that point to a file which is not on disk."""
    images = CellImage.objects.exclude(file="").only("id", "public_id", "file")
    return [image for image in images.iterator() if not (media_root / image.file.name).is_file()]


class Command(BaseCommand):
    help = "List (or with --delete, delete) files in MEDIA_ROOT that no database row refers to."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--delete", action="store_true", help="Delete the orphans found.")
        parser.add_argument(
            "--grace-minutes",
            type=float,
            default=60,
            help="Ignore files younger than this (uploads in progress). Default 60.",
        )

    def handle(self, *args, delete: bool, grace_minutes: float, **options) -> None:
        media_root = Path(settings.MEDIA_ROOT)
        grace = grace_minutes * 60
        orphans = (
            orphan_image_files(media_root, grace)
            + orphan_derived_files(media_root, grace)
            + orphan_model_folders(media_root, grace)
        )
        for path in orphans:
            self.stdout.write(f"orphan: {path}")
            if delete:
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink(missing_ok=True)
        for image in missing_files(media_root):
            self.stdout.write(f"missing: {image.file.name} (image {image.public_id})")
        verb = "Deleted" if delete else "Found"
        self.stdout.write(f"{verb} {len(orphans)} orphan(s).")
