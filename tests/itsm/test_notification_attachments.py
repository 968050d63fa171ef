"""Files sent with a notification's email (the monthly report's PDF): stored with the outbox
row in its transaction, attached on every delivery, left out of the inbox-only rows."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from itsm import services, tasks
from itsm.models import NotificationAttachment, NotificationEmailState, NotificationPreference
from itsm.roles import Role

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n\x00\xff binary report"


@pytest.fixture(autouse=True)
def _no_broker(monkeypatch):
    monkeypatch.setattr(tasks.deliver_notifications, "apply_async", lambda *a, **k: None)


def queue(recipients, **kw):
    return services.notification_queue(
        recipients=recipients,
        event="incident.assigned",
        subject="Report",
        body="The report is attached.",
        attachments=[services.EmailFile("report.pdf", PDF, "application/pdf")],
        **kw,
    )


def test_the_file_goes_with_the_email(make_user, django_capture_on_commit_callbacks):
    director = make_user(Role.DIRECTOR, email="director@example.cn")
    with django_capture_on_commit_callbacks(execute=False):
        [n] = queue([director])
    assert n.has_attachments
    assert NotificationAttachment.objects.filter(notification=n).count() == 1

    assert services.notification_deliver(notification_id=n.pk) == NotificationEmailState.SENT
    [message] = mail.outbox
    [(name, content, content_type)] = message.attachments
    assert (name, content_type) == ("report.pdf", "application/pdf")
    assert content == PDF


def test_one_insert_for_the_files_of_every_recipient(make_user, django_assert_num_queries):
    people = [make_user(Role.DIRECTOR, email=f"d{i}@example.cn") for i in range(3)]
    # email choices, the notifications, the files
    with django_assert_num_queries(3):
        rows = queue(people)
    assert NotificationAttachment.objects.filter(notification__in=rows).count() == 3


def test_rows_not_emailed_keep_no_file(make_user):
    no_address = make_user(Role.DIRECTOR, email="")
    no_email = make_user(Role.DIRECTOR, email="quiet@example.cn")
    NotificationPreference.objects.create(user=no_email, event="incident.assigned", email=False)
    rows = queue([no_address, no_email])
    assert {n.email_state for n in rows} == {NotificationEmailState.SKIPPED}
    assert not any(n.has_attachments for n in rows)
    assert not NotificationAttachment.objects.exists()


def test_an_email_without_files_reads_no_attachments(make_user):
    tech = make_user(Role.TECHNICIAN, email="tech@example.cn")
    [n] = services.notification_queue(
        recipients=[tech], event="incident.assigned", subject="s", body="b"
    )
    assert not n.has_attachments
    with CaptureQueriesContext(connection) as queries:
        services.notification_deliver(notification_id=n.pk)
    assert not [q for q in queries.captured_queries if "notificationattachment" in q["sql"]]
    assert mail.outbox[0].attachments == []


def test_purging_a_notification_drops_its_files_and_counts_notifications(
    make_user, settings, time_machine
):
    director = make_user(Role.DIRECTOR, email="director@example.cn")
    time_machine.move_to("2026-01-05 09:00 +08:00")
    [n] = queue([director])
    services.notification_deliver(notification_id=n.pk)
    time_machine.move_to("2026-12-01 09:00 +08:00")
    settings.NOTIFICATION_RETENTION_DAYS = 180
    assert services.notification_purge() == 1
    assert not NotificationAttachment.objects.exists()
