"""ml.serving.test_time_views: the 8 views, their averaging, and serving with them."""

import shutil

import numpy as np
import pytest

from ml.serving import test_time_views
from ml.serving.bundle import read_bundle_metadata, write_bundle_metadata
from ml.serving.classifier import BundleError, load_classifier


def test_the_eight_views_are_the_flips_and_rotations_of_each_image():
    batch = np.arange(2 * 3 * 3 * 1, dtype=np.float32).reshape(2, 3, 3, 1)

    expanded = test_time_views.tta_views(batch, test_time_views.DIHEDRAL8)

    assert expanded.shape == (16, 3, 3, 1)
    first = {expanded[k * 2, ..., 0].tobytes() for k in range(8)}
    rotations = {np.rot90(batch[0, ..., 0], k).tobytes() for k in range(4)}
    flipped = {np.rot90(batch[0, ::-1, :, 0], k).tobytes() for k in range(4)}
    assert first == rotations | flipped  # the 8 distinct views of image 0, in slots 0, 2, ...


def test_rot4_holds_the_four_rotations_and_flip4_the_four_flips():
    batch = np.arange(9, dtype=np.float32).reshape(1, 3, 3, 1)
    image = batch[0, ..., 0]

    rotations = {
        v[..., 0].tobytes() for v in test_time_views.tta_views(batch, test_time_views.ROTATIONS4)
    }
    flips = {v[..., 0].tobytes() for v in test_time_views.tta_views(batch, test_time_views.FLIPS4)}

    assert rotations == {np.rot90(image, k).tobytes() for k in range(4)}
    assert flips == {image[r][:, c].tobytes() for r in (slice(None), slice(None, None, -1))
                     for c in (slice(None), slice(None, None, -1))}  # fmt: skip
    assert (
        test_time_views.view_count(test_time_views.ROTATIONS4)
        == test_time_views.view_count(test_time_views.FLIPS4)
        == 4
    )


def test_average_undoes_expand_for_per_image_outputs():
    batch = np.random.default_rng(0).random((3, 4, 4, 3)).astype(np.float32)
    # A fake model whose output per view is the image's mean: the same for all 8 views.
    outputs = test_time_views.expand(batch, test_time_views.DIHEDRAL8).mean(axis=(1, 2))

    averaged = test_time_views.average(outputs, test_time_views.DIHEDRAL8)

    assert averaged.shape == (3, 3)
    assert np.allclose(averaged, batch.mean(axis=(1, 2)))
    assert test_time_views.average(outputs, test_time_views.NONE) is outputs


def test_an_unknown_choice_is_an_error():
    with pytest.raises(ValueError, match="unknown test-time augmentation"):
        test_time_views.view_count("rot45")


def test_serving_averages_the_views_when_the_bundle_says_so(tiny_bundle):
    classifier = load_classifier(tiny_bundle)
    batch = np.random.default_rng(1).uniform(0, 255, (2, 64, 64, 3)).astype(np.float32)

    single = classifier.logits(batch, test_time_views.NONE)
    averaged = classifier.logits(batch, test_time_views.DIHEDRAL8)
    views = test_time_views.tta_views(batch[:1], test_time_views.DIHEDRAL8)
    by_hand = np.mean([classifier.logits(v[None], test_time_views.NONE)[0] for v in views], axis=0)

    assert averaged.shape == single.shape
    assert np.allclose(averaged[0], by_hand, atol=1e-4)
    assert not np.allclose(averaged, single)


def test_serving_refuses_an_unknown_choice_in_a_bundle(tiny_bundle, tmp_path):
    copy = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, copy)
    metadata = {**read_bundle_metadata(copy), "test_time_augmentation": "rot45"}
    write_bundle_metadata(copy, metadata, ["model.tflite", "model.keras"])

    with pytest.raises(BundleError, match="test_time_augmentation"):
        load_classifier(copy)


def test_the_views_from_a_later_one_on_are_the_tail_of_all_of_them():
    batch = np.random.default_rng(0).random((3, 8, 8, 3)).astype(np.float32)
    every = test_time_views.tta_views(batch, test_time_views.FLIPS4)
    out = np.zeros((9, 8, 8, 3), np.float32)

    test_time_views.write_views(batch, test_time_views.FLIPS4, out, first_view=1)

    np.testing.assert_array_equal(out, every[3:])
