"""classifier.registry with a real (tiny) bundle: check, register, unpack uploaded zips; and a
real classification through the task with LiteRT."""

import io
import shutil
import zipfile
from pathlib import Path

import pytest

from classifier import inference, registry, tasks
from classifier.models import CellImage, ModelVersion

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def zip_of(folder: Path, prefix: str = "tiny/", extra: dict | None = None) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, prefix + path.name)
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    buffer.seek(0)
    return buffer


def test_inspect_reads_the_bundle_and_runs_the_smoke_images(tiny_bundle):
    checked = registry.inspect_bundle(tiny_bundle)
    assert checked.labels[0] == "basophil" and len(checked.labels) == 8
    assert checked.input_spec["size"] == 64
    assert 0 < checked.confidence_threshold <= 1
    assert checked.metadata["name"] == "tiny"
    assert len(registry.smoke_image_paths()) >= 2


def test_a_corrupt_model_file_is_refused(tiny_bundle, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_bundle, broken)
    (broken / "model.tflite").write_bytes(b"not a model")
    with pytest.raises(registry.ModelBundleInvalid, match="corrupt"):
        registry.inspect_bundle(broken)


def test_register_by_path_copies_what_the_bundle_says(tiny_bundle):
    version = registry.register_bundle(None, str(tiny_bundle), activate=True)
    assert version.name == "tiny"
    assert version.bundle_path == str(tiny_bundle.resolve())
    assert version.labels == registry.inspect_bundle(tiny_bundle).labels
    assert version.is_active and not version.uploaded


def test_an_unknown_path_is_refused(db):
    with pytest.raises(registry.ModelBundleInvalid, match="no model bundle"):
        registry.register_bundle("x", "/nowhere/at/all")
    assert not ModelVersion.objects.exists()


def test_an_uploaded_zip_is_unpacked_checked_and_installed(tiny_bundle, media_root):
    bundle_dir = registry.extract_archive(zip_of(tiny_bundle))
    checked = registry.inspect_bundle(bundle_dir)
    version = ModelVersion(name="zipped")
    registry.apply_checked_bundle(version, checked)
    registry.install_uploaded_bundle(version, checked)
    version.save()
    assert version.bundle_dir == media_root / "models" / str(version.public_id)
    assert (version.bundle_dir / "bundle.json").is_file()
    assert [p.name for p in (media_root / "models").iterdir()] == [str(version.public_id)]
    assert registry.inspect_bundle(version.bundle_dir).labels == version.labels


@pytest.mark.parametrize(
    ("extra", "reason"),
    [({"../escape.txt": "x"}, "unsafe path"), ({"/etc/evil": "x"}, "unsafe path")],
)
def test_a_zip_with_unsafe_paths_is_refused_and_leaves_nothing(
    extra, reason, tiny_bundle, media_root
):
    with pytest.raises(registry.ModelBundleInvalid, match=reason):
        registry.extract_archive(zip_of(tiny_bundle, extra=extra))
    assert list((media_root / "models").iterdir()) == []


def test_a_zip_without_a_bundle_is_refused(media_root):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(registry.ModelBundleInvalid, match="bundle.json"):
        registry.extract_archive(buffer)
    assert list((media_root / "models").iterdir()) == []


def test_not_a_zip_is_refused(media_root):
    with pytest.raises(registry.ModelBundleInvalid, match="zip"):
        registry.extract_archive(io.BytesIO(b"plain bytes"))


def test_a_real_model_classifies_an_upload(tiny_bundle, case, store_image):
    version = registry.register_bundle(None, str(tiny_bundle), activate=True)
    inference.clear_cache()
    image = store_image(case)

    assert tasks.classify_image(image.pk) == "done"

    image.refresh_from_db()
    assert image.status == CellImage.Status.DONE
    assert image.prediction.label in version.labels
    assert sum(image.prediction.probabilities.values()) == pytest.approx(1.0, abs=1e-4)
    assert image.prediction.unidentified == (
        image.prediction.confidence < version.confidence_threshold
    )
    assert image.has_file  # kept for the review until the case is signed off
    inference.clear_cache()
