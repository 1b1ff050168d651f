"""`python manage.py export_feedback DIR`: consented corrections as an image-folder data set.

Writes DIR/<corrected label>/<sha256>.<ext> for every correction whose image was kept with
consent, plus DIR/feedback.csv (file, label, predicted label, model version, sha256). The tree is
what `python -m ml train --dataset folder --data DIR` reads. "other / artefact" corrections are
left out unless --include-other is given (they are not a cell class). Running it again rewrites
the same files.
"""

import csv
import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Lab
from audit.models import AuditEvent
from audit.services import record
from review.models import OTHER_LABEL, Feedback

MANIFEST = "feedback.csv"


class Command(BaseCommand):
    help = "Export consented, corrected images as DIR/<label>/<file> for `python -m ml train`."

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument("--lab", help="only this lab (its name)")
        parser.add_argument(
            "--include-other", action="store_true", help='also export "other / artefact"'
        )

    def handle(self, *args, directory: Path, lab: str | None, include_other: bool, **options):
        corrections = (
            Feedback.objects.filter(consent=True).exclude(file="").select_related("model_version")
        )
        if lab:
            try:
                corrections = corrections.filter(lab=Lab.objects.get(name=lab))
            except Lab.DoesNotExist as error:
                raise CommandError(f"no lab named {lab!r}") from error
        if not include_other:
            corrections = corrections.exclude(corrected_label=OTHER_LABEL)
        rows = self.copy_files(corrections.order_by("corrected_label", "sha256"), directory)
        self.write_manifest(directory, rows)
        record(None, AuditEvent.Action.EXPORT_DOWNLOADED, export="feedback", rows=len(rows))
        self.stdout.write(f"{len(rows)} corrected images written to {directory}")

    def copy_files(self, corrections, directory: Path) -> list[dict]:
        rows = []
        for feedback in corrections:
            source = feedback.path
            if source is None or not source.is_file():
                self.stderr.write(f"skipped {feedback.sha256}: its file is missing")
                continue
            target = directory / feedback.corrected_label / source.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            rows.append(
                {
                    "file": f"{feedback.corrected_label}/{source.name}",
                    "label": feedback.corrected_label,
                    "predicted_label": feedback.predicted_label,
                    "model_version": feedback.model_version.name,
                    "sha256": feedback.sha256,
                }
            )
        return rows

    def write_manifest(self, directory: Path, rows: list[dict]) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        columns = ["file", "label", "predicted_label", "model_version", "sha256"]
        with open(directory / MANIFEST, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
