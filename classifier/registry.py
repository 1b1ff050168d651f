"""Registering model versions: check that a bundle loads and predicts before it is saved.

    inspect_bundle(dir)          load it, read labels/input/threshold, predict the smoke images
    extract_archive(zip_file)    unpack an uploaded zip safely into a new folder under MEDIA_ROOT
    register_bundle(...)         create the ModelVersion (optionally active) from a checked bundle

The smoke images ship with the app (classifier/smoke_images/), so production needs no tests/.
"""

import logging
import re
import shutil
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.utils.translation import gettext as _

from accounts.models import User
from classifier.models import ModelVersion

logger = logging.getLogger(__name__)

SMOKE_IMAGES_DIR = Path(__file__).resolve().parent / "smoke_images"
SMOKE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp")
MODELS_DIR = "models"
INCOMING_PREFIX = ".incoming-"
# An uploaded bundle holds a few model files; anything far larger is refused before unpacking.
MAX_ARCHIVE_MEMBERS = 64
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024


class ModelBundleInvalid(Exception):
    """The bundle cannot be used: the message says why, for the admin who registered it."""


@dataclass(frozen=True)
class CheckedBundle:
    bundle_dir: Path
    labels: list[str]
    input_spec: dict
    confidence_threshold: float
    metadata: dict


def smoke_image_paths() -> list[Path]:
    return sorted(p for p in SMOKE_IMAGES_DIR.iterdir() if p.suffix.lower() in SMOKE_SUFFIXES)


def inspect_bundle(bundle_dir: str | Path) -> CheckedBundle:
    """Load the bundle and classify the smoke images; ModelBundleInvalid if anything fails."""
    from ml.serving import BundleError, ImageDecodeError, load_classifier

    try:
        classifier = load_classifier(bundle_dir)
        predictions = classifier.predict_paths(smoke_image_paths())
    except (BundleError, ImageDecodeError, OSError, ValueError, RuntimeError) as error:
        raise ModelBundleInvalid(str(error)) from error
    for prediction in predictions:
        total = sum(prediction.probabilities.values())
        if prediction.label not in classifier.labels or abs(total - 1.0) > 1e-3:
            raise ModelBundleInvalid(_("the smoke prediction gave nonsense: %s") % (prediction,))
    return CheckedBundle(
        bundle_dir=Path(classifier.bundle_dir),
        labels=list(classifier.labels),
        input_spec=dict(classifier.metadata["input"]),
        confidence_threshold=classifier.confidence_threshold,
        metadata=dict(classifier.metadata),
    )


def inspect_extracted_bundle(bundle_dir: Path) -> CheckedBundle:
    """inspect_bundle for an uploaded zip: its messages name files inside the zip, never the
    server's folder it was unpacked to (MEDIA_ROOT/models/.incoming-<random>/)."""
    try:
        return inspect_bundle(bundle_dir)
    except ModelBundleInvalid as error:
        # Any spelling of the folder (relative, absolute, resolved): what follows it is a
        # path inside the zip; the folder alone is the zip.
        folder = r"\S*" + re.escape(INCOMING_PREFIX) + r"[0-9a-f]+"
        message = re.sub(folder + "/", "", str(error))
        message = re.sub(folder, str(_("the zip")), message)
        raise ModelBundleInvalid(message) from error


def stored_bundle_path(name_or_path: str) -> str:
    """What ModelVersion.bundle_path keeps: a shipped bundle's own name, or an absolute folder.

    An alias such as "default" is resolved now, so that the version keeps meaning the same
    model when the alias later points elsewhere.
    """
    from ml.serving import BUNDLES_DIR, BundleError, resolve_bundle

    try:
        bundle_dir = Path(resolve_bundle(name_or_path)).resolve()
    except BundleError as error:
        raise ModelBundleInvalid(str(error)) from error
    if bundle_dir.parent == BUNDLES_DIR.resolve():
        return bundle_dir.name
    return str(bundle_dir)


