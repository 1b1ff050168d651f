"""Cases with classified images for the review and report tests, built straight in the database.

`add_image` stores a real fixture JPEG under MEDIA_ROOT when the image is retained (consent), and
leaves the file name empty otherwise, as the classifier does after predicting.
"""

import datetime
import hashlib
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from classifier.models import Case, CellImage, ModelVersion
from tests.factories import CaseFactory, CellImageFactory, ModelVersionFactory, PredictionFactory

FIXTURE_IMAGES = Path(__file__).resolve().parent.parent / "fixtures" / "images"
LABELS = ["lymphocyte", "monocyte", "neutrophil", "platelet"]
FIXTURE_FILES = {
    "lymphocyte": FIXTURE_IMAGES / "lymphocyte" / "pbc_LY_102859.jpg",
    "monocyte": FIXTURE_IMAGES / "monocyte" / "pbc_MO_100695.jpg",
    "neutrophil": FIXTURE_IMAGES / "neutrophil" / "pbc_BNE_100878.jpg",
    "platelet": FIXTURE_IMAGES / "platelet" / "pbc_PLATELET_100161.jpg",
}


def make_version(name: str = "pbc-test", labels=None, threshold: float = 0.5) -> ModelVersion:
    """A version with the review tests' four classes; active unless another one already is."""
    return ModelVersionFactory(
        name=name,
        labels=list(labels or LABELS),
        confidence_threshold=threshold,
        is_active=not ModelVersion.objects.filter(is_active=True).exists(),
    )


def make_case(lab, accession: str = "ACC-1", **fields) -> Case:
    """A case awaiting review, with the pseudonymous reference the report tests look for."""
    fields.setdefault("patient_ref", "PSEUDO-0042")
    fields.setdefault("status", Case.Status.AWAITING_REVIEW)
    return CaseFactory(lab=lab, accession=accession, **fields)


def add_image(
    case: Case,
    label: str = "neutrophil",
    confidence: float = 0.9,
    retained: bool = False,
    version: ModelVersion | None = None,
    source: Path | None = None,
) -> CellImage:
    """A classified (done) image of `case`; with `retained` its file is stored under MEDIA_ROOT."""
    version = version or ModelVersion.objects.get(is_active=True)
    source = source or FIXTURE_FILES.get(label, FIXTURE_FILES["neutrophil"])
    content = source.read_bytes()
    name = ""
    if retained:
        name = f"images/test/{uuid.uuid4().hex}.jpg"
        path = Path(settings.MEDIA_ROOT) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    image = CellImageFactory(
        case=case,
        file=name,
        original_name=source.name,
        sha256=hashlib.sha256(content + uuid.uuid4().bytes).hexdigest(),
        size_bytes=len(content),
        consent_retain=retained,
        retain_until=timezone.now() + datetime.timedelta(days=30) if retained else None,
    )
    PredictionFactory(image=image, label=label, confidence=confidence, model_version=version)
    return image


def classified_case(lab, labels: list[str], accession: str = "ACC-1", retained=False) -> Case:
    case = make_case(lab, accession)
    for label in labels:
        add_image(case, label, retained=retained)
    return case


def add_field(
    case: Case,
    white_cells: list[str] = (),
    red_cells: int = 40,
    platelets: int = 12,
    status: str = CellImage.Status.DONE,
    version: ModelVersion | None = None,
) -> CellImage:
    """A smear field of `case`, as the cell finder leaves one: its counts and boxes, and each
    white cell as a child image (kind cell, `field` set, its box) classified as `white_cells`
    says. The field itself has no prediction."""
    version = version or ModelVersion.objects.get(is_active=True)
    boxes = [[10 + 60 * index, 10, 60 + 60 * index, 60] for index in range(len(white_cells))]
    field = CellImageFactory(
        case=case,
        kind=CellImage.Kind.FIELD,
        status=status,
        original_name=f"field-{uuid.uuid4().hex[:6]}.jpg",
        width=640,
        height=480,
        counts={"wbc": len(white_cells), "rbc": red_cells, "platelet": platelets},
        detections=[{"kind": "wbc", "box": box, "score": 0.97} for box in boxes],
    )
    if status != CellImage.Status.DONE:
        return field
    for label, box in zip(white_cells, boxes, strict=True):
        cell = CellImageFactory(
            case=case, kind=CellImage.Kind.CELL, field=field, box=box, width=96, height=96
        )
        PredictionFactory(image=cell, label=label, confidence=0.9, model_version=version)
    return field
