"""Intake: first-contact resolution in one step, the live priority and routing, duplicate hints
and what their buttons do, the portal's attachment (services and selectors)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from incidents.exceptions import ActionForbidden
from incidents.models import Attachment, Comment, Incident, IncidentEvent, IncidentLink
from incidents.services import Contact
from servicedesk import selectors, services, similarity
from tests.incidents.factories import ResolutionCodeFactory

pytestmark = pytest.mark.django_db


def call(world, **overrides):
    data = {
        "title": "打印机卡纸",
        "description": "二楼打印机",
        "nature": "fault",
        "source": "phone",
        "category": world.category,
        "impact": 3,
        "urgency": 3,
        "requester": None,
        "contact_name": "张三",
        "contact_phone": "010-1234",
        "contact_email": "",
        "contact_organisation": "",
        "configuration_item": "PRN-2F",
        "location": "",
    }
    data.update(overrides)
    return data


def png(name="screen.png", content_type="image/png", size=64):
    return SimpleUploadedFile(name, b"\x89PNG" + b"0" * (size - 4), content_type=content_type)


# --- one-step first-contact resolution ---------------------------------------------------------


def test_first_contact_resolution_logs_resolves_and_closes_in_one_step(world):
    inc = services.desk_incident_log(
        by=world.agent,
        **call(world),
        resolved_now=True,
        resolution_code=world.code,
        resolution="重新装纸",
        knowledge_ref="KB-12",
        close_now=True,
    )
    inc = Incident.objects.get(pk=inc.pk)
    assert inc.status == "closed"
    assert inc.resolution_code == world.code
    assert inc.resolution == "重新装纸"
    assert inc.knowledge_ref == "KB-12"
    assert inc.first_contact_resolution is True
    assert inc.resolved_by == world.agent
    assert inc.close_method == "callback"  # the desk closes for the caller on the phone
    kinds = list(inc.events.order_by("id").values_list("kind", flat=True))
    assert kinds[0] == "created"
    assert "resolved" in kinds
    assert kinds[-1] == "closed"


def test_first_contact_resolution_without_closing_waits_for_confirmation(world):
    inc = services.desk_incident_log(
        by=world.agent,
        **call(world),
        resolved_now=True,
        resolution_code=world.code,
        resolution="重启打印机",
    )
    inc = Incident.objects.get(pk=inc.pk)
    assert inc.status == "resolved"
    assert inc.first_contact_resolution is True


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"resolution_code": None, "resolution": "做了"}, "resolution_code"),
        ({"resolution": ""}, "resolution"),
        ({"resolved_now": False, "close_now": True}, "close_now"),
    ],
)
def test_a_refused_first_contact_resolution_writes_nothing(world, overrides, field):
    fcr = {"resolved_now": True, "resolution_code": world.code, "resolution": "做了"}
    fcr.update(overrides)
    with pytest.raises(ValidationError) as exc:
        services.desk_incident_log(by=world.agent, **call(world), **fcr)
    assert field in exc.value.message_dict
    assert not Incident.objects.exists()
    assert not IncidentEvent.objects.exists()


def test_an_inactive_resolution_code_is_refused(world):
    old = ResolutionCodeFactory(code="old", active=False)
    with pytest.raises(ValidationError) as exc:
        services.desk_incident_log(
            by=world.agent, **call(world), resolved_now=True, resolution_code=old, resolution="x"
        )
    assert "resolution_code" in exc.value.message_dict
    assert not Incident.objects.exists()


def test_a_refused_closing_rolls_the_resolution_and_the_logging_back(world, monkeypatch):
    def refuse(**kwargs):
        raise ValidationError({"method": ["不可关闭"]})

    monkeypatch.setattr(services, "incident_close", refuse)
    with pytest.raises(ValidationError) as exc:
        services.desk_incident_log(
            by=world.agent,
            **call(world),
            resolved_now=True,
            resolution_code=world.code,
            resolution="做了",
            close_now=True,
        )
    assert exc.value.message_dict == {"close_now": ["不可关闭"]}
    assert not Incident.objects.exists()


def test_a_caller_who_is_the_agent_confirms_as_requester(world):
    # The closing method is the incident services' rule: the requester confirms.
    inc = services.desk_incident_log(
        by=world.agent,
        **call(world, requester=world.agent, contact_name=""),
        resolved_now=True,
        resolution_code=world.code,
        resolution="做了",
        close_now=True,
    )
    assert Incident.objects.get(pk=inc.pk).close_method == "requester"


def test_the_log_refuses_a_machine_source(world):
    with pytest.raises(ValidationError) as exc:
        services.desk_incident_log(by=world.agent, **call(world, source="monitoring"))
    assert "source" in exc.value.message_dict
    assert not Incident.objects.exists()


# --- a call that repeats an open incident -------------------------------------------------------


def test_link_as_duplicate_keeps_the_call_cancelled_and_linked(world):
    first = world.incident(title="打印机卡纸")
    dup = services.desk_call_log_duplicate(by=world.agent, duplicate_of=first, **call(world))
    dup = Incident.objects.get(pk=dup.pk)
    assert dup.status == "cancelled"
    assert dup.contact_name == "张三"
    assert first.number in dup.events.get(kind="cancelled").reason
    link = IncidentLink.objects.get()
    assert (link.from_incident, link.to_incident, link.kind) == (dup, first, "duplicate_of")
    assert Incident.objects.get(pk=first.pk).status == "new"


def test_no_duplicate_of_a_closed_incident(world):
    closed = world.closed()
    with pytest.raises(ValidationError):
        services.desk_call_log_duplicate(by=world.agent, duplicate_of=closed, **call(world))
    assert Incident.objects.count() == 1
    assert not IncidentLink.objects.exists()


def test_add_as_follow_up_adds_an_internal_note_and_logs_nothing(world):
    first = world.assigned()
    comment = services.desk_call_add_to(
        by=world.agent,
        incident=first,
        title="还是不能打印",
        description="第三次来电",
        source="phone",
        requester=None,
        contact_name="张三",
        contact_phone="010-1234",
    )
    assert Incident.objects.count() == 1
    assert comment.is_public is False
    assert comment.incident == first
    assert "张三 010-1234" in comment.body
    assert "还是不能打印" in comment.body
    assert "第三次来电" in comment.body


# --- the portal ---------------------------------------------------------------------------------


def report(world, **overrides):
    data = {
        "title": "无法登录邮箱",
        "description": "提示密码错误",
        "nature": "fault",
        "category": world.category,
        "impact": 3,
        "urgency": 2,
        "contact_phone": "139-0000",
    }
    data.update(overrides)
    return data


def test_portal_report_with_a_file(world):
    inc = services.portal_incident_report(by=world.requester, **report(world), file=png())
    attachment = Attachment.objects.get()
    assert attachment.incident == inc
    assert attachment.is_public is True
    assert attachment.original_name == "screen.png"


def test_portal_report_with_a_refused_file_writes_nothing(world):
    with pytest.raises(ValidationError) as exc:
        services.portal_incident_report(
            by=world.requester,
            **report(world),
            file=png("run.exe", content_type="application/x-msdownload"),
        )
    assert "file" in exc.value.message_dict
    assert not Incident.objects.exists()
    assert not Attachment.objects.exists()


def test_portal_add_to_my_open_request(world):
    mine = world.incident()
    comment = services.portal_report_add_to(
        by=world.requester, incident=mine, title="还是不行", description="", file=png()
    )
    assert comment.is_public is True
    assert comment.author == world.requester
    assert Attachment.objects.get().incident == mine
    assert Incident.objects.count() == 1


def test_portal_add_to_someone_elses_request_is_refused(world):
    theirs = world.incident(requester=world.other_requester)
    with pytest.raises(ActionForbidden):
        services.portal_report_add_to(
            by=world.requester, incident=theirs, title="我的", description=""
        )
    assert not Comment.objects.exists()


# --- what the forms show while they are filled in -----------------------------------------------


def test_title_terms_cut_chinese_into_pairs_and_keep_latin_words():
    assert similarity.title_terms("打印机卡纸") == ["打印", "印机", "机卡", "卡纸"]
    assert similarity.title_terms("VPN 连不上 vpn") == ["vpn", "连不", "不上"]
    assert similarity.title_terms("a 网") == []
    assert similarity.titles_alike(similarity.title_terms("打印机卡纸"), "二楼打印机又卡纸了")
    assert not similarity.titles_alike(similarity.title_terms("打印机卡纸"), "网络中断")
    assert similarity.title_likeness([], "x") == 0.0


def test_intake_proposal_follows_the_matrix_and_the_routing(world):
    proposal = selectors.intake_proposal(category=world.category, impact=1, urgency=2)
    assert proposal.priority == "P2"
    assert proposal.section == world.network
    assert selectors.intake_proposal(category=None, impact=3, urgency=3).section is None


def test_duplicate_hints_match_caller_item_and_title(world):
    by_caller = world.incident(title="邮箱满了", requester=world.requester)
    by_item = world.incident(
        title="无关", requester=world.other_requester, configuration_item="PRN-2F"
    )
    by_title = world.incident(title="二楼打印机卡纸", requester=world.other_requester)
    by_phone = world.incident(
        title="别的", requester=None, contact=Contact(name="李四", phone="010-9999")
    )
    unrelated = world.incident(title="网络中断", requester=world.other_requester)
    closed = world.closed(title="打印机卡纸", requester=world.requester)
    hints = selectors.duplicate_hints(
        world.agent,
        title="打印机卡纸",
        requester=world.requester,
        phone="010-9999",
        configuration_item="PRN-2F",
    )
    found = {h.incident.number: h.reasons for h in hints}
    assert found[by_caller.number] == ["caller"]
    assert found[by_item.number] == ["item"]
    assert found[by_title.number] == ["title"]
    assert found[by_phone.number] == ["caller"]
    assert unrelated.number not in found
    assert closed.number not in found


def test_duplicate_hints_only_of_the_last_days(world):
    old = world.incident(title="打印机卡纸", at=timezone.now() - timedelta(days=8))
    new = world.incident(title="打印机卡纸")
    hints = selectors.duplicate_hints(world.agent, title="打印机卡纸")
    assert [h.incident for h in hints] == [new]
    assert old.status == "new"


def test_duplicate_hints_rank_the_most_reasons_first_and_stop_at_five(world):
    for _ in range(6):
        world.incident(title="打印机卡纸", requester=world.other_requester)
    best = world.incident(title="打印机卡纸", requester=world.requester)
    hints = selectors.duplicate_hints(world.agent, title="打印机卡纸", requester=world.requester)
    assert len(hints) == selectors.DUPLICATE_HINTS
    assert hints[0].incident == best
    assert hints[0].reason_labels


def test_a_requester_is_hinted_only_their_own_incidents(world):
    mine = world.incident(title="打印机卡纸", requester=world.requester)
    theirs = world.incident(title="打印机卡纸", requester=world.other_requester)
    hints = selectors.duplicate_hints(world.requester, title="打印机卡纸", own_only=True)
    assert [h.incident for h in hints] == [mine]
    assert selectors.open_incident_for(world.requester, theirs.number, own_only=True) is None
    assert selectors.open_incident_for(world.requester, mine.number, own_only=True) == mine


def test_nothing_typed_hints_nothing(world, django_assert_num_queries):
    world.incident()
    with django_assert_num_queries(0):
        assert selectors.duplicate_hints(world.agent, title="a") == []
