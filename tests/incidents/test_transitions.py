"""Every transition × every role × every starting state, called through the services.

The expected matrix is written out below from DESIGN §2.1–2.2 and the rules of
``incidents/rules.py`` as they are meant to read; it is data, not computed from the rules,
so that a change of a rule shows up here as a failing cell.

Starting states are built with the ``world`` helpers (tests/incidents/factories.py):

- ``new``: logged by the agent (the owner) for the requester, held by the desk;
- ``assigned``: dispatched by the agent to network, nobody assigned yet;
- ``in_progress``/``suspended``/``resolved``: accepted by ``tech`` (network), who is then
  the assignee;
- ``closed``: confirmed by the requester; ``cancelled``: cancelled by the agent while new.
"""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from incidents import services
from incidents.choices import EventKind, Status
from incidents.exceptions import ActionForbidden, TransitionNotAllowed
from incidents.models import AssignmentSegment, Incident, IncidentEvent

pytestmark = pytest.mark.django_db

ACTIONS = (
    "assign",
    "accept",
    "return",
    "suspend",
    "resume",
    "escalate",
    "resolve",
    "reopen",
    "close",
    "cancel",
)

# World attribute names. ``tech`` works in network, the section holding the incident, and is
# its assignee from in_progress on; ``tech2`` is the other network technician (never the
# assignee); ``lead`` leads network; ``sys_*`` work in another section; ``agent`` is the
# owner (it logged the incident) and ``requester`` requested it.
ROLES = (
    "agent",
    "desk_manager",
    "incident_manager",
    "tech",
    "tech2",
    "sys_tech",
    "lead",
    "sys_lead",
    "vendor",
    "director",
    "requester",
    "other_requester",
    "system",
    "admin",
)

STATES = ("new", "assigned", "in_progress", "suspended", "resolved", "closed", "cancelled")

# What the state allows at all (DESIGN §2.1; escalation raises the level of any open one).
STATE_ACTIONS = {
    "new": {"assign", "escalate", "resolve", "cancel"},
    "assigned": {"assign", "accept", "return", "escalate", "cancel"},
    "in_progress": {"assign", "return", "suspend", "escalate", "resolve"},
    "suspended": {"resume", "escalate"},
    "resolved": {"reopen", "close"},
    "closed": set(),
    "cancelled": set(),
}

NOBODY = ()

# ALLOWED[state][role]: the actions that role may take from that state. Roles not listed
# may take none.
ALLOWED = {
    "new": {
        # The desk dispatches, resolves at first contact, escalates and cancels.
        "agent": ("assign", "escalate", "resolve", "cancel"),
        "desk_manager": ("assign", "escalate", "resolve", "cancel"),
        "incident_manager": ("assign", "escalate", "resolve", "cancel"),
        # The requester may withdraw what nobody has started on.
        "requester": ("cancel",),
    },
    "assigned": {
        # The desk may still re-dispatch (the agent overrides routing) and cancel.
        "agent": ("assign", "escalate", "cancel"),
        "desk_manager": ("assign", "escalate", "cancel"),
        "incident_manager": ("assign", "escalate", "cancel"),
        # Members of the holding section claim, assign on, or return it (unassigned yet).
        "tech": ("assign", "accept", "return"),
        "tech2": ("assign", "accept", "return"),
        "lead": ("assign", "accept", "return", "escalate"),
    },
    "in_progress": {
        "agent": ("escalate",),
        "desk_manager": ("escalate",),
        "incident_manager": ("assign", "suspend", "escalate", "resolve"),
        # The assignee works it; the lead may too.
        "tech": ("assign", "return", "suspend", "escalate", "resolve"),
        # A section member who is not the assignee may only return it for the section.
        "tech2": ("return",),
        "lead": ("assign", "return", "suspend", "escalate", "resolve"),
    },
    "suspended": {
        "agent": ("resume", "escalate"),
        "desk_manager": ("resume", "escalate"),
        "incident_manager": ("resume", "escalate"),
        "tech": ("resume", "escalate"),
        "lead": ("resume", "escalate"),
    },
    "resolved": {
        # The requester confirms or rejects; the desk calls back; the IM may do either.
        "agent": ("reopen", "close"),
        "desk_manager": ("reopen", "close"),
        "incident_manager": ("reopen", "close"),
        "requester": ("reopen", "close"),
    },
    "closed": {},
    "cancelled": {},
}

# Where each action leads (None: the state does not change).
TARGET = {
    "assign": Status.ASSIGNED,
    "accept": Status.IN_PROGRESS,
    "return": Status.ASSIGNED,
    "suspend": Status.SUSPENDED,
    "resume": Status.IN_PROGRESS,
    "escalate": None,
    "resolve": Status.RESOLVED,
    "reopen": Status.IN_PROGRESS,
    "close": Status.CLOSED,
    "cancel": Status.CANCELLED,
}

