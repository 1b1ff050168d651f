"""Pseudo-label selection for self-training, on hand-made probabilities."""

import numpy as np
import pytest

from ml.adaptation.self_training import select_pseudo_labels

PROBS = np.array(
    [
        [0.90, 0.05, 0.05],  # 0: class 0, surest
        [0.60, 0.30, 0.10],  # 1: class 0
        [0.70, 0.20, 0.10],  # 2: class 0
        [0.50, 0.40, 0.10],  # 3: class 0, least sure
        [0.10, 0.45, 0.45],  # 4: class 1 (argmax takes the first of a tie)
        [0.20, 0.40, 0.40],  # 5: class 1
        [0.30, 0.30, 0.40],  # 6: class 2, unsure, but the only one of its class
    ]
)


def test_it_keeps_the_surest_share_of_every_predicted_class():
    indices, labels = select_pseudo_labels(PROBS, 0.5)
    # class 0: 2 of 4 (rows 0 and 2); class 1: 1 of 2 (row 4); class 2: 1 of 1 (row 6)
    assert indices.tolist() == [0, 2, 4, 6]
    assert labels.tolist() == [0, 0, 1, 2]


def test_a_share_of_one_keeps_every_image_with_its_predicted_label():
    indices, labels = select_pseudo_labels(PROBS, 1.0)
    assert indices.tolist() == list(range(7))
    assert labels.tolist() == [0, 0, 0, 0, 1, 1, 2]


@pytest.mark.parametrize("share", [0.0, -0.1, 1.5])
def test_it_refuses_a_share_outside_0_to_1(share):
    with pytest.raises(ValueError, match="share"):
        select_pseudo_labels(PROBS, share)
