import csv

from django.core.management import call_command
from PIL import Image

from audit.models import AuditEvent
from classifier import purge
from ml.training.data import load_splits, scan_image_folder
from review import services
from review.models import Feedback
from tests.review.helpers import FIXTURE_IMAGES, add_image, make_case
from tests.shipped import require_shipped_detector


def test_it_writes_consented_corrections_as_an_image_folder_tree(
    tmp_path, lab_a, pathologist, model_version
):
    case = make_case(lab_a, "FB-1")
    corrected = [add_image(case, "neutrophil", retained=True) for _ in range(3)]
    no_consent = add_image(case, "neutrophil", retained=False)
    accepted = add_image(case, "platelet", retained=True)
    artefact = add_image(case, "lymphocyte", retained=True)
    for image in corrected + [no_consent]:
        services.review_image(image, pathologist, "monocyte")
    services.review_image(accepted, pathologist, "platelet")
    services.review_image(artefact, pathologist, "other")
    for image in corrected:
        image.purge_file()  # the upload's own file alone: the feedback copy is still kept
    out = tmp_path / "feedback-set"

    call_command("export_feedback", str(out))

    labels, items = scan_image_folder(out, ["monocyte"])
    assert labels == ["monocyte"]
    assert len(items) == 3
    assert {path.stem for path, _ in items} == {image.sha256 for image in corrected}
    # What `python -m ml train --dataset folder --data DIR` loads: a 70/15/15 split per class.
    splits = load_splits("folder", out)
    assert splits.labels == ["monocyte"]
    assert sum(len(splits.items[name]) for name in ("train", "val", "test")) == 3
    with open(out / "feedback.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["predicted_label"] for row in rows} == {"neutrophil"}
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.EXPORT_DOWNLOADED, details__export="feedback"
    ).exists()


def test_it_leaves_out_corrections_whose_copy_the_retention_purge_deleted(
    tmp_path, lab_a, pathologist, model_version
):
    case = make_case(lab_a, "FB-PURGED")
    kept, purged = add_image(case, retained=True), add_image(case, retained=True)
    for image in (kept, purged):
        services.review_image(image, pathologist, "monocyte")
    purge.purge_image_file(purged.pk, reason="retention period ended")
    out = tmp_path / "feedback-set"

    call_command("export_feedback", str(out))

    with open(out / "feedback.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["sha256"] for row in rows] == [kept.sha256]
    assert Feedback.objects.filter(sha256=purged.sha256, file="").exists()


def test_other_is_exported_only_when_asked(tmp_path, lab_a, pathologist, model_version):
    case = make_case(lab_a, "FB-2")
    services.review_image(add_image(case, "lymphocyte", retained=True), pathologist, "other")

    call_command("export_feedback", str(tmp_path / "a"))
    call_command("export_feedback", str(tmp_path / "b"), "--include-other")

    assert not (tmp_path / "a" / "other").exists()
    assert len(list((tmp_path / "b" / "other").iterdir())) == 1


def test_confirmed_reviews_join_when_asked_while_their_file_is_kept(
    tmp_path, lab_a, pathologist, model_version
):
    case = make_case(lab_a, "FB-3")
    corrected = add_image(case, "neutrophil", retained=True)
    confirmed = add_image(case, "platelet", retained=True)
    purged = add_image(case, "lymphocyte", retained=True)
    not_kept = add_image(case, "lymphocyte", retained=False)
    services.review_image(corrected, pathologist, "monocyte")
    for image in (confirmed, purged, not_kept):
        services.review_image(image, pathologist, image.prediction.label)
    purged.purge_file()  # retention ended before the export

    call_command("export_feedback", str(tmp_path / "corrections"))
    call_command("export_feedback", str(tmp_path / "reviewed"), "--accepted")

    assert scan_image_folder(tmp_path / "corrections", None)[0] == ["monocyte"]
    labels, items = scan_image_folder(tmp_path / "reviewed", None)
    assert labels == ["monocyte", "platelet"]
    assert {path.stem for path, _ in items} == {corrected.sha256, confirmed.sha256}
    with open(tmp_path / "reviewed" / "feedback.csv", newline="") as handle:
        rows = {row["label"]: row for row in csv.DictReader(handle)}
    assert rows["platelet"]["predicted_label"] == "platelet"
    assert rows["platelet"]["model_version"] == model_version.name


def test_framed_writes_each_upload_as_the_cell_finder_routes_it(
    tmp_path, lab_a, pathologist, model_version
):
    require_shipped_detector()
    kaggle_field = FIXTURE_IMAGES / "neutrophil" / "kaggle_0_1095.jpeg"  # 320x240, one WBC
    image = add_image(make_case(lab_a, "FB-F"), "neutrophil", retained=True, source=kaggle_field)
    services.review_image(image, pathologist, "neutrophil")
    out = tmp_path / "framed"

    call_command("export_feedback", str(out), "--accepted", "--framed")

    [written] = (out / "neutrophil").iterdir()
    assert written.name == f"{image.sha256}.png"
    with Image.open(written) as framed:
        assert framed.width == framed.height != 240  # the white cell's crop, not the 4:3 frame
    with open(out / "feedback.csv", newline="") as handle:
        assert [row["file"] for row in csv.DictReader(handle)] == [f"neutrophil/{written.name}"]
