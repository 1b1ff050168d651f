"""manage.py profilepath: the upload -> result path timed in one process, leaving nothing."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from accounts.models import ApiToken, Lab, User
from classifier.models import Case, CellImage
from tests.classifier.conftest import FIXTURE_IMAGES, files_under

pytestmark = pytest.mark.django_db


def profile(**options) -> dict:
    out = io.StringIO()
    call_command("profilepath", image_dir=FIXTURE_IMAGES, json=True, stdout=out, **options)
    return json.loads(out.getvalue())


def test_it_times_each_part_and_splits_them_into_stages(
    shipped_detector, fake_model, model_version, media_root
):
    report = profile(images=6)

    assert report["images"] == 2
    assert set(report["cpu_ms_per_image"]) == {"upload", "classify", "poll"}
    assert all(ms > 0 for ms in report["cpu_ms_per_image"].values())
    classify = report["profiled_ms_per_image"]["classify"]
    assert classify["decode + cell finder"] > 0
    assert classify["claim (UPDATE, then SELECT)"] > 0
    assert sum(report["routes"].values()) == 6


def test_it_leaves_nothing_behind(shipped_detector, fake_model, model_version, media_root):
    labs, users = Lab.objects.count(), User.objects.count()

    profile(images=6)

    assert (Lab.objects.count(), User.objects.count()) == (labs, users)
    assert not Case.objects.exists()
    assert not CellImage.objects.exists()
    assert not ApiToken.objects.exists()
    assert files_under(media_root) == []


def test_it_needs_an_active_model(media_root):
    with pytest.raises(CommandError, match="no model version is active"):
        profile(images=6)


def test_it_needs_enough_images(model_version, media_root):
    with pytest.raises(CommandError, match="at least 6 images"):
        profile(images=4)


def test_a_refused_upload_stops_it_with_a_message_and_nothing_left(
    shipped_detector, fake_model, model_version, media_root, tmp_path
):
    folder = tmp_path / "cells"
    folder.mkdir()
    sources = sorted(FIXTURE_IMAGES.rglob("*.jpg"))[:5]
    for index, source in enumerate(sources):
        (folder / f"{index}.jpg").write_bytes(source.read_bytes())
    (folder / "5.jpg").write_bytes(sources[0].read_bytes())  # the same file twice: refused

    with pytest.raises(CommandError, match="upload refused"):
        call_command("profilepath", image_dir=folder, images=6, json=True, stdout=io.StringIO())

    assert not CellImage.objects.exists()
    assert files_under(media_root) == []
