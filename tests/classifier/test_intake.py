"""classifier.intake: content validation, storage under a random name, queueing."""

import datetime
import io
import struct
import zlib
from unittest import mock

import pytest
from PIL import Image, ImageFile

from classifier import intake
from classifier.models import Case, CellImage
from tests.classifier.conftest import files_under, fixture_jpeg, image_bytes, upload

pytestmark = pytest.mark.django_db


def png_declaring_size(width: int, height: int) -> bytes:
    """A tiny, valid-looking PNG whose header claims a huge size (a pixel bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def assert_nothing_stored(media_root, case):
    assert files_under(media_root) == []
    assert CellImage.objects.count() == 0
    case.refresh_from_db()
    assert case.status == Case.Status.DRAFT


REFUSED = {
    "not_an_image": (b"Hello, this is a text file.\n" * 10, "only JPEG, PNG, TIFF and BMP"),
    "truncated_jpeg": (fixture_jpeg()[: len(fixture_jpeg()) // 2], "damaged or incomplete"),
    "renamed_executable": (
        b"MZ\x90\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode",
        "only JPEG",
    ),
    "elf_executable": (b"\x7fELF\x02\x01\x01" + b"\x00" * 300, "only JPEG"),
    "zero_bytes": (b"", "empty"),
    "gif": (image_bytes("GIF"), "only JPEG"),
    "pixel_bomb": (png_declaring_size(100_000, 100_000), "pixels"),
}


@pytest.mark.parametrize("kind", sorted(REFUSED))
def test_it_refuses_and_stores_nothing(kind, case, media_root, django_capture_on_commit_callbacks):
    content, reason = REFUSED[kind]
    with (
        mock.patch("classifier.tasks.classify_image.delay") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        with pytest.raises(intake.UploadRefused, match=reason):
            intake.accept_upload(case, upload("cell.jpg", content), consent_retain=False, user=None)
    queued.assert_not_called()
    assert_nothing_stored(media_root, case)


def test_it_refuses_a_file_over_the_byte_cap(case, media_root, settings):
    settings.UPLOAD_MAX_BYTES = 1000
    with pytest.raises(intake.UploadRefused, match="larger than"):
        intake.accept_upload(case, upload(), consent_retain=False, user=None)
    assert_nothing_stored(media_root, case)


def test_it_refuses_an_image_over_the_pixel_cap(case, media_root, settings):
    settings.UPLOAD_MAX_PIXELS = 32 * 24 - 1
    with pytest.raises(intake.UploadRefused, match="pixels"):
        intake.accept_upload(case, upload("a.png", image_bytes()), consent_retain=False, user=None)
    assert_nothing_stored(media_root, case)


def test_it_turns_a_pillow_bomb_warning_into_a_refusal(case, media_root, settings, monkeypatch):
    settings.UPLOAD_MAX_PIXELS = 10**9  # our cap allows it; Pillow's own limit does not
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(intake.UploadRefused, match="pixels"):
        intake.accept_upload(case, upload("a.png", image_bytes()), consent_retain=False, user=None)
    assert_nothing_stored(media_root, case)


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "TIFF", "BMP"])
def test_it_accepts_each_allowed_format_whatever_its_name(
    image_format, case, media_root, django_capture_on_commit_callbacks
):
    content = image_bytes(image_format)
    with (
        mock.patch("classifier.tasks.classify_image.delay") as queued,
        django_capture_on_commit_callbacks(execute=True),
    ):
        image = intake.accept_upload(
            case,
            upload("misleading.exe", content, "application/x-msdownload"),
            consent_retain=False,
            user=None,
        )
    queued.assert_called_once_with(image.pk)
    assert image.image_format == image_format
    assert (image.width, image.height) == (32, 24)
    assert image.size_bytes == len(content)
    assert image.path.read_bytes() == content
    assert image.path.suffix == "." + intake.ALLOWED_FORMATS[image_format]


def test_it_stores_under_a_random_name_with_a_checksum(case, media_root):
    image = intake.accept_upload(
        case, upload("../../etc/Patient Smith.jpg"), consent_retain=False, user=None
    )
    image.refresh_from_db()
    assert image.original_name == "Patient Smith.jpg"
    assert "Smith" not in image.file.name
    assert image.file.name.startswith("images/")
    assert image.path.is_relative_to(media_root)
    import hashlib

    assert image.sha256 == hashlib.sha256(fixture_jpeg()).hexdigest()
    assert image.status == CellImage.Status.QUEUED
    assert [p.name for p in files_under(media_root)] == [image.path.name]  # no temporary left


def test_it_moves_the_case_to_processing(case):
    intake.accept_upload(case, upload(), consent_retain=False, user=None)
    case.refresh_from_db()
    assert case.status == Case.Status.PROCESSING


def test_consent_sets_the_retention_deadline(case, lab_a):
    lab_a.retention_days = 10
    lab_a.save()
    case.refresh_from_db()
    image = intake.accept_upload(case, upload(), consent_retain=True, user=None)
    assert image.consent_retain
    # Counted from the upload (the deadline is set in the same INSERT, a moment before `created`).
    assert abs(image.retain_until - image.created - datetime.timedelta(days=10)).total_seconds() < 1


def test_without_consent_the_deadline_is_the_labs_longest_wait_for_sign_off(case, lab_a):
    lab_a.unsigned_max_days = 5
    lab_a.save()
    case.refresh_from_db()
    image = intake.accept_upload(case, upload(), consent_retain=False, user=None)
    assert not image.consent_retain
    assert abs(image.retain_until - image.created - datetime.timedelta(days=5)).total_seconds() < 1


def test_it_refuses_images_for_a_signed_case(case, media_root):
    Case.objects.filter(pk=case.pk).update(status=Case.Status.SIGNED)
    case.refresh_from_db()
    with pytest.raises(intake.UploadRefused, match="signed"):
        intake.accept_upload(case, upload(), consent_retain=False, user=None)
    assert files_under(media_root) == []


def test_a_failing_row_leaves_no_file(case, media_root):
    with mock.patch.object(CellImage, "save", side_effect=RuntimeError("db down")):
        with pytest.raises(RuntimeError):
            intake.accept_upload(case, upload(), consent_retain=False, user=None)
    assert files_under(media_root) == []


def test_a_batch_takes_the_good_and_names_the_bad(case, media_root):
    good = [upload("one.jpg"), upload("two.png", image_bytes())]
    bad = upload("notes.txt", b"plain text, not an image")
    result = intake.accept_uploads(case, [good[0], bad, good[1]], consent_retain=False, user=None)
    assert [image.original_name for image in result.accepted] == ["one.jpg", "two.png"]
    assert [(r.name, "JPEG" in r.reason) for r in result.refused] == [("notes.txt", True)]
    assert len(files_under(media_root)) == 2
    assert CellImage.objects.count() == 2


def test_a_file_already_in_the_case_is_refused_and_leaves_nothing(case, media_root):
    first = intake.accept_upload(case, upload("a.jpg"), consent_retain=False, user=None)

    with pytest.raises(intake.UploadRefused, match=r"already in the case \(as a.jpg\)"):
        intake.accept_upload(case, upload("b.jpg"), consent_retain=False, user=None)

    assert list(CellImage.objects.all()) == [first]
    assert files_under(media_root) == [first.path]


def test_the_same_file_is_accepted_in_another_case(case, lab_a, media_root):
    from tests.factories import CaseFactory

    intake.accept_upload(case, upload(), consent_retain=False, user=None)
    other = CaseFactory(lab=lab_a, accession="ACC-2")
    intake.accept_upload(other, upload(), consent_retain=False, user=None)
    assert CellImage.objects.count() == 2


def test_a_batch_counts_a_repeated_file_once(case, media_root):
    result = intake.accept_uploads(
        case, [upload("a.jpg"), upload("copy.jpg")], consent_retain=False, user=None
    )
    assert [image.original_name for image in result.accepted] == ["a.jpg"]
    assert [refusal.name for refusal in result.refused] == ["copy.jpg"]


def test_check_upload_rewinds_the_file():
    uploaded = upload()
    intake.check_upload(uploaded)
    assert uploaded.read() == fixture_jpeg()


def test_a_loaded_image_is_a_real_decode():
    # The truncated JPEG passes Pillow's verify(), so the full load is what catches it.
    truncated = fixture_jpeg()[:2000]
    with Image.open(io.BytesIO(truncated)) as image:
        image.verify()
    with pytest.raises(intake.UploadRefused):
        intake.check_upload(upload("t.jpg", truncated))


def test_a_truncated_jpeg_is_refused_even_when_pillow_is_told_to_pad_it(monkeypatch):
    # WeasyPrint sets this process-wide flag when the reports app imports it.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(intake.UploadRefused, match="damaged"):
        intake.check_upload(upload("t.jpg", fixture_jpeg()[:3000]))
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # restored for the others
