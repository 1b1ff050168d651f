"""`python manage.py export_feedback DIR`: consented corrections as an image-folder data set.

Writes DIR/<corrected label>/<sha256>.<ext> for every correction whose image was kept with
consent, plus DIR/feedback.csv (file, label, predicted label, model version, sha256). The tree is
what `python -m ml train --dataset folder --data DIR` and `python -m ml adapt --labelled DIR`
read. With --accepted, reviews that confirmed the model's label join too, while the consented
file is still kept (before the lab's retention purge): a lab adapting a model needs labelled
cells of every class, not only of the ones the model got wrong. "other / artefact" is left out
unless --include-other is given (it is not a cell class). With --framed each cell is written as
the classifier saw it (a field's white cell as its crop, any other upload through the cell
finder's route), which is what the portal's adaptation learns from. Running it again rewrites
the same files.
"""

import csv
import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Lab
from audit.models import AuditEvent
from audit.services import record
from review.adaptation import cells
from review.adaptation.cells import ReviewedCell, write_cell

MANIFEST = "feedback.csv"


class Command(BaseCommand):
    help = (
        "Export consented, corrected (and with --accepted, confirmed) images as "
        "DIR/<label>/<file> for `python -m ml train` and `python -m ml adapt --labelled`."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--framed",
            action="store_true",
            help="write each cell as the classifier saw it (for python -m ml adapt --labelled)",
        )
        parser.add_argument("--lab", help="only this lab (its name)")
        parser.add_argument(
            "--include-other", action="store_true", help='also export "other / artefact"'
        )
        parser.add_argument(
            "--accepted",
            action="store_true",
            help="also export reviewed images whose label was confirmed (consented, still kept)",
        )

    def handle(
        self,
        *args,
        directory: Path,
        lab: str | None,
        include_other: bool,
        accepted: bool,
        framed: bool = False,
        **options,
    ):
        lab_row = self.find_lab(lab) if lab else None
        cells = self.corrected_cells(lab_row, include_other)
        if accepted:
            cells += self.accepted_cells(lab_row, include_other)
        rows = self.copy_files(cells, directory, framed)
        self.write_manifest(directory, rows)
        record(None, AuditEvent.Action.EXPORT_DOWNLOADED, export="feedback", rows=len(rows))
        self.stdout.write(f"{len(rows)} reviewed images written to {directory}")

    def find_lab(self, name: str) -> Lab:
        try:
            return Lab.objects.get(name=name)
        except Lab.DoesNotExist as error:
            raise CommandError(f"no lab named {name!r}") from error

    def corrected_cells(self, lab, include_other: bool) -> list[ReviewedCell]:
        return cells.corrected_cells(lab, include_other)

    def accepted_cells(self, lab, include_other: bool) -> list[ReviewedCell]:
        return cells.accepted_cells(lab, include_other)

    def copy_files(
        self, cells: list[ReviewedCell], directory: Path, framed: bool = False
    ) -> list[dict]:
        """Copy (or with `framed`, frame) each cell to DIR/<label>/; one manifest row each."""
        rows = []
        for cell in cells:
            if cell.path is None or not cell.path.is_file():
                self.stderr.write(f"skipped {cell.sha256}: its file is missing")
                continue
            if framed:
                target = write_cell(cell, directory)
                if target is None:
                    self.stderr.write(f"skipped {cell.sha256}: no white cell to classify in it")
                    continue
                name = target.name
            else:
                name = f"{cell.sha256}{cell.path.suffix.lower()}"
                target = directory / cell.label / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(cell.path, target)
            rows.append(
                {
                    "file": f"{cell.label}/{name}",
                    "label": cell.label,
                    "predicted_label": cell.predicted_label,
                    "model_version": cell.model_version,
                    "sha256": cell.sha256,
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
