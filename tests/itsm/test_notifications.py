"""The notification outbox: queueing, delivery, back-off, the sweep, the inbox, preferences."""

import re
import threading
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from itsm import selectors, services, tasks
from itsm.models import Notification, NotificationEmailState, NotificationPreference
from itsm.notification_kinds import (
    notification_kind,
    notification_kind_label,
    notification_kind_register,
    notification_kinds,
)
from itsm.roles import Role
from tests.itsm.email_backends import BlockingEmailBackend, FailingEmailBackend

pytestmark = pytest.mark.django_db

State = NotificationEmailState
FAILING = "tests.itsm.email_backends.FailingEmailBackend"
REFUSING = "tests.itsm.email_backends.RefusingEmailBackend"
BLOCKING = "tests.itsm.email_backends.BlockingEmailBackend"


@pytest.fixture
def enqueued(monkeypatch):
    """Record the delivery tasks queued (instead of publishing them to Redis)."""
    calls: list[list[int]] = []

    def fake_apply_async(args=None, kwargs=None, **options):
        calls.append(list(args[0]))

    monkeypatch.setattr(tasks.deliver_notifications, "apply_async", fake_apply_async)
    return calls


@pytest.fixture
def tech(make_user):
    return make_user(Role.TECHNICIAN, email="tech@example.cn")


def queue(recipients, *, event="incident.assigned", subject="INC-2026-000001 assigned", **kw):
    return services.notification_queue(
        recipients=recipients,
        event=event,
        subject=subject,
        body=kw.pop("body", "Printer on floor 3 is down."),
        url=kw.pop("url", "/incidents/INC-2026-000001/"),
        incident_number=kw.pop("incident_number", "INC-2026-000001"),
        **kw,
    )


def fresh(notification) -> Notification:
    return Notification.objects.get(pk=notification.pk)


# --- the registry --------------------------------------------------------------------------


def test_registry_has_the_incident_and_sla_kinds():
    codes = {k.code for k in notification_kinds()}
    assert {"incident.assigned", "incident.major", "sla.warning", "sla.breached"} <= codes
    assert "sla.calendar_data_ending" in codes  # registered by sla itself
    assert "reports.monthly_report" in codes  # registered by reports
    assert len(codes) == 17
    with translation.override("en"):
        assert str(notification_kind_label("sla.breached")) == "SLA breached"
    with translation.override("zh-hans"):
        assert str(notification_kind_label("sla.breached")) == "SLA已超时"
    assert notification_kind_label("gone.kind") == "gone.kind"


def test_other_apps_can_register_kinds_and_bad_codes_are_refused(monkeypatch):
    from itsm import notification_kinds as registry

    monkeypatch.setattr(registry, "_KINDS", dict(registry._KINDS))
    notification_kind_register("reports.ready", "Report ready")
    assert notification_kind("reports.ready").label == "Report ready"
    for bad in ("noapp", "Reports.Ready", ".x", "x."):
        with pytest.raises(ValueError, match="lower-case"):
            notification_kind_register(bad, "Bad")


# --- queueing ------------------------------------------------------------------------------


