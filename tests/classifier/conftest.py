"""Classifier test set-up: cases, uploads, and a fake model in place of LiteRT.

The fake classifier stands in for ml.serving.load_classifier (so tests need no trained bundle);
one module (test_registry.py) loads the real, tiny bundle of tests/conftest.py.
"""

import io
import itertools
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from classifier import inference
from ml.serving import Prediction
from tests.factories import CaseFactory, ModelVersionFactory
from tests.shipped import require_shipped_detector

FIXTURE_IMAGES = Path(__file__).resolve().parent.parent / "fixtures" / "images"
# A real BCCD smear field (one white cell) and a typed page: no blood cells.
FIELD_JPEG = FIXTURE_IMAGES.parent / "fields" / "images" / "BloodImage_00094.jpg"
TEXT_PAGE = FIXTURE_IMAGES.parent / "nonblood" / "text_page.jpg"
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
    """Answers like ml.serving.Classifier: the loader's label (the first one unless a test sets
    another), with a fixed confidence."""

    def __init__(self, bundle_dir, loader):
        self.bundle_dir = Path(bundle_dir)
        self.labels = list(LABELS)
        self.loader = loader

    def predict(self, images):
        # Read at each call, so a test can change them.
        confidence, answer = self.loader.confidence, self.loader.label or self.labels[0]
        rest = (1.0 - confidence) / (len(self.labels) - 1)
        probabilities = {label: rest for label in self.labels}
        probabilities[answer] = confidence
        looks = {"background_brightness": 215.0, "stained_share": 0.1}
        return [Prediction(answer, confidence, probabilities, looks) for _ in images]


@pytest.fixture
def fake_model(monkeypatch):
    """Replace the bundle loader; `loads` lists every load, `confidence` and `label` set the
    answer."""

    class Loader:
        confidence = 0.9
        label: str | None = None
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


@pytest.fixture
def model_version(db):
    return ModelVersionFactory(name="fake-v1", labels=LABELS)


@pytest.fixture
def case(lab_a, technologist):
    return CaseFactory(lab=lab_a, accession="ACC-1", created_by=technologist)


@pytest.fixture
def other_case(lab_b, outsider):
    return CaseFactory(lab=lab_b, accession="ACC-B", created_by=outsider)


@pytest.fixture
def media_root(settings) -> Path:
    return Path(settings.MEDIA_ROOT)


def distinct_jpeg(number: int) -> bytes:
    """The fixture JPEG, made a different file (checksum) by bytes after its end marker, which
    decoders ignore: a case refuses the same file twice."""
    return fixture_jpeg() + b"\0" * number


@pytest.fixture
def store_image(technologist):
    """Upload through intake (as the technologist); the queued task is not run. Each call
    stores a different file (the first one the fixture JPEG itself) unless given `content`."""
    from classifier import intake

    stored = itertools.count()

    def store(case, consent_retain: bool = False, content: bytes | None = None, name="cell.jpg"):
        content = distinct_jpeg(next(stored)) if content is None else content
        return intake.accept_upload(
            case, upload(name, content), consent_retain=consent_retain, user=technologist
        )

    return store


@pytest.fixture
def shipped_detector():
    """The cell finder of every upload: the real shipped bundle (the classifier stays fake)."""
    require_shipped_detector()


@pytest.fixture
def field(shipped_detector, case, store_image, fake_model, model_version):
    """FIELD_JPEG uploaded with consent and run through the real classify task."""
    from classifier import tasks

    image = store_image(case, consent_retain=True, content=FIELD_JPEG.read_bytes(), name="f.jpg")
    assert tasks.classify_image(image.pk) == "done"
    image.refresh_from_db()
    return image
