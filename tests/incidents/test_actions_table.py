"""The table of actions (incidents/actions.py) drives the browser, the API and the services:
every declared action has what each of them needs, and no other module spells the list."""

import ast
from pathlib import Path

import pytest
from django import forms as django_forms
from django.conf import settings
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator

from incidents import actions, services
from incidents.api.views import IncidentViewSet

pytestmark = pytest.mark.django_db

TRANSITIONS = [a for a in actions.ACTIONS.values() if a.transition]
NUMBER = "INC-2026-000001"


def by_name(action):
    return action.name


def test_the_transitions_are_the_models():
    assert {a.name for a in TRANSITIONS} == set(services.ACTIONS)
    for action in TRANSITIONS:
        assert services.METHOD_TO_ACTION[action.method] == action.name


def test_the_api_routes_are_the_declared_actions():
    routes = {
        extra.url_path for extra in IncidentViewSet.get_extra_actions() if "post" in extra.mapping
    }
    assert routes == {a.name for a in actions.API_ACTIONS} == set(services.ACTIONS)


@pytest.mark.parametrize("action", TRANSITIONS, ids=by_name)
def test_every_transition_has_a_route_a_form_a_serializer_and_an_example(action):
    assert reverse(f"api:incident-{action.name}", args=[NUMBER]).endswith(f"/{action.name}/")
    assert reverse("incidents:act", args=[NUMBER, action.name])
    assert issubclass(action.form, django_forms.Form)
    assert action.serializer is not None
    assert action.example is not None
    assert set(action.example) <= set(action.serializer().fields)


@pytest.mark.parametrize("action", actions.ACTIONS.values(), ids=by_name)
def test_the_inputs_are_the_fields_of_the_form_and_the_serializer(action):
    assert set(action.api_names) <= set(action.inputs)
    if action.convert is None:
        for form_class in [action.form, *(form for form, _ in action.variants.values())]:
            form_only = {"version", "seen_at"}  # what the user saw, not the action's input
            assert set(form_class.base_fields) - form_only <= set(action.inputs), form_class
    if action.serializer is not None:
        api_fields = {action.api_names.get(name, name) for name in action.inputs}
        assert set(action.serializer().fields) == api_fields


def test_the_browser_and_the_api_give_the_service_the_same_arguments(world):
    at = "2026-03-03T09:00:00+08:00"
    suspend = actions.ACTIONS["suspend"]
    from_form = suspend.arguments(
        {"version": 3, "reason": world.reason, "resume_at": at, "note": ""}, world.tech
    )
    from_api = suspend.arguments(
        {"suspend_reason": world.reason, "resume_at": at, "note": ""}, world.tech, api=True
    )
    assert from_form == from_api == {"reason": world.reason, "resume_at": at, "note": ""}


def test_every_transition_is_available_and_offered_where_the_rules_allow_it(world):
    seen = set()
    for make in (world.incident, world.assigned, world.in_progress, world.suspended):
        incident = make()
        for user in (world.agent, world.incident_manager, world.tech):
            available = services.available_actions(incident, user)
            assert set(available) <= set(actions.offered(incident, user))
            seen.update(available)
    resolved = world.resolved()
    seen.update(services.available_actions(resolved, world.requester))
    assert seen == {a.name for a in TRANSITIONS}


def test_the_schema_documents_each_action_from_its_declaration():
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    for action in actions.API_ACTIONS:
        operation = paths[f"/api/v1/incidents/{{number}}/{action.name}/"]["post"]
        assert operation["operationId"] == f"incidents_{action.name}"
        assert operation["summary"] == str(action.label)
        if action.serializer().fields:  # (an input without fields has no request body)
            body = operation["requestBody"]["content"]["application/json"]
            assert [e["value"] for e in body["examples"].values()] == [action.example]


def _literal_lists_of_actions(path: Path, names: set[str]):
    """Dict, list, tuple and set literals of the module naming three or more of the actions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            items = node.keys
        elif isinstance(node, ast.List | ast.Tuple | ast.Set):
            items = node.elts
        else:
            continue
        spelled = {i.value for i in items if isinstance(i, ast.Constant)} & names
        if len(spelled) >= 3:
            yield f"{path}:{node.lineno}: {sorted(spelled)}"


def test_no_other_module_spells_the_list_of_actions():
    names = set(actions.ACTIONS)
    root = Path(settings.BASE_DIR)
    found = [
        hit
        for app in ("incidents", "servicedesk", "itsm", "sla", "reports")
        for path in sorted((root / app).rglob("*.py"))
        if "migrations" not in path.parts
        for hit in _literal_lists_of_actions(path, names)
    ]
    assert found == []