EVENT = {
    "assign": EventKind.ASSIGNED,
    "accept": EventKind.ACCEPTED,
    "return": EventKind.RETURNED,
    "suspend": EventKind.SUSPENDED,
    "resume": EventKind.RESUMED,
    "escalate": EventKind.ESCALATED,
    "resolve": EventKind.RESOLVED,
    "reopen": EventKind.REOPENED,
    "close": EventKind.CLOSED,
    "cancel": EventKind.CANCELLED,
}


def allowed(state: str, role: str) -> tuple[str, ...]:
    return ALLOWED[state].get(role, NOBODY)


def test_matrix_is_consistent_with_the_state_graph():
    """A role can only be allowed what the state allows at all."""
    for state in STATES:
        for role, actions in ALLOWED[state].items():
            assert role in ROLES
            assert set(actions) <= STATE_ACTIONS[state], (state, role)
    # Everything a state allows somebody may do (no dead transition).
    for state in STATES:
        granted = set().union(*[set(a) for a in ALLOWED[state].values()] or [set()])
        assert granted == STATE_ACTIONS[state], state


def build(world, state: str) -> Incident:
    return getattr(world, "incident" if state == "new" else state)()


def kwargs_for(world, action: str) -> dict:
    """Valid arguments for each action, so that an allowed call succeeds."""
    return {
        # Same section (or the dispatch from the desk): no hand-over, one ASSIGNED event.
        "assign": {"department": world.network, "assignee": world.tech2, "reason": "调整人员"},
        "accept": {},
        "return": {"reason": "不属于本科室"},
        "suspend": {"reason": world.reason, "resume_at": timezone.now() + timedelta(hours=2)},
        "resume": {},
        "escalate": {"reason": "VIP 用户"},
        "resolve": {"code": world.code, "resolution": "重启了交换机"},
        "reopen": {"reason": "问题依旧"},
        "close": {"satisfaction": 4},
        "cancel": {"reason": "重复登记"},
    }[action]


