"""The test suite's own plumbing: tasks of tests without the real worker stay queued."""

import pytest

from itsm.celery import app


def test_tasks_of_a_test_without_the_worker_go_to_an_unconsumed_queue():
    assert app.conf.task_default_queue == "tests-not-consumed"
    route = app.amqp.router.route({}, "itsm.sweep_notifications")
    assert route["queue"].name == "tests-not-consumed"


@pytest.mark.celery
def test_a_worker_test_keeps_the_default_queue():
    assert app.conf.task_default_queue != "tests-not-consumed"
