"""ml/serving/appearance.py: the descriptors of a model input, their summary, and the comparison."""

import numpy as np
import pytest

from ml.serving import appearance
from ml.serving.classifier import load_classifier
from ml.training.data import list_images
from tests.ml.conftest import FIXTURE_IMAGES


def _cell(background, stain, stained_side):
    """A 64x64 image: a uniform background with a square of `stain` colour in the middle."""
    image = np.full((64, 64, 3), background, dtype=np.float32)
    start = (64 - stained_side) // 2
    image[start : start + stained_side, start : start + stained_side] = stain
    return image


def test_the_descriptors_measure_what_they_name():
    pale = appearance.describe(_cell((230, 220, 225), (150, 90, 200), 16))
    dark = appearance.describe(_cell((200, 190, 195), (90, 30, 140), 32))

    assert pale["background_brightness"] == pytest.approx(225)
    assert pale["stain_darkness"] == pytest.approx(440 / 3)
    assert pale["stain_red_minus_blue"] == pytest.approx(-50)
    assert pale["stained_share"] == pytest.approx(16 * 16 / 64**2)
    assert dark["stain_darkness"] < pale["stain_darkness"]
    assert dark["background_brightness"] < pale["background_brightness"]
    assert dark["stained_share"] == pytest.approx(4 * pale["stained_share"])


def test_an_image_without_stain_still_gets_all_four():
    blank = appearance.describe(np.full((32, 32, 3), 240.0, dtype=np.float32))
    assert set(blank) == set(appearance.DESCRIPTORS)
    assert blank["stained_share"] == 0.0 and blank["background_brightness"] == 240.0


def test_a_lab_median_outside_the_training_range_is_named():
    training = [
        appearance.describe(_cell((230, 220, 225), (150, 90, 200), s)) for s in range(8, 40)
    ]
    summary = appearance.summarise(training)
    assert summary["n"] == 32
    assert summary["quantiles"]["stained_share"]["0.5"] == pytest.approx(
        float(np.median([d["stained_share"] for d in training])), abs=1e-4
    )

    alike = appearance.medians(training[10:20])
    larger = appearance.medians([appearance.describe(_cell((230, 220, 225), (150, 90, 200), 60))])

    assert appearance.outside_reference(alike, summary) == []
    [row] = appearance.outside_reference(larger, summary)
    assert row["descriptor"] == "stained_share" and row["median"] > row["high"]


def test_the_window_flag_rate_separates_alike_from_unlike_images():
    rng = np.random.default_rng(0)
    training = [
        appearance.describe(_cell((230, 220, 225), (150, 90, 200), int(s)))
        for s in rng.integers(10, 30, 200)
    ]
    summary = appearance.summarise(training)
    unlike = [appearance.describe(_cell((180, 170, 175), (150, 90, 200), 50))] * 60

    assert appearance.window_flag_rate(training, summary, window=20, trials=50) == 0.0
    assert appearance.window_flag_rate(unlike, summary, window=20, trials=50) == 1.0


def test_serving_returns_the_appearance_with_each_prediction(tiny_bundle):
    from PIL import Image

    classifier = load_classifier(tiny_bundle)
    path = list_images(FIXTURE_IMAGES / "neutrophil")[0]
    [prediction] = classifier.predict([Image.open(path)])

    assert set(prediction.appearance) == set(appearance.DESCRIPTORS)
    expected = appearance.describe(classifier.model_input([Image.open(path)])[0])
    assert prediction.appearance == expected