def test_queue_writes_one_row_per_distinct_active_recipient(
    make_user, tech, enqueued, django_capture_on_commit_callbacks, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    lead = make_user(Role.SECTION_LEAD, email="lead@example.cn")
    no_email = make_user(Role.REQUESTER, email="")
    gone = make_user(Role.TECHNICIAN, email="gone@example.cn", is_active=False)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        created = queue([tech, None, lead, tech, gone, no_email, lead])

    assert [n.recipient_id for n in created] == [tech.pk, lead.pk, no_email.pk]
    rows = {n.recipient_id: n for n in Notification.objects.all()}
    assert set(rows) == {tech.pk, lead.pk, no_email.pk}
    assert rows[tech.pk].email_state == State.PENDING
    assert rows[tech.pk].next_attempt_at == timezone.now() + timedelta(seconds=60)
    assert rows[tech.pk].attempts == 0
    assert rows[tech.pk].event == "incident.assigned"
    assert rows[tech.pk].incident_number == "INC-2026-000001"
    assert rows[tech.pk].read_at is None
    assert rows[no_email.pk].email_state == State.SKIPPED
    assert rows[no_email.pk].next_attempt_at is None
    # One task for the pending emails, queued after commit.
    assert len(callbacks) == 1
    assert enqueued == [sorted([rows[tech.pk].pk, rows[lead.pk].pk])]


def test_queue_with_nobody_to_tell_writes_nothing(make_user, enqueued):
    gone = make_user(Role.TECHNICIAN, is_active=False)
    assert queue([None, gone]) == []
    assert not Notification.objects.exists()


def test_queue_refuses_an_unknown_kind_without_breaking_the_callers_transaction(tech):
    with transaction.atomic():
        with pytest.raises(ValueError, match="unknown notification event kind"):
            queue([tech], event="incident.asigned")
        assert not Notification.objects.exists()  # the transaction is still usable


def test_queue_makes_the_subject_one_line(tech):
    [n] = queue([tech], subject="Line one\r\nBcc: evil@example.com " + "x" * 300)
    assert "\n" not in n.subject
    assert n.subject.startswith("Line one Bcc: evil@example.com")
    assert len(n.subject) == 200


def test_rolled_back_caller_leaves_no_row_and_queues_nothing(
    tech, enqueued, django_capture_on_commit_callbacks
):
    def failing_change():
        with transaction.atomic():
            queue([tech])
            raise RuntimeError("the incident change failed")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        failing_change()
    assert not Notification.objects.exists()
    assert callbacks == []
    assert enqueued == []


@pytest.mark.parametrize(
    "error",
    [KombuOperationalError("Error 111 connecting"), RedisConnectionError("Connection refused")],
)
def test_broker_outage_is_logged_and_rows_stay_pending(
    tech, monkeypatch, django_capture_on_commit_callbacks, caplog, error
):
    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(tasks.deliver_notifications, "apply_async", broken)
    with django_capture_on_commit_callbacks(execute=True):
        [n] = queue([tech])
    assert fresh(n).email_state == State.PENDING
    assert "the sweep will deliver" in caplog.text


# --- preferences ---------------------------------------------------------------------------


def test_preference_off_skips_the_email_but_keeps_the_inbox_entry(tech, make_user, enqueued):
    other = make_user(Role.TECHNICIAN, email="other@example.cn")
    services.notification_preferences_set(user=tech, email_by_event={"incident.assigned": False})
    created = queue([tech, other])
    states = {n.recipient_id: n.email_state for n in created}
    assert states == {tech.pk: State.SKIPPED, other.pk: State.PENDING}


def test_default_and_its_exceptions_come_from_settings(tech, settings):
    settings.NOTIFICATION_EMAIL_DEFAULT_EXCEPT = ["incident.commented"]
    [commented] = queue([tech], event="incident.commented")
    [assigned] = queue([tech], event="incident.assigned")
    assert commented.email_state == State.SKIPPED
    assert assigned.email_state == State.PENDING

    settings.NOTIFICATION_EMAIL_DEFAULT = False
    services.notification_preferences_set(user=tech, email_by_event={"sla.breached": True})
    [breached] = queue([tech], event="sla.breached")
    [warning] = queue([tech], event="sla.warning")
    [commented] = queue([tech], event="incident.commented")
    assert breached.email_state == State.PENDING  # chosen
    assert warning.email_state == State.SKIPPED  # the default is now off
    assert commented.email_state == State.PENDING  # the exception flips it


def test_preferences_set_upserts_and_refuses_unknown_kinds(tech):
    services.notification_preferences_set(user=tech, email_by_event={"sla.warning": False})
    services.notification_preferences_set(
        user=tech, email_by_event={"sla.warning": True, "incident.major": False}
    )
    assert dict(NotificationPreference.objects.filter(user=tech).values_list("event", "email")) == {
        "sla.warning": True,
        "incident.major": False,
    }
    with pytest.raises(ValueError, match="unknown"):
        services.notification_preferences_set(user=tech, email_by_event={"nope.kind": True})


# --- delivery ------------------------------------------------------------------------------


def test_deliver_sends_exactly_one_email_and_marks_it_sent(tech, settings):
    settings.ITSM_BASE_URL = "https://itsm.example.cn"
    settings.DEFAULT_FROM_EMAIL = "IT 服务台 <itsm@example.cn>"
    [n] = queue([tech])

    assert services.notification_deliver(notification_id=n.pk) == State.SENT

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["tech@example.cn"]
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.subject == "INC-2026-000001 assigned"
    assert "Printer on floor 3 is down." in message.body
    assert "https://itsm.example.cn/incidents/INC-2026-000001/" in message.body
    assert "https://itsm.example.cn/notifications/preferences/" in message.body
    assert message.extra_headers["Message-ID"] == f"<notification-{n.pk}@example.cn>"
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    n = fresh(n)
    assert n.email_state == State.SENT
    assert n.sent_at is not None
    assert n.attempts == 1
    assert n.next_attempt_at is None


def test_delivering_twice_sends_once(tech):
    [n] = queue([tech])
    assert services.notification_deliver(notification_id=n.pk) == State.SENT
    assert services.notification_deliver(notification_id=n.pk) is None
    tasks.deliver_notifications([n.pk, n.pk])
    assert len(mail.outbox) == 1


def test_deliver_ignores_skipped_and_missing_rows(make_user):
    nobody = make_user(Role.REQUESTER, email="")
    [n] = queue([nobody])
    assert services.notification_deliver(notification_id=n.pk) is None
    assert services.notification_deliver(notification_id=10**9) is None
    assert mail.outbox == []


def test_deliver_skips_a_recipient_who_lost_their_address(tech):
    [n] = queue([tech])
    get_user_model().objects.filter(pk=tech.pk).update(email="")
    assert services.notification_deliver(notification_id=n.pk) == State.SKIPPED
    assert mail.outbox == []
    n = fresh(n)
    assert n.next_attempt_at is None
    assert "no email address" in n.last_error


def test_failing_smtp_backs_off_exponentially_then_gives_up(tech, settings, time_machine):
    settings.EMAIL_BACKEND = FAILING
    FailingEmailBackend.calls = 0
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    [n] = queue([tech])

    expected_waits = [60, 120, 240, 480, 960, 1920, 3600]  # capped at an hour
    for attempt, wait in enumerate(expected_waits, start=1):
        assert services.notification_deliver(notification_id=n.pk) == State.PENDING
        n = fresh(n)
        assert n.attempts == attempt
        assert n.next_attempt_at == timezone.now() + timedelta(seconds=wait)
        assert n.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
        time_machine.move_to(n.next_attempt_at, tick=False)

    assert services.notification_deliver(notification_id=n.pk) == State.FAILED
    n = fresh(n)
    assert (n.attempts, n.email_state, n.next_attempt_at, n.sent_at) == (8, "failed", None, None)
    assert FailingEmailBackend.calls == 8
    # A failed email is left alone by later deliveries and sweeps.
    assert services.notification_deliver(notification_id=n.pk) is None
    assert services.notification_sweep(now=timezone.now() + timedelta(days=1)) == 0


def test_a_refused_recipient_fails_at_once(tech, settings):
    settings.EMAIL_BACKEND = REFUSING
    [n] = queue([tech])
    assert services.notification_deliver(notification_id=n.pk) == State.FAILED
    n = fresh(n)
    assert n.attempts == 1
    assert "SMTPRecipientsRefused" in n.last_error


def test_retry_delay_is_capped(settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 10
    settings.NOTIFICATION_RETRY_MAX_SECONDS = 100
    delays = [services.notification_retry_delay(a).total_seconds() for a in range(1, 7)]
    assert delays == [10, 20, 40, 80, 100, 100]


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_send_once_and_the_second_does_not_wait(
    make_user, settings, monkeypatch
):
    """While one delivery holds the row (mid-send), another skips it instead of blocking."""
    # The two threads are the only deliverers: a real worker left running by another test
    # must not take the queued task first.
    from itsm import tasks

    monkeypatch.setattr(tasks.deliver_notifications, "apply_async", lambda *a, **k: None)
    settings.EMAIL_BACKEND = BLOCKING
    BlockingEmailBackend.reset()
    user = make_user(Role.TECHNICIAN, email="t@example.cn")
    [n] = queue([user])
    results = {}

    def deliver(name):
        try:
            results[name] = services.notification_deliver(notification_id=n.pk)
        finally:
            connection.close()

    first = threading.Thread(target=deliver, args=("first",))
    first.start()
    assert BlockingEmailBackend.entered.wait(timeout=10), "the first delivery never sent"
    second = threading.Thread(target=deliver, args=("second",))
    second.start()
    second.join(timeout=10)
    assert not second.is_alive(), "the second delivery waited for the lock"
    assert results["second"] is None
    BlockingEmailBackend.release.set()
    first.join(timeout=10)
    assert results["first"] == State.SENT
    assert len(mail.outbox) == 1
    assert fresh(n).email_state == State.SENT


# --- the sweep and manual retries ----------------------------------------------------------


def test_sweep_requeues_only_due_pending_rows(
    tech, settings, enqueued, django_capture_on_commit_callbacks, time_machine
):
    start = timezone.now()
    time_machine.move_to(start, tick=False)
    [due_first] = queue([tech], subject="lost task")  # its task never ran
    [sent] = queue([tech], subject="sent")
    services.notification_deliver(notification_id=sent.pk)
    settings.EMAIL_BACKEND = FAILING
    [backing_off] = queue([tech], subject="failed once")
    services.notification_deliver(notification_id=backing_off.pk)  # next try at +60 s
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    time_machine.move_to(start + timedelta(seconds=30), tick=False)
    [recent] = queue([tech], subject="recent")  # still in its grace period
    services.notification_preferences_set(user=tech, email_by_event={"incident.major": False})
    [skipped] = queue([tech], event="incident.major")

    now = start + timedelta(seconds=61)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notification_sweep(now=now) == 2
    assert [sorted(ids) for ids in enqueued] == [sorted([due_first.pk, backing_off.pk])]
    for n in (due_first, backing_off):
        assert fresh(n).next_attempt_at == now + timedelta(seconds=60)
    assert fresh(recent).next_attempt_at == start + timedelta(seconds=90)
    assert fresh(sent).next_attempt_at is None
    assert fresh(skipped).next_attempt_at is None

    # The same rows are not taken again until their new grace period is over.
    enqueued.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notification_sweep(now=now + timedelta(seconds=1)) == 0
    assert enqueued == []


def test_sweep_takes_a_batch_oldest_first(tech, enqueued, django_capture_on_commit_callbacks):
    rows = [queue([tech], subject=f"n{i}")[0] for i in range(5)]
    later = timezone.now() + timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notification_sweep(now=later, batch=3) == 3
    assert enqueued == [[n.pk for n in rows[:3]]]


def test_sweep_task_delivers_through_the_queue(tech, enqueued, django_capture_on_commit_callbacks):
    [n] = queue([tech])
    Notification.objects.filter(pk=n.pk).update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.sweep_notifications() == 1
    tasks.deliver_notifications(*enqueued[0:1])
    assert fresh(n).email_state == State.SENT
    assert len(mail.outbox) == 1


def test_retry_makes_failed_emails_pending_and_queues_them(
    tech, settings, enqueued, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = REFUSING
    [n] = queue([tech])
    services.notification_deliver(notification_id=n.pk)
    [sent] = queue([tech])
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    services.notification_deliver(notification_id=sent.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.notification_retry(notification_ids=[n.pk, sent.pk]) == 1
    assert enqueued == [[n.pk]]
    assert fresh(n).email_state == State.PENDING
    assert services.notification_deliver(notification_id=n.pk) == State.SENT


# --- read state ----------------------------------------------------------------------------


def test_mark_read_is_idempotent_and_limited_to_the_owner(tech, make_user):
    other = make_user(Role.TECHNICIAN)
    [mine] = queue([tech])
    [theirs] = queue([other])
    first = services.notification_mark_read(user=tech, notification_id=mine.pk).read_at
    assert first is not None
    assert services.notification_mark_read(user=tech, notification_id=mine.pk).read_at == first
    with pytest.raises(Notification.DoesNotExist):
        services.notification_mark_read(user=tech, notification_id=theirs.pk)
    assert fresh(theirs).read_at is None


def test_mark_all_read_touches_only_the_users_unread(tech, make_user):
    other = make_user(Role.TECHNICIAN)
    for _ in range(3):
        queue([tech, other])
    assert selectors.notification_unread_count(tech) == 3
    assert services.notification_mark_all_read(user=tech) == 3
    assert services.notification_mark_all_read(user=tech) == 0
    assert selectors.notification_unread_count(tech) == 0
    assert selectors.notification_unread_count(other) == 3


# --- the inbox page ------------------------------------------------------------------------


@pytest.fixture
def inbox_client(client, tech):
    client.force_login(tech)
    return client


def test_inbox_needs_sign_in(client):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_inbox_shows_only_the_users_own_notifications(inbox_client, tech, make_user):
    other = make_user(Role.TECHNICIAN)
    [mine] = queue([tech], subject="For the tech")
    [theirs] = queue([other], subject="For someone else")
    services.notification_mark_read(user=tech, notification_id=queue([tech])[0].pk)

    response = inbox_client.get("/notifications/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "For the tech" in html
    assert "For someone else" not in html
    assert f'data-notification="{theirs.pk}"' not in html
    assert f'id="notification-{mine.pk}"' in html
    assert html.count('data-unread="1"') == 1
    assert html.count('data-unread="0"') == 1
    # The unread count is on the inbox entry of the navigation.
    assert 'data-nav="inbox"' in html
    assert 'id="nav-badge-inbox"' in html
    assert '>1<span class="visually-hidden">' in html


def test_reading_someone_elses_notification_is_404_and_changes_nothing(inbox_client, make_user):
    other = make_user(Role.TECHNICIAN)
    [theirs] = queue([other])
    for url in (f"/notifications/{theirs.pk}/read/", "/notifications/999999/read/"):
        assert inbox_client.post(url).status_code == 404
        assert inbox_client.post(url, headers={"HX-Request": "true"}).status_code == 404
    assert inbox_client.get(f"/notifications/{theirs.pk}/open/").status_code == 404
    assert fresh(theirs).read_at is None


def test_mark_read_answers_a_fragment_to_htmx_and_redirects_otherwise(inbox_client, tech):
    [a, b] = [queue([tech])[0], queue([tech])[0]]

    response = inbox_client.post(f"/notifications/{a.pk}/read/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<li class="list-group-item')
    assert f'id="notification-{a.pk}"' in html
    assert 'data-unread="0"' in html
    assert 'id="nav-badge-inbox"' in html
    assert 'hx-swap-oob="true"' in html
    assert fresh(a).read_at is not None

    response = inbox_client.post(f"/notifications/{b.pk}/read/", {"page": "2"})
    assert response.status_code == 302
    assert response["Location"] == "/notifications/?page=2"
    assert fresh(b).read_at is not None
    assert inbox_client.get(f"/notifications/{b.pk}/read/").status_code == 405


def test_mark_all_read(inbox_client, tech):
    for _ in range(3):
        queue([tech])
    response = inbox_client.post("/notifications/read-all/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="notification-list">')
    assert 'data-unread="1"' not in html
    assert html.count('data-unread="0"') == 3
    assert selectors.notification_unread_count(tech) == 0

    queue([tech])
    response = inbox_client.post("/notifications/read-all/")
    assert response.status_code == 302
    assert response["Location"] == "/notifications/"
    assert selectors.notification_unread_count(tech) == 0


def test_inbox_answers_the_list_fragment_to_htmx(inbox_client, tech):
    queue([tech], subject="Fragment please")
    full = inbox_client.get("/notifications/").content.decode()
    fragment = inbox_client.get("/notifications/", headers={"HX-Request": "true"}).content.decode()
    assert "<html" in full
    assert 'id="notification-list"' in full
    assert "<html" not in fragment
    assert fragment.lstrip().startswith('<div id="notification-list">')
    assert "Fragment please" in fragment


def test_inbox_paginates_25_newest_first(inbox_client, tech, time_machine):
    start = timezone.now()
    for i in range(30):
        time_machine.move_to(start + timedelta(minutes=i), tick=False)
        queue([tech], subject=f"Notice number {i:02d}")

    first = inbox_client.get("/notifications/").content.decode()
    second = inbox_client.get("/notifications/?page=2").content.decode()
    assert first.count("data-notification=") == 25
    assert second.count("data-notification=") == 5
    assert first.index("Notice number 29") < first.index("Notice number 28")
    assert "Notice number 05" in first
    assert "Notice number 04" not in first
    assert "Notice number 04" in second
    assert "Notice number 00" in second
    assert 'href="?page=2"' in first
    # A page number out of range shows the last page.
    last = inbox_client.get("/notifications/?page=99").content.decode()
    assert re.findall(r'data-notification="(\d+)"', last) == re.findall(
        r'data-notification="(\d+)"', second
    )


def test_inbox_query_count_does_not_grow_with_the_notifications(
    inbox_client, tech, django_assert_num_queries
):
    def count_queries():
        inbox_client.get("/notifications/")  # warm: the roles are cached per process
        with CaptureQueriesContext(connection) as ctx:
            assert inbox_client.get("/notifications/").status_code == 200
        return len(ctx.captured_queries)

    for _ in range(5):
        queue([tech])
    with_five = count_queries()
    for _ in range(25):
        queue([tech])
    with_thirty = count_queries()
    assert with_five == with_thirty
    # session, user, unread count (badge), page count, page rows (roles: cached per process)
    with django_assert_num_queries(5):
        inbox_client.get("/notifications/")


def test_open_marks_read_and_follows_only_local_links(inbox_client, tech):
    [local] = queue([tech], url="/incidents/INC-2026-000001/")
    [offsite] = queue([tech], url="https://evil.example.com/phish")
    response = inbox_client.get(f"/notifications/{local.pk}/open/")
    assert response.status_code == 302
    assert response["Location"] == "/incidents/INC-2026-000001/"
    assert fresh(local).read_at is not None
    response = inbox_client.get(f"/notifications/{offsite.pk}/open/")
    assert response["Location"] == "/notifications/"


def test_badge_is_hidden_without_unread_and_absent_for_system_accounts(client_for):
    client = client_for(Role.REQUESTER)
    html = client.get("/").content.decode()
    assert 'id="nav-badge-inbox" class="badge rounded-pill text-bg-danger d-none"' in html
    system = client_for(Role.SYSTEM)
    assert "nav-badge-inbox" not in system.get("/").content.decode()


# --- the preferences page ------------------------------------------------------------------


def test_preferences_page_lists_every_kind_with_its_current_choice(inbox_client, tech):
    services.notification_preferences_set(user=tech, email_by_event={"sla.warning": False})
    html = inbox_client.get("/notifications/preferences/").content.decode()
    for kind in notification_kinds():
        slug = kind.code.replace(".", "-")
        assert f'name="email-{slug}"' in html
        assert f'name="inbox-{slug}"' in html
    warning = html.split('name="email-sla-warning"')[1].split("</select>")[0]
    assert '<option value="off" selected>' in warning
    breached = html.split('name="email-sla-breached"')[1].split("</select>")[0]
    assert '<option value="now" selected>' in breached
    assert 'value="digest"' not in breached  # no digest for what someone must act on


def test_preferences_form_saves(inbox_client, tech):
    kept_on = ["incident-assigned", "sla-breached"]
    data = {f"email-{k.code.replace('.', '-')}": "off" for k in notification_kinds()}
    data.update({f"inbox-{k.code.replace('.', '-')}": "on" for k in notification_kinds()})
    data.update({f"email-{code}": "now" for code in kept_on})
    response = inbox_client.post("/notifications/preferences/", data)
    assert response.status_code == 302
    assert response["Location"] == "/notifications/preferences/"
    prefs = dict(NotificationPreference.objects.filter(user=tech).values_list("event", "email"))
    assert len(prefs) == len(notification_kinds())
    assert {code for code, email in prefs.items() if email} == {
        "incident.assigned",
        "sla.breached",
    }
    assert queue([tech], event="sla.warning")[0].email_state == State.SKIPPED
    assert queue([tech], event="sla.breached")[0].email_state == State.PENDING


def test_preferences_page_warns_a_user_without_an_address(client, make_user):
    user = make_user(Role.REQUESTER, email="")
    client.force_login(user)
    html = client.get("/notifications/preferences/").content.decode()
    assert 'class="alert alert-warning"' in html


# --- the admin -----------------------------------------------------------------------------


def test_admin_lists_the_outbox_and_retries_failed_emails(
    client, make_user, tech, settings, enqueued, django_capture_on_commit_callbacks
):
    admin = make_user(Role.ADMINISTRATOR)  # the role's group, not a superuser
    settings.EMAIL_BACKEND = REFUSING
    [n] = queue([tech])
    services.notification_deliver(notification_id=n.pk)
    client.force_login(admin)

    listing = client.get("/admin/itsm/notification/?email_state__exact=failed")
    assert listing.status_code == 200
    assert "INC-2026-000001 assigned" in listing.content.decode()
    assert client.get(f"/admin/itsm/notification/{n.pk}/change/").status_code == 200
    assert client.get("/admin/itsm/notification/add/").status_code == 403

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/itsm/notification/",
            {"action": "retry_now", "_selected_action": [n.pk]},
        )
    assert response.status_code == 302
    assert fresh(n).email_state == State.PENDING
    assert enqueued == [[n.pk]]
    assert client.get("/admin/itsm/notificationpreference/add/").status_code == 200


# --- retention -----------------------------------------------------------------------------------


def _aged(tech, *, days: int, state: str, read: bool = False) -> Notification:
    created = timezone.now() - timedelta(days=days)
    return Notification.objects.create(
        recipient=tech,
        event="incident.assigned",
        subject=f"{state} {days}",
        created_at=created,
        read_at=created if read else None,
        email_state=state,
        next_attempt_at=created if state == State.PENDING else None,
        sent_at=created if state == State.SENT else None,
    )


def test_purge_deletes_old_settled_notifications_only(tech, settings):
    settings.NOTIFICATION_RETENTION_DAYS = 30
    old_sent = _aged(tech, days=31, state=State.SENT, read=True)
    old_unread_skipped = _aged(tech, days=40, state=State.SKIPPED)
    old_failed = _aged(tech, days=90, state=State.FAILED)
    old_pending = _aged(tech, days=90, state=State.PENDING)
    recent = _aged(tech, days=29, state=State.SENT)

    assert services.notification_purge() == 3
    left = set(Notification.objects.values_list("pk", flat=True))
    assert left == {old_pending.pk, recent.pk}
    assert not {old_sent.pk, old_unread_skipped.pk, old_failed.pk} & left
    assert services.notification_purge() == 0  # nothing more to do


def test_purge_works_in_batches_and_zero_keeps_everything(tech, settings):
    for _ in range(7):
        _aged(tech, days=200, state=State.SKIPPED)
    settings.NOTIFICATION_RETENTION_DAYS = 0
    assert services.notification_purge() == 0
    assert Notification.objects.count() == 7
    settings.NOTIFICATION_RETENTION_DAYS = 180
    with CaptureQueriesContext(connection) as ctx:
        assert services.notification_purge(batch=3) == 7
    deletes = [
        q for q in ctx.captured_queries if q["sql"].startswith('DELETE FROM "itsm_notification"')
    ]
    assert len(deletes) == 3  # 3 + 3 + 1
    assert not Notification.objects.exists()


def test_purge_task_is_scheduled_daily(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["itsm.purge_notifications"]
    assert entry["task"] == tasks.purge_notifications.name
    assert entry["schedule"] == 24 * 3600
