"""Preferences per kind and channel (inbox, email at once, daily digest), the daily digest
(once a day, idempotent), and the inbox's filters by kind and incident."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from itsm import digest, selectors, services
from itsm.models import Notification, NotificationDigest, NotificationEmailState
from itsm.roles import Role

pytestmark = pytest.mark.django_db

State = NotificationEmailState
SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Wednesday, before and after the digest hour (08:00 local by default).
WED_0700 = datetime(2026, 3, 11, 7, 0, tzinfo=SHANGHAI)
WED_0805 = datetime(2026, 3, 11, 8, 5, tzinfo=SHANGHAI)
WED_0905 = datetime(2026, 3, 11, 9, 5, tzinfo=SHANGHAI)
THU_0805 = datetime(2026, 3, 12, 8, 5, tzinfo=SHANGHAI)
SAT_0805 = datetime(2026, 3, 14, 8, 5, tzinfo=SHANGHAI)


@pytest.fixture
def tech(make_user):
    return make_user(Role.TECHNICIAN, email="tech@example.cn")


def queue(recipients, *, event="incident.commented", number="INC-2026-000001", subject=None):
    return services.notification_queue(
        recipients=recipients,
        event=event,
        subject=subject or f"[{number}] {event}",
        body="正文",
        url=f"/incidents/{number}/",
        incident_number=number,
    )


def choose(user, event, *, inbox=True, email=True, digest=False):
    services.notification_preferences_set(
        user=user,
        channels_by_event={event: selectors.Channels(inbox=inbox, email=email, digest=digest)},
    )


# --- channels ------------------------------------------------------------------------------


def test_without_a_choice_the_inbox_and_the_email_at_once(tech):
    [row] = queue([tech])
    assert row.in_inbox
    assert row.read_at is None
    assert row.email_state == State.PENDING


def test_inbox_off_keeps_the_email_but_hides_it_from_the_inbox_and_the_badge(tech):
    choose(tech, "incident.commented", inbox=False)
    [row] = queue([tech])
    assert not row.in_inbox
    assert row.email_state == State.PENDING
    assert list(selectors.notifications_for(tech)) == []
    assert selectors.notification_unread_count(tech) == 0


def test_neither_inbox_nor_email_writes_nothing(tech):
    choose(tech, "incident.commented", inbox=False, email=False)
    assert queue([tech]) == []
    assert not Notification.objects.exists()


def test_digest_keeps_the_email_for_the_digest_and_the_inbox_at_once(tech):
    choose(tech, "incident.commented", digest=True)
    [row] = queue([tech])
    assert row.email_state == State.DIGEST
    assert row.next_attempt_at is None
    assert row.in_inbox
    assert row.read_at is None


def test_the_digest_is_refused_for_a_kind_someone_must_act_on(tech):
    with pytest.raises(ValueError, match="digest"):
        choose(tech, "incident.assigned", digest=True)


def test_the_preferences_page_refuses_a_digest_it_does_not_offer(client, tech):
    client.force_login(tech)
    response = client.post(
        "/notifications/preferences/",
        {"email-incident-assigned": "digest", "inbox-incident-assigned": "on"},
    )
    assert response.status_code == 200
    assert "email-incident-assigned" in response.context["form"].errors


def test_the_preferences_page_saves_inbox_and_digest(client, tech):
    client.force_login(tech)
    page = client.get("/notifications/preferences/")
    data = {}
    for name, field in page.context["form"].fields.items():
        initial = field.initial
        if name.startswith("inbox-"):
            if initial:
                data[name] = "on"
        else:
            data[name] = initial
    data["email-incident-commented"] = "digest"
    data.pop("inbox-incident-closed")
    assert client.post("/notifications/preferences/", data).status_code == 302
    channels = {p["code"]: p for p in selectors.notification_preferences_of(tech)}
    assert channels["incident.commented"]["email_mode"] == "digest"
    assert channels["incident.closed"]["inbox"] is False
    assert channels["incident.assigned"]["email_mode"] == "now"


def test_preferences_need_sign_in(client):
    response = client.get("/notifications/preferences/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- the daily digest ----------------------------------------------------------------------


@pytest.fixture
def in_digest(tech, make_user):
    other = make_user(Role.AGENT, email="agent@example.cn")
    for user in (tech, other):
        choose(user, "incident.commented", digest=True)
        choose(user, "incident.closed", digest=True)
    queue([tech, other], number="INC-2026-000001")
    queue([tech], event="incident.closed", number="INC-2026-000002")
    return tech, other


def test_no_digest_before_the_hour(in_digest, time_machine):
    time_machine.move_to(WED_0700)
    assert digest.notification_digests_send() == 0
    assert mail.outbox == []


def test_one_digest_per_person_with_all_their_items(in_digest, time_machine, settings):
    settings.ITSM_BASE_URL = "https://itsm.example.cn"
    tech, other = in_digest
    time_machine.move_to(WED_0805)
    assert digest.notification_digests_send() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["agent@example.cn", "tech@example.cn"]
    message = next(m for m in mail.outbox if m.to == ["tech@example.cn"])
    assert "2" in message.subject
    assert "INC-2026-000001" in message.body
    assert "INC-2026-000002" in message.body
    assert "https://itsm.example.cn/incidents/INC-2026-000002/" in message.body
    assert "https://itsm.example.cn/notifications/preferences/" in message.body
    assert not Notification.objects.filter(email_state=State.DIGEST).exists()
    assert NotificationDigest.objects.get(user=tech).count == 2


def test_the_digest_goes_out_once_a_day_however_often_it_runs(in_digest, time_machine):
    tech, _other = in_digest
    time_machine.move_to(WED_0805)
    assert digest.notification_digests_send() == 2
    queue([tech], number="INC-2026-000003")  # arrives after today's digest
    time_machine.move_to(WED_0905)
    assert digest.notification_digests_send() == 0
    assert (
        digest.notification_digest_send(user_id=tech.pk, day=WED_0905.date(), now=WED_0905) is False
    )
    assert len(mail.outbox) == 2
    time_machine.move_to(THU_0805)
    assert digest.notification_digests_send() == 1
    assert "INC-2026-000003" in mail.outbox[-1].body


def test_no_digest_on_the_weekend_the_items_wait_for_monday(in_digest, time_machine):
    time_machine.move_to(SAT_0805)
    assert digest.notification_digests_send() == 0
    assert Notification.objects.filter(email_state=State.DIGEST).count() == 3


def test_a_failed_digest_is_sent_by_the_next_run(in_digest, time_machine, settings):
    settings.EMAIL_BACKEND = "tests.itsm.email_backends.FailingEmailBackend"
    time_machine.move_to(WED_0805)
    assert digest.notification_digests_send() == 0
    assert Notification.objects.filter(email_state=State.DIGEST).count() == 3
    assert not NotificationDigest.objects.exists()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    time_machine.move_to(WED_0905)
    assert digest.notification_digests_send() == 2


def test_a_recipient_without_an_address_gets_no_digest(make_user, time_machine):
    user = make_user(Role.TECHNICIAN, email="")
    choose(user, "incident.commented", digest=True)
    [row] = queue([user])
    assert row.email_state == State.SKIPPED
    time_machine.move_to(WED_0805)
    assert digest.notification_digests_send() == 0


def test_the_digest_task_is_on_the_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["itsm.send_notification_digests"]
    assert entry["task"] == "itsm.send_notification_digests"
    from itsm import tasks

    assert tasks.send_notification_digests.name == "itsm.send_notification_digests"


# --- the inbox's filters -------------------------------------------------------------------


@pytest.fixture
def mixed(tech):
    queue([tech], event="incident.assigned", number="INC-2026-000001")
    queue([tech], event="incident.commented", number="INC-2026-000001")
    queue([tech], event="incident.commented", number="INC-2026-000002")
    return tech


def shown(response) -> list[tuple[str, str]]:
    return [(n.event, n.incident_number) for n in response.context["notifications"]]


def test_the_inbox_filters_by_kind(client, mixed):
    client.force_login(mixed)
    response = client.get("/notifications/", {"kind": "incident.commented"})
    assert sorted(shown(response)) == [
        ("incident.commented", "INC-2026-000001"),
        ("incident.commented", "INC-2026-000002"),
    ]


def test_the_inbox_filters_by_incident(client, mixed):
    client.force_login(mixed)
    response = client.get("/notifications/", {"incident": "inc-2026-000001"})
    assert sorted(shown(response)) == [
        ("incident.assigned", "INC-2026-000001"),
        ("incident.commented", "INC-2026-000001"),
    ]
    body = response.content.decode()
    assert 'id="clear-filters"' in body


def test_an_unknown_kind_is_a_field_error_not_a_crash(client, mixed):
    client.force_login(mixed)
    response = client.get("/notifications/", {"kind": "nope.kind"})
    assert response.status_code == 200
    assert "kind" in response.context["filter_form"].errors
    assert len(shown(response)) == 3


def test_nothing_matches_says_so(client, mixed):
    client.force_login(mixed)
    response = client.get("/notifications/", {"incident": "INC-2026-999999"})
    assert 'id="no-notifications"' in response.content.decode()


def test_mark_all_read_marks_only_what_the_filters_show(client, mixed):
    client.force_login(mixed)
    response = client.post("/notifications/read-all/", {"kind": "incident.commented"})
    assert response.status_code == 302
    assert "kind=incident.commented" in response["Location"]
    unread = Notification.objects.filter(recipient=mixed, read_at__isnull=True)
    assert list(unread.values_list("event", flat=True)) == ["incident.assigned"]
    client.post("/notifications/read-all/")
    assert not unread.exists()


def test_mark_all_read_touches_nobody_elses(client, mixed, make_user):
    other = make_user(Role.AGENT)
    queue([other])
    client.force_login(mixed)
    client.post("/notifications/read-all/")
    assert Notification.objects.get(recipient=other).read_at is None


def test_the_pages_keep_the_filters(client, tech):
    for i in range(30):
        queue([tech], number=f"INC-2026-{i:06d}", event="incident.commented")
    client.force_login(tech)
    body = client.get("/notifications/", {"kind": "incident.commented"}).content.decode()
    assert "?kind=incident.commented&amp;page=2" in body


@pytest.mark.parametrize("rows", [25, 100])
def test_the_filtered_inbox_costs_the_same_at_25_and_100_rows(
    client, tech, rows, django_assert_max_num_queries
):
    for i in range(rows):
        queue([tech], number=f"INC-2026-{i:06d}", event="incident.commented")
    client.force_login(tech)
    url = "/notifications/?kind=incident.commented&incident=INC-2026-000003"
    client.get(url)  # warm the per-process caches
    # session, user, unread count, page count, page rows
    with django_assert_max_num_queries(5):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get("/notifications/?kind=incident.commented").status_code == 200


def test_the_admin_form_refuses_a_digest_the_kind_does_not_offer(tech):
    from itsm.admin import NotificationPreferenceForm

    data = {"user": tech.pk, "event": "incident.assigned", "inbox": "on", "email": "on"}
    assert NotificationPreferenceForm({**data, "digest": "on"}).errors.keys() == {"digest"}
    assert NotificationPreferenceForm(
        {**data, "event": "incident.closed", "digest": "on"}
    ).is_valid()


def test_an_administrator_sees_the_digests_sent_read_only(client, make_user, tech):
    NotificationDigest.objects.create(user=tech, day=WED_0805.date(), count=2)
    client.force_login(make_user(Role.ADMINISTRATOR))
    response = client.get("/admin/itsm/notificationdigest/")
    assert response.status_code == 200
    assert client.get("/admin/itsm/notificationdigest/add/").status_code == 403
