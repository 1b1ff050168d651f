"""ml.training.stages: what both training stages fit with (the stages run in test_train.py)."""

import numpy as np
import pytest

from ml.training.stages import class_weights, cosine_schedule
from ml.training.train_data import TrainConfig


def test_class_weights_balance_the_classes():
    weights = class_weights(np.array([0, 0, 0, 1]), 2)
    assert weights[0] * 3 == pytest.approx(weights[1] * 1)


def test_the_fine_tuning_rate_warms_up_then_decays_to_zero():
    config = TrainConfig(
        dataset="folder", backbone="mobilenet_025", out="", data="", batch_size=10,
        fine_tune_epochs=4, warmup_epochs=1, fine_tune_learning_rate=1e-3,
    )  # fmt: skip

    schedule = cosine_schedule(config, train_size=100)  # 10 steps per epoch, 40 in all

    rates = [float(schedule(step)) for step in (0, 10, 40)]
    assert rates[0] == 0.0
    assert np.isclose(rates[1], 1e-3)
    assert np.isclose(rates[2], 0.0, atol=1e-9)
