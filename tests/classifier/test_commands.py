"""Management commands: register_default_model and reconcile_media."""

import io
import os
import time

import pytest
from django.core.management import CommandError, call_command

from classifier.models import ModelVersion
from review.models import Heatmap
from tests.classifier.conftest import files_under
from tests.factories import CellImageFactory, ModelVersionFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def age(path, seconds=7200):
    old = time.time() - seconds
    os.utime(path, (old, old))


@pytest.mark.slow
def test_register_default_model_registers_and_activates_once(tiny_bundle, settings):
    settings.DEFAULT_MODEL_NAME = str(tiny_bundle)
    assert "Registered and activated tiny" in run("register_default_model")
    assert "nothing to do" in run("register_default_model")
    version = ModelVersion.objects.get()
    assert version.is_active and version.name == "tiny"


@pytest.mark.slow
def test_a_shipped_bundle_changed_on_disk_refreshes_its_version(tiny_bundle, tmp_path, settings):
    import json
    import shutil

    from audit.models import AuditEvent

    bundle = tmp_path / "tiny"
    shutil.copytree(tiny_bundle, bundle)
    settings.DEFAULT_MODEL_NAME = str(bundle)
    run("register_default_model")
    assert "Refreshed" not in run("register_default_model")  # unchanged: nothing to refresh
    # A release changes the bundle's calibration in place (same weights).
    metadata = json.loads((bundle / "bundle.json").read_text())
    metadata["confidence_threshold"] = 0.77
    (bundle / "bundle.json").write_text(json.dumps(metadata))

    assert "Refreshed tiny" in run("register_default_model")

    version = ModelVersion.objects.get()
    assert version.confidence_threshold == 0.77 and version.metadata["confidence_threshold"] == 0.77
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MODEL_VERSION_CHANGED).count() == 2


def test_register_default_model_does_nothing_when_a_version_exists(db):
    ModelVersionFactory(name="mine", is_active=False)
    assert "nothing to do" in run("register_default_model", "--bundle", "/nowhere")
    assert ModelVersion.objects.count() == 1


def test_register_default_model_fails_loudly_without_a_bundle(db):
    with pytest.raises(CommandError, match="no model bundle"):
        run("register_default_model", "--bundle", "/nowhere")


def test_the_shipped_default_bundle_registers(db):
    run("register_default_model")
    version = ModelVersion.objects.get()
    assert version.bundle_path == "pbc8" and version.is_active


def test_reconcile_lists_orphans_and_keeps_known_files(case, store_image, media_root):
    kept = store_image(case, consent_retain=True)
    orphan = media_root / "images" / "2020" / "01" / "lost.jpg"
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"x")
    partial = media_root / "images" / "2020" / "01" / ".abc.jpg.part"
    partial.write_bytes(b"x")
    stale_model = media_root / "models" / ".incoming-dead"
    stale_model.mkdir(parents=True)
    for path in (orphan, partial, stale_model, kept.path):
        age(path)

    output = run("reconcile_media")

    assert f"orphan: {orphan}" in output
    assert f"orphan: {partial}" in output
    assert f"orphan: {stale_model}" in output
    assert str(kept.path) not in output
    assert "Found 3 orphan(s)." in output
    assert orphan.exists()  # listing deletes nothing


def test_reconcile_delete_removes_only_orphans(case, store_image, media_root):
    kept = store_image(case, consent_retain=True)
    orphan = kept.path.with_name("orphan.png")
    orphan.write_bytes(b"x")
    age(orphan)
    uploaded = ModelVersionFactory(name="zip")  # an uploaded version owns models/<public_id>/
    uploaded.bundle_dir.mkdir(parents=True)
    age(uploaded.bundle_dir)

    output = run("reconcile_media", "--delete")

    assert "Deleted 1 orphan(s)." in output
    assert files_under(media_root / "images") == [kept.path]
    assert uploaded.bundle_dir.is_dir()


def test_reconcile_deletes_heatmaps_that_no_row_names(case, media_root):
    image = CellImageFactory(case=case)
    named = media_root / "heatmaps" / "named.png"
    orphan = media_root / "heatmaps" / "orphan.png"
    named.parent.mkdir(parents=True)
    for path in (named, orphan):
        path.write_bytes(b"png")
        age(path)
    Heatmap.objects.create(image=image, status=Heatmap.Status.DONE, file="heatmaps/named.png")

    output = run("reconcile_media", "--delete")

    assert f"orphan: {orphan}" in output
    assert files_under(media_root / "heatmaps") == [named]


def test_reconcile_leaves_recent_files_alone(media_root, db):
    fresh = media_root / "images" / "2026" / "11" / "uploading.jpg"
    fresh.parent.mkdir(parents=True)
    fresh.write_bytes(b"x")
    assert "Deleted 0 orphan(s)." in run("reconcile_media", "--delete")
    assert fresh.exists()


def test_reconcile_reports_rows_whose_file_is_missing(case, store_image):
    image = store_image(case, consent_retain=True)
    image.path.unlink()
    assert f"missing: {image.file.name} (image {image.public_id})" in run("reconcile_media")


def test_reconcile_copes_with_an_empty_media_root(db, media_root):
    assert "Found 0 orphan(s)." in run("reconcile_media")
