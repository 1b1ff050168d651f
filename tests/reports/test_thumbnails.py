"""reports.thumbnails: the PDF's inline thumbnails, only of images kept with consent."""

from classifier.models import CellImage
from reports.thumbnails import thumbnail_data_uri
from tests.review.helpers import add_image


def test_a_consented_image_gets_a_thumbnail(case):
    image = add_image(case, "neutrophil", retained=True)
    assert thumbnail_data_uri(image).startswith("data:image/png;base64,")


def test_an_image_kept_only_for_the_review_gets_none(case):
    image = add_image(case, "neutrophil", retained=True)
    CellImage.objects.filter(pk=image.pk).update(consent_retain=False)
    image.refresh_from_db()
    assert image.has_file and thumbnail_data_uri(image) is None


def test_a_deleted_file_gets_none(case):
    image = add_image(case, "neutrophil", retained=False)
    assert thumbnail_data_uri(image) is None