def _safe_member_path(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or "\\" in name:
        raise ModelBundleInvalid(_("the zip holds an unsafe path: %s") % name)
    return path


def extract_archive(archive) -> Path:
    """Unpack an uploaded zip into a new folder MEDIA_ROOT/models/.incoming-<random>/.

    Returns the bundle folder inside it (the zip may hold the bundle at its top or in one
    folder). Refuses links, unsafe paths and oversized contents; the caller removes the folder.
    """
    incoming = Path(settings.MEDIA_ROOT) / MODELS_DIR / f"{INCOMING_PREFIX}{uuid.uuid4().hex}"
    incoming.mkdir(parents=True)
    try:
        _unpack(archive, incoming)
        return _find_bundle_root(incoming)
    except BaseException:
        shutil.rmtree(incoming, ignore_errors=True)
        raise


def _unpack(archive, target: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as bundle_zip:
            members = [m for m in bundle_zip.infolist() if not m.is_dir()]
            if len(members) > MAX_ARCHIVE_MEMBERS:
                raise ModelBundleInvalid(_("the zip holds too many files"))
            if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
                raise ModelBundleInvalid(_("the zip unpacks to more than 1 GB"))
            for member in members:
                if (member.external_attr >> 16) & 0o170000 == 0o120000:
                    raise ModelBundleInvalid(_("the zip holds a symbolic link"))
                destination = target / _safe_member_path(member.filename)
                destination.parent.mkdir(parents=True, exist_ok=True)
                with bundle_zip.open(member) as source, open(destination, "wb") as out:
                    shutil.copyfileobj(source, out)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as error:
        raise ModelBundleInvalid(_("not a readable zip file: %s") % error) from error


def _find_bundle_root(folder: Path) -> Path:
    if (folder / "bundle.json").is_file():
        return folder
    candidates = [p.parent for p in folder.glob("*/bundle.json")]
    if len(candidates) != 1:
        raise ModelBundleInvalid(_("the zip holds no bundle.json (or more than one)"))
    return candidates[0]


def register_bundle(
    name: str | None,
    bundle_path: str,
    *,
    activate: bool = False,
    notes: str = "",
    user: User | None = None,
) -> ModelVersion:
    """Check a bundle given by shipped name or folder, then save it as a ModelVersion.

    Without a name, the version is named after the bundle (bundle.json's "name").
    """
    stored = stored_bundle_path(bundle_path)
    checked = inspect_bundle(ModelVersion(bundle_path=stored).bundle_dir)
    version = ModelVersion(
        name=(name or checked.metadata["name"])[:100],
        bundle_path=stored,
        notes=notes,
        created_by=user,
    )
    apply_checked_bundle(version, checked)
    version.is_active = activate
    version.save()
    return version


def refresh_changed_shipped_versions() -> list[ModelVersion]:
    """Re-read the versions of shipped bundles whose bundle.json changed since registration.

    A shipped bundle is updated in place by a new release (a new temperature, threshold or
    test-time augmentation for the same weights). The version row keeps the threshold it was
    registered with, which would then no longer match the calibration the worker applies, so
    it is re-checked and brought up to date. Uploaded bundles never change on disk.
    """
    from ml.serving import BundleError, read_bundle_metadata

    refreshed = []
    for version in ModelVersion.objects.filter(uploaded=False).exclude(bundle_path=""):
        try:
            # Reading bundle.json is cheap; the full check (load, smoke images) only on a change.
            if read_bundle_metadata(version.bundle_dir, verify_files=()) == version.metadata:
                continue
            checked = inspect_bundle(version.bundle_dir)
        except (ModelBundleInvalid, BundleError):
            continue  # a broken or missing bundle shows in the admin's check, not here
        apply_checked_bundle(version, checked)
        version.save()
        refreshed.append(version)
    return refreshed


def apply_checked_bundle(version: ModelVersion, checked: CheckedBundle) -> None:
    version.labels = checked.labels
    version.input_spec = checked.input_spec
    version.confidence_threshold = checked.confidence_threshold
    version.metadata = checked.metadata


def _incoming_folder(bundle_dir: Path) -> Path:
    """The .incoming-<random> folder that extract_archive made (the bundle may be inside it)."""
    models_root = Path(settings.MEDIA_ROOT) / MODELS_DIR
    return models_root / bundle_dir.relative_to(models_root).parts[0]


def discard_extracted(bundle_dir: Path) -> None:
    shutil.rmtree(_incoming_folder(bundle_dir), ignore_errors=True)


def install_uploaded_bundle(version: ModelVersion, checked: CheckedBundle) -> None:
    """Move an extracted, checked bundle to MEDIA_ROOT/models/<public_id>/ for a new version."""
    target = Path(settings.MEDIA_ROOT) / MODELS_DIR / str(version.public_id)
    incoming = _incoming_folder(checked.bundle_dir)
    checked.bundle_dir.rename(target)
    shutil.rmtree(incoming, ignore_errors=True)
    version.uploaded = True
    version.bundle_path = ""
