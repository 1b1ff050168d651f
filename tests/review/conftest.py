import pytest

from tests.review.helpers import classified_case, make_version


@pytest.fixture
def model_version(db):
    return make_version()


@pytest.fixture
def case(lab_a, model_version):
    """Lab A's case awaiting review: three neutrophils, one lymphocyte (none reviewed)."""
    return classified_case(lab_a, ["neutrophil", "neutrophil", "neutrophil", "lymphocyte"])
