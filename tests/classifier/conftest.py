"""Classifier test set-up: cases, uploads, and a fake model in place of LiteRT.

The fake classifier stands in for ml.serving.load_classifier (so tests need no trained bundle);
one module (test_registry.py) loads the real, tiny bundle of tests/conftest.py.
"""

import io
import uuid
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from classifier import inference
from classifier.models import Case, ModelVersion
from ml.serving import Prediction

FIXTURE_IMAGES = Path(__file__).resolve().parent.parent / "fixtures" / "images"
LABELS = ["lymphocyte", "neutrophil", "platelet"]


def fixture_jpeg() -> bytes:
    return (FIXTURE_IMAGES / "neutrophil" / "pbc_BNE_100878.jpg").read_bytes()


def image_bytes(image_format: str = "PNG", size: tuple[int, int] = (32, 24)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 90)).save(buffer, format=image_format)
    return buffer.getvalue()


def upload(name: str = "cell.jpg", content: bytes | None = None, content_type: str = "image/jpeg"):
    return SimpleUploadedFile(
        name, fixture_jpeg() if content is None else content, content_type=content_type
    )


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


class FakeClassifier:
    """Answers like ml.serving.Classifier: the first label, with a fixed confidence."""

    def __init__(self, bundle_dir, loader):
        self.bundle_dir = Path(bundle_dir)
        self.labels = list(LABELS)
        self.loader = loader

    def predict(self, images):
        confidence = self.loader.confidence  # read at each call, so a test can change it
        rest = (1.0 - confidence) / (len(self.labels) - 1)
        probabilities = {label: rest for label in self.labels}
        probabilities[self.labels[0]] = confidence
        looks = {"background_brightness": 215.0, "stained_share": 0.1}
        return [Prediction(self.labels[0], confidence, probabilities, looks) for _ in images]


@pytest.fixture
def fake_model(monkeypatch):
    """Replace the bundle loader; `loads` lists every load, `confidence` sets the answer."""

    class Loader:
        confidence = 0.9
        loads: list[Path] = []

        def __call__(self, bundle_dir, num_threads=None):
            self.loads.append(Path(bundle_dir))
            return FakeClassifier(bundle_dir, self)

    loader = Loader()
    loader.loads = []
    monkeypatch.setattr("ml.serving.load_classifier", loader)
    inference.clear_cache()
    yield loader
    inference.clear_cache()


def make_model_version(name: str = "fake-v1", active: bool = True, threshold: float = 0.5):
    # "uploaded" versions load from MEDIA_ROOT/models/<public_id>/, which the fake never reads.
    return ModelVersion.objects.create(
        name=name,
        uploaded=True,
        labels=LABELS,
        input_spec={"size": 224, "channels": 3},
        confidence_threshold=threshold,
        metadata={"name": name},
        is_active=active,
    )


@pytest.fixture
def model_version(db):
    return make_model_version()


def make_case(lab, accession: str | None = None, **fields) -> Case:
    return Case.objects.create(
        lab=lab,
        accession=accession or f"A-{uuid.uuid4().hex[:8]}",
        patient_ref=fields.pop("patient_ref", "P-0001"),
        **fields,
    )


@pytest.fixture
def case(lab_a, technologist):
    return make_case(lab_a, "ACC-1", created_by=technologist)


@pytest.fixture
def other_case(lab_b, outsider):
    return make_case(lab_b, "ACC-B", created_by=outsider)


@pytest.fixture
def media_root(settings) -> Path:
    return Path(settings.MEDIA_ROOT)


@pytest.fixture
def store_image(technologist):
    """Upload through intake (as the technologist); the queued task is not run."""
    from classifier import intake

    def store(case, consent_retain: bool = False, content: bytes | None = None, name="cell.jpg"):
        return intake.accept_upload(
            case, upload(name, content), consent_retain=consent_retain, user=technologist
        )

    return store
