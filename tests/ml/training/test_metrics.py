"""ml.training.metrics against hand-computed confusion matrices."""

import math

import numpy as np
import pytest

from ml.training.metrics import classification_metrics, confusion_matrix, expected_calibration_error

LABELS = ["a", "b", "c", "d"]
Y_TRUE = ["a", "a", "a", "b", "b", "c"]
Y_PRED = ["a", "a", "b", "b", "a", "c"]


def test_it_counts_rows_as_true_and_columns_as_predicted():
    matrix = confusion_matrix(Y_TRUE, Y_PRED, LABELS)

    assert matrix.tolist() == [[2, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]]


def test_it_computes_accuracy_and_per_class_scores():
    metrics = classification_metrics(Y_TRUE, Y_PRED, LABELS)

    assert metrics["accuracy"] == pytest.approx(4 / 6)
    assert metrics["per_class"]["a"] == pytest.approx(
        {"precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3, "support": 3}
    )
    assert metrics["per_class"]["b"] == pytest.approx(
        {"precision": 1 / 2, "recall": 1 / 2, "f1": 1 / 2, "support": 2}
    )
    assert metrics["per_class"]["c"] == pytest.approx(
        {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    )


def test_it_scores_a_class_with_no_support_and_no_predictions_as_zero():
    metrics = classification_metrics(Y_TRUE, Y_PRED, LABELS)

    assert metrics["per_class"]["d"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    # Macro F1 averages over every label, the empty one included.
    assert metrics["macro_f1"] == pytest.approx((2 / 3 + 1 / 2 + 1 + 0) / 4)


def test_it_scores_a_predicted_class_with_no_support_as_zero_not_nan():
    metrics = classification_metrics(["a", "a"], ["a", "b"], ["a", "b"])

    assert metrics["per_class"]["b"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert metrics["per_class"]["a"]["precision"] == 1.0
    assert metrics["per_class"]["a"]["recall"] == 0.5
    assert not any(math.isnan(v) for c in metrics["per_class"].values() for v in c.values())


def test_it_returns_plain_json_types():
    metrics = classification_metrics(Y_TRUE, Y_PRED, LABELS)

    assert type(metrics["accuracy"]) is float
    assert type(metrics["confusion_matrix"][0][0]) is int
    assert type(metrics["per_class"]["a"]["support"]) is int


def test_it_rejects_a_label_outside_the_list():
    with pytest.raises(ValueError, match="'z'"):
        classification_metrics(["a", "z"], ["a", "a"], ["a", "b"])


def test_it_handles_no_samples():
    metrics = classification_metrics([], [], ["a", "b"])

    assert metrics["accuracy"] == 0.0
    assert metrics["macro_f1"] == 0.0
    assert metrics["confusion_matrix"] == [[0, 0], [0, 0]]


def test_expected_calibration_error_by_hand():
    probs = np.array([[0.9, 0.1], [0.4, 0.6]])

    # Two bins of one sample: |0.9 - 1| and |0.6 - 0|, each weighted 1/2.
    assert expected_calibration_error(probs, [0, 0], n_bins=10) == pytest.approx(0.35)


def test_expected_calibration_error_is_zero_when_confidence_matches_accuracy():
    probs = np.array([[0.75, 0.25]] * 4)

    assert expected_calibration_error(probs, [0, 0, 0, 1]) == pytest.approx(0.0)


def test_expected_calibration_error_is_zero_for_no_samples():
    assert expected_calibration_error(np.zeros((0, 3)), []) == 0.0
