"""ml.training.calibration: temperature scaling and the "unidentified" threshold, on hand-made
data."""

import numpy as np
import pytest

from ml.training.calibration import (
    MAX_THRESHOLD,
    MIN_THRESHOLD,
    choose_threshold,
    fit_temperature,
    negative_log_likelihood,
    selective_scores,
    softmax,
)


def test_it_recovers_the_temperature_of_overconfident_logits():
    rng = np.random.default_rng(0)
    true_logits = rng.normal(0, 2, size=(4000, 4))
    probabilities = softmax(true_logits)
    labels = np.array([rng.choice(4, p=p) for p in probabilities])
    # The model is overconfident by a factor of 2: the right temperature is 2.
    temperature = fit_temperature(2.0 * true_logits, labels)
    assert temperature == pytest.approx(2.0, rel=0.1)


def test_the_fitted_temperature_lowers_the_negative_log_likelihood():
    logits = np.array([[4.0, 0.0], [4.0, 0.0], [0.0, 4.0], [0.0, 4.0]])
    labels = np.array([0, 1, 1, 1])  # one confident mistake
    temperature = fit_temperature(logits, labels)
    assert temperature > 1.0
    assert negative_log_likelihood(logits, labels, temperature) < negative_log_likelihood(
        logits, labels, 1.0
    )


def test_temperature_never_changes_the_predicted_class():
    logits = np.array([[1.0, 3.0, 2.0], [5.0, 0.0, 1.0]])
    for temperature in (0.5, 1.0, 3.0):
        assert softmax(logits, temperature).argmax(axis=1).tolist() == [1, 0]


def test_the_threshold_is_the_lowest_that_reaches_the_target_precision():
    # 100 right answers at confidence 0.9 and 2 wrong ones at 0.6: dropping the wrong ones
    # needs a threshold just above 0.6.
    probs = np.array([[0.9, 0.1]] * 100 + [[0.6, 0.4]] * 2)
    labels = np.array([0] * 100 + [1] * 2)
    threshold = choose_threshold(probs, labels)
    assert threshold == pytest.approx(0.61)
    assert selective_scores(probs, labels, threshold)["selective_accuracy"] == 1.0


def test_the_threshold_stays_within_its_bounds():
    perfect = np.array([[0.99, 0.01]] * 10)
    assert choose_threshold(perfect, np.zeros(10, dtype=int)) == MIN_THRESHOLD
    hopeless = np.array([[0.99, 0.01]] * 10)
    assert choose_threshold(hopeless, np.ones(10, dtype=int)) == MAX_THRESHOLD
