"""People and sections are shown by their names, never by a username or a code, and names are
written in the order of their language (itsm.people)."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation

from incidents import services
from itsm.people import full_name, person_name
from tests.itsm.factories import UserFactory

pytestmark = pytest.mark.django_db


class _VisibleText(HTMLParser):
    """The text a reader sees: no tags, attributes, scripts or styles."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def test_name_order_follows_the_names_language():
    assert full_name("王", "芳") == "王芳"
    assert full_name("Wang", "Fang") == "Fang Wang"
    assert full_name("", "", "w_user") == "w_user"
    assert full_name("  ", "芳", "x") == "芳"
    assert person_name(None) == ""
    assert person_name(UserFactory.build(username="u", last_name="杨", first_name="磊")) == "杨磊"


@pytest.fixture
def named_world(world):
    """The world's people with real names, and an incident that went through hand-overs,
    a return, a field edit and a dispute, so that its history names sections and people."""
    names = {
        world.agent: ("王", "芳"),
        world.tech: ("杨", "磊"),
        world.tech2: ("黄", "勇"),
        world.lead: ("赵", "军"),
        world.sys_tech: ("吴", "静"),
        world.sys_lead: ("周", "涛"),
        world.incident_manager: ("唐", "敏"),
        world.requester: ("冯", "雪"),
        world.desk_manager: ("张", "伟"),
        world.director: ("韩", "峰"),
        world.vendor: ("郑", "凯"),
        world.other_requester: ("董", "琳"),
        world.admin: ("管", "理员"),
        world.system: ("监控", "系统"),
    }
    sections = {
        world.desk: ("服务台", "Service Desk"),
        world.network: ("网络科", "Network Section"),
        world.systems: ("系统科", "Systems Section"),
        world.vendor_section: ("电子口岸", "E-Port"),
    }
    for section, (zh, en) in sections.items():
        section.name_zh, section.name_en = zh, en
        section.save(update_fields=["name_zh", "name_en"])
    for user, (last, first) in names.items():
        user.last_name, user.first_name = last, first
        user.save(update_fields=["last_name", "first_name"])
    inc = world.assigned(title="打印机卡纸")
    inc = services.incident_accept(incident=inc, by=world.tech)
    inc = services.incident_assign(
        incident=inc, by=world.tech, department=world.systems, reason="服务器问题"
    )
    inc = services.incident_return(incident=inc, by=world.sys_tech, reason="不是系统问题")
    other = world.category.__class__.objects.create(
        code="zz-printer", name_zh="打印机", name_en="Printers", default_department=world.network
    )
    inc = services.incident_update(
        incident=inc, by=world.agent, changes={"category": other, "nature": "request"}
    )
    inc = services.incident_assign(
        incident=inc, by=world.agent, department=world.network, assignee=world.tech2
    )
    world.named_incident = inc
    return world


CODES = ("servicedesk", "network", "systems", "eport", "zz-printer")


def _assert_names_only(html: str, world, *, page: str, codes=CODES):
    text = visible_text(html)
    usernames = [
        u.username
        for u in (world.agent, world.tech, world.tech2, world.lead, world.sys_tech, world.requester)
    ]
    for token in (*codes, *usernames):
        found = re.search(rf"(?<![\w-]){re.escape(token)}(?![\w@-])", text)
        assert found is None, (
            f"{page} shows {token!r}: …{text[max(0, found.start() - 60) : found.end() + 60]}…"
        )
    for wrong in ("磊 杨", "芳 王", "勇 黄", "敏 唐"):
        assert wrong not in text, f"{page} writes a name in the wrong order: {wrong}"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pages_name_people_and_sections(client, named_world, language):
    world, inc = named_world, named_world.named_incident
    pages = [
        (world.incident_manager, reverse("incidents:detail", args=[inc.number])),
        (world.tech2, reverse("incidents:detail", args=[inc.number])),
        (world.lead, reverse("incidents:queue")),
        (world.tech2, reverse("incidents:queue")),
        (world.agent, reverse("servicedesk:console")),
        (world.requester, reverse("servicedesk:portal")),
        (world.requester, reverse("incidents:detail", args=[inc.number])),
        (world.agent, reverse("home")),
        (world.agent, reverse("directory")),
        (world.agent, reverse("notifications")),
    ]
    for user, url in pages:
        client.force_login(user)
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
        # The directory of sections has a column of their codes (what the API takes).
        codes = () if url == reverse("directory") else CODES
        _assert_names_only(
            response.content.decode(), world, page=f"{url} as {user.username}", codes=codes
        )


def test_history_names_sections_people_and_changed_values(client, named_world):
    world, inc = named_world, named_world.named_incident
    client.force_login(world.incident_manager)
    with translation.override("zh-hans"):
        html = client.get(
            reverse("incidents:detail", args=[inc.number]), HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()
    text = visible_text(html)
    assert "网络科 → 系统科" in text
    assert "黄勇" in text
    assert "杨磊" in text
    assert "打印机" in text  # the category change shows the new category's name


def test_disputes_name_the_sections(client, named_world):
    world = named_world
    inc = world.assigned()
    inc = services.incident_return(incident=inc, by=world.tech, reason="不是网络问题")
    inc = services.incident_assign(incident=inc, by=world.agent, department=world.network)
    services.incident_return(incident=inc, by=world.tech, reason="还是不是网络问题")
    client.force_login(world.incident_manager)
    html = client.get(reverse("incidents:disputes"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    text = visible_text(html.content.decode())
    assert "网络科 → 服务台" in text
    _assert_names_only(html.content.decode(), world, page="disputes")


def test_api_gives_names_next_to_usernames_and_codes(named_world):
    from rest_framework.test import APIClient

    world, inc = named_world, named_world.named_incident
    api = APIClient()
    api.force_authenticate(world.incident_manager)
    body = api.get(f"/api/v1/incidents/{inc.number}/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert body["assignee"] == world.tech2.username
    assert body["assignee_name"] == "黄勇"
    assert body["owner_name"] == "王芳"
    assert body["requester_name"] == "冯雪"
    assert body["department"] == "network"
    assert body["department_name"] == world.network.name_zh