@contextmanager
def rolled_back():
    """Run the block in a savepoint that is always rolled back."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def snapshot(incident_pk: int) -> dict:
    incident = Incident.objects.get(pk=incident_pk)
    return {
        "status": incident.status,
        "version": incident.version,
        "department": incident.department_id,
        "assignee": incident.assignee_id,
        "escalation_level": incident.escalation_level,
        "events": IncidentEvent.objects.filter(incident_id=incident_pk).count(),
        "segments": AssignmentSegment.objects.filter(incident_id=incident_pk).count(),
    }


def check_cell(world, incident_pk: int, state: str, role: str, action: str) -> list[str]:
    """Call the action as the role; return what went wrong (empty: as the matrix says)."""
    user = getattr(world, role)
    expected_allowed = allowed(state, role)
    problems = []
    with rolled_back():
        before = snapshot(incident_pk)
        last_event = IncidentEvent.objects.filter(incident_id=incident_pk).order_by("-id").first()
        call = {"incident": incident_pk, "by": user, "action": action}
        if action in expected_allowed:
            try:
                services.incident_act(**call, **kwargs_for(world, action))
            except Exception as exc:
                exc.add_note(f"{state} / {role} / {action}: expected to be allowed")
                raise
            after = Incident.objects.get(pk=incident_pk)
            target = TARGET[action] or state
            if after.status != target:
                problems.append(f"{role}: status {after.status}, expected {target}")
            if after.version != before["version"] + 1:
                problems.append(f"{role}: version {after.version}, expected +1")
            new_events = list(
                IncidentEvent.objects.filter(
                    incident_id=incident_pk, id__gt=last_event.id if last_event else 0
                )
            )
            if len(new_events) != 1:
                problems.append(f"{role}: {len(new_events)} events, expected 1")
            else:
                event = new_events[0]
                seen = (event.kind, event.actor_id, event.from_status, event.to_status)
                wanted = (EVENT[action], user.pk, state, target)
                if seen != wanted:
                    problems.append(f"{role}: event {seen}, expected {wanted}")
        else:
            in_state = action in STATE_ACTIONS[state]
            expected_exc = ActionForbidden if in_state else TransitionNotAllowed
            try:
                services.incident_act(**call, **kwargs_for(world, action))
            except (ActionForbidden, TransitionNotAllowed) as exc:
                if not isinstance(exc, expected_exc):
                    problems.append(
                        f"{role}: raised {type(exc).__name__}, expected {expected_exc.__name__}"
                    )
                elif isinstance(exc, TransitionNotAllowed):
                    if exc.allowed != sorted(expected_allowed):
                        problems.append(
                            f"{role}: .allowed {exc.allowed}, expected {sorted(expected_allowed)}"
                        )
                    if exc.status != state or exc.action != action:
                        problems.append(f"{role}: error says {exc.action}/{exc.status}")
            else:
                problems.append(f"{role}: succeeded, expected {expected_exc.__name__}")
            after = snapshot(incident_pk)
            if after != before:
                problems.append(f"{role}: changed {before} → {after}")
    return problems


def matrix_params():
    params = []
    for state in STATES:
        for action in ACTIONS:
            params.append(pytest.param(state, action, id=f"{state}-{action}"))
    return params


@pytest.mark.parametrize(("state", "action"), matrix_params())
def test_transition_matrix(world, state, action):
    """Each role tries the action from the state: allowed ones move the state and write one
    event; forbidden ones raise the right error and change nothing."""
    incident = build(world, state)
    assert incident.status == state
    problems = []
    for role in ROLES:
        problems += check_cell(world, incident.pk, state, role, action)
    assert not problems, f"{state} / {action}:\n" + "\n".join(problems)


@pytest.mark.parametrize("state", STATES)
def test_available_actions_match_the_matrix(world, state):
    incident = build(world, state)
    wrong = {}
    for role in ROLES:
        got = services.available_actions(Incident.objects.get(pk=incident.pk), getattr(world, role))
        if got != sorted(allowed(state, role)):
            wrong[role] = {"got": got, "expected": sorted(allowed(state, role))}
    assert not wrong, f"{state}: {wrong}"


def test_available_actions_for_nobody(world):
    from django.contrib.auth.models import AnonymousUser

    incident = world.incident()
    assert services.available_actions(incident, None) == []
    assert services.available_actions(incident, AnonymousUser()) == []


# --- cells that need another starting point -------------------------------------------------


def test_system_resolves_what_monitoring_raised(world):
    """An external system may clear the incident it raised while new, nothing else."""
    raised = world.incident(by=world.system, source="monitoring", requester=None)
    assert services.available_actions(raised, world.system) == ["resolve"]
    resolved = services.incident_resolve(
        incident=raised, by=world.system, code=world.code, resolution="告警已恢复"
    )
    assert resolved.status == Status.RESOLVED
    event = resolved.events.order_by("-id").first()
    assert (event.kind, event.actor, event.from_status) == (
        EventKind.RESOLVED,
        world.system,
        Status.NEW,
    )

    phoned = world.incident(source="phone")
    with pytest.raises(ActionForbidden):
        services.incident_resolve(incident=phoned, by=world.system, code=world.code, resolution="x")


def test_vendor_works_the_incidents_assigned_to_it(world):
    """L3: once handed to the vendor section the vendor engineer accepts, suspends, resolves."""
    incident = world.in_progress()
    incident = services.incident_assign(
        incident=incident, by=world.tech, department=world.vendor_section, reason="需要厂商"
    )
    assert incident.support_level == "L3"
    assert services.available_actions(incident, world.vendor) == ["accept", "assign", "return"]
    # The network technician no longer holds it.
    assert services.available_actions(incident, world.tech) == []
    incident = services.incident_accept(incident=incident, by=world.vendor)
    assert incident.assignee == world.vendor
    assert services.available_actions(incident, world.vendor) == [
        "assign",
        "escalate",
        "resolve",
        "return",
        "suspend",
    ]
    incident = services.incident_resolve(
        incident=incident, by=world.vendor, code=world.code, resolution="厂商更换板卡"
    )
    assert incident.status == Status.RESOLVED
    assert incident.resolved_by == world.vendor


def test_assignee_named_by_the_lead_is_the_only_technician_who_accepts(world):
    incident = world.assigned()
    incident = services.incident_assign(
        incident=incident, by=world.lead, department=world.network, assignee=world.tech2
    )
    assert services.available_actions(incident, world.tech) == ["return"]
    assert "accept" in services.available_actions(incident, world.tech2)
    with pytest.raises(ActionForbidden):
        services.incident_accept(incident=incident, by=world.tech)
    incident = services.incident_accept(incident=incident, by=world.tech2)
    assert incident.assignee == world.tech2


def test_escalation_stops_at_the_director(world):
    incident = world.in_progress()
    for level in (1, 2, 3):
        incident = services.incident_escalate(incident=incident, by=world.lead, reason="慢")
        assert incident.escalation_level == level
    assert "escalate" not in services.available_actions(incident, world.incident_manager)
    with pytest.raises(TransitionNotAllowed) as caught:
        services.incident_escalate(incident=incident, by=world.incident_manager, reason="再升")
    assert "escalate" not in caught.value.allowed
    assert Incident.objects.get(pk=incident.pk).escalation_level == 3
