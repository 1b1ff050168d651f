"""research.smear_check: the margins report names what the route does and the images under the
stain check's margin."""

from PIL import Image

from research.smear_check.study import margins_by_folder
from tests.ml.serving.conftest import FIXTURES
from tests.shipped import require_shipped_detector


def test_the_report_counts_smears_as_stained_and_the_grey_photo_under_the_margin(tmp_path):
    require_shipped_detector()
    smears, photos = tmp_path / "smears", tmp_path / "photos"
    smears.mkdir(), photos.mkdir()
    for path in sorted((FIXTURES / "images").glob("neutrophil/*.jp*g"))[:3]:
        Image.open(path).save(smears / path.name)
    Image.open(FIXTURES / "nonblood" / "coins_grey.jpg").save(photos / "coins.png")

    report = margins_by_folder([smears, photos], limit=10)

    assert report[str(smears)]["under_min_green_margin"] == 0
    assert report[str(smears)]["margin_p90"]["min"] > 0.02
    assert report[str(photos)]["kinds"] == {"cell": 0, "field": 0, "none": 1}
    assert report[str(photos)]["under_examples"] == ["coins.png"]
