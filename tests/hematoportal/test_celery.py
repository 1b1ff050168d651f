from unittest import mock

import pytest
from kombu.exceptions import OperationalError

from classifier.tasks import classify_image


@pytest.mark.django_db
def test_it_logs_instead_of_raising_when_the_broker_is_down(django_capture_on_commit_callbacks):
    with mock.patch.object(classify_image, "delay", side_effect=OperationalError("down")) as delay:
        with django_capture_on_commit_callbacks(execute=True):
            classify_image.delay_on_commit(123)

    delay.assert_called_once_with(123)


def test_tasks_use_the_robust_base_class():
    from hematoportal.celery import RobustDjangoTask

    assert isinstance(classify_image, RobustDjangoTask)
