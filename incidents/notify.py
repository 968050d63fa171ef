"""Who is told what about an incident: recipients and messages, queued in the outbox.

Called by the incident services inside their transaction; the outbox rows commit (or roll
back) with the change they announce.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from itsm.people import person_name
from itsm.roles import Role
from itsm.selectors import section_leads, section_members_on_duty, users_with_role
from sla.choices import OLA_TARGETS

# The kinds of notification the incident services send (registered by ``IncidentsConfig.ready``
# with ``itsm.notification_kinds``), in the order the preferences page lists them.
NOTIFICATION_KINDS = (
    ("incident.assigned", gettext_lazy("Incident assigned")),
    ("incident.accepted", gettext_lazy("Incident accepted")),
    ("incident.suspended", gettext_lazy("Incident suspended")),
    ("incident.resumed", gettext_lazy("Incident resumed")),
    ("incident.resolved", gettext_lazy("Incident resolved")),
    ("incident.reopened", gettext_lazy("Incident reopened")),
    ("incident.closed", gettext_lazy("Incident closed")),
    ("incident.returned", gettext_lazy("Incident returned by a section")),
    ("incident.dispute", gettext_lazy("Ownership dispute")),
    ("incident.escalated", gettext_lazy("Incident escalated")),
    ("incident.major", gettext_lazy("Major incident")),
    ("incident.commented", gettext_lazy("New comment")),
    ("incident.resume_reminder", gettext_lazy("Suspended incident resumes soon")),
    ("sla.warning", gettext_lazy("SLA warning")),
    ("sla.breached", gettext_lazy("SLA breached")),
)
# The low-priority kinds: nobody must act on them at once, so a recipient may take their
# email in the daily digest (the preferences page offers it only for these).
DIGEST_KINDS = frozenset(
    {"incident.accepted", "incident.resumed", "incident.closed", "incident.commented"}
)


class People:
    """Who holds a role or leads a section, read when asked (``itsm.selectors``): the source of
    recipients the functions below take as ``people``."""

    def with_role(self, *roles: str) -> list:
        return users_with_role(*roles)

    def leads(self, department) -> list:
        return section_leads(department)


class CachedPeople(People):
    """The same, each answer read once: for one SLA tick batch (many incidents, few roles and
    sections), inside one transaction."""

    def __init__(self):
        self._roles: dict[tuple, list] = {}
        self._leads: dict[int, list] = {}

    def with_role(self, *roles: str) -> list:
        key = tuple(sorted(roles))
        if key not in self._roles:
            self._roles[key] = users_with_role(*roles)
        return self._roles[key]

    def leads(self, department) -> list:
        if department is None:
            return []
        if department.pk not in self._leads:
            self._leads[department.pk] = section_leads(department)
        return self._leads[department.pk]


PEOPLE = People()


def _caller_or_owner(incident) -> list:
    """Who tells the caller: the requester with an account reads it in the portal; for a
    caller without one, the owner (the desk agent) must phone them."""
    requester = incident.requester
    if requester is not None and requester.is_active:
        return [requester]
    return [incident.owner]


def _worker_or_section(incident) -> list:
    """Who must act on the incident now: its assignee, else the section's members on duty,
    else (nobody on duty) the section's leads."""
    if incident.assignee_id:
        return [incident.assignee]
    return section_members_on_duty(incident.department) or section_leads(incident.department)


def send(
    *,
    incident,
    event: str,
    recipients,
    headline: str,
    detail: str = "",
    outbox=None,
    actor=None,
) -> list:
    """Queue one notification per distinct recipient but the ``actor`` (who did it knows);
    returns the recipients told. With ``outbox`` (a list), the message is appended to it for
    ``notification_queue_many``."""
    from itsm.services import OutboxMessage, notification_queue_many

    skip = getattr(actor, "pk", None)
    people = list({u.pk: u for u in recipients if u is not None and u.pk != skip}.values())
    if not people:
        return []
    subject = f"[{incident.number}] {headline}"
    body = "\n".join(
        part
        for part in (
            headline,
            f"{incident.number} · {incident.priority} · {incident.title}",
            detail,
        )
        if part
    )
    message = OutboxMessage(
        recipients=tuple(people),
        event=event,
        subject=subject,
        body=body,
        url=reverse("incidents:detail", args=[incident.number]),
        incident_number=incident.number,
    )
    if outbox is None:
        notification_queue_many([message])
    else:
        outbox.append(message)
    return people


def assigned(incident, *, reason="", by=None):
    return send(
        incident=incident,
        event="incident.assigned",
        recipients=_worker_or_section(incident),
        actor=by,
        headline=_("Incident assigned to %(section)s") % {"section": incident.department},
        detail=reason,
    )


def accepted(incident, *, by=None):
    return send(
        incident=incident,
        event="incident.accepted",
        recipients=[incident.owner],
        actor=by,
        headline=_("Incident accepted by %(user)s") % {"user": person_name(incident.assignee)},
    )


def returned(incident, *, reason, by=None):
    return send(
        incident=incident,
        event="incident.returned",
        recipients=[*section_leads(incident.department), incident.owner],
        actor=by,
        headline=_("Incident returned to %(section)s") % {"section": incident.department},
        detail=reason,
    )


def dispute(incident, *, reason):
    return send(
        incident=incident,
        event="incident.dispute",
        recipients=users_with_role(Role.INCIDENT_MANAGER),
        headline=_("Ownership dispute: the incident bounced %(count)s times")
        % {"count": incident.bounce_count},
        detail=reason,
    )


def suspended(incident, *, reason_text, by=None):
    return send(
        incident=incident,
        event="incident.suspended",
        recipients=_caller_or_owner(incident),
        actor=by,
        headline=_("Incident suspended until %(when)s")
        % {"when": incident.resume_at.strftime("%Y-%m-%d %H:%M")},
        detail=reason_text,
    )


def resumed(incident, *, by=None):
    return send(
        incident=incident,
        event="incident.resumed",
        recipients=_worker_or_section(incident),
        actor=by,
        headline=_("Incident resumed"),
    )


def resume_reminder(incident):
    return send(
        incident=incident,
        event="incident.resume_reminder",
        recipients=_worker_or_section(incident),
        headline=_("The incident resumes at %(when)s")
        % {"when": incident.resume_at.strftime("%Y-%m-%d %H:%M")},
    )


def escalated(incident, *, level, reason, people: People = PEOPLE, outbox=None):
    if level >= 3:
        recipients = people.with_role(Role.DIRECTOR)
    elif level == 2:
        recipients = people.with_role(Role.INCIDENT_MANAGER)
    else:
        recipients = people.leads(incident.department)
    return send(
        incident=incident,
        event="incident.escalated",
        recipients=[*recipients, incident.assignee],
        headline=_("Incident escalated to level %(level)s") % {"level": level},
        detail=reason,
        outbox=outbox,
    )


_TARGET_LABELS = {
    "response": gettext_lazy("response"),
    "resolution": pgettext_lazy("SLA target", "resolution"),
    "update": gettext_lazy("update"),
    "ola_accept": gettext_lazy("OLA acceptance"),
    "ola_resolve": gettext_lazy("OLA resolution or hand-over"),
}


def threshold_crossed(
    incident, crossing, *, department=None, skip=(), people: People = PEOPLE, outbox=None
):
    """Tell the people an SLA threshold names (``crossing``: ``sla.handlers.ThresholdCrossing``)
    but those whose usernames are in ``skip`` (told by its escalation already). An OLA
    crossing names the ``department`` of its segment."""
    label = _TARGET_LABELS.get(crossing.target, crossing.target)
    names = set(crossing.notify)
    if crossing.target == "update":
        names |= {"owner", "assignee", "incident_manager"}
        headline = _("A progress update of the major incident is due")
    elif crossing.target in OLA_TARGETS:
        names |= {"lead"}
        headline = _("OLA overrun in %(section)s: %(target)s") % {
            "section": department,
            "target": label,
        }
    elif crossing.breached:
        headline = _("SLA breached: %(target)s target") % {"target": label}
    else:
        headline = _("SLA warning: %(percent)s%% of the %(target)s target used") % {
            "percent": crossing.percent,
            "target": label,
        }
    recipients = []
    if "assignee" in names:
        recipients.append(incident.assignee)
    if "owner" in names:
        recipients.append(incident.owner)
    if "lead" in names:
        recipients.extend(people.leads(department or incident.department))
    if "incident_manager" in names:
        recipients.extend(people.with_role(Role.INCIDENT_MANAGER))
    if "director" in names:
        recipients.extend(people.with_role(Role.DIRECTOR))
    return send(
        incident=incident,
        event="sla.breached" if crossing.breached else "sla.warning",
        recipients=[u for u in recipients if u is not None and u.username not in skip],
        headline=headline,
        outbox=outbox,
    )


def major(incident, *, by=None):
    return send(
        incident=incident,
        event="incident.major",
        recipients=users_with_role(Role.INCIDENT_MANAGER, Role.DIRECTOR),
        actor=by,
        headline=_("Major incident (P1) declared"),
        detail=incident.description[:500],
    )


def resolved(incident, *, by=None):
    return send(
        incident=incident,
        event="incident.resolved",
        recipients=_caller_or_owner(incident),
        actor=by,
        headline=_("Incident resolved: please confirm"),
        detail=incident.resolution[:500],
    )


def reopened(incident, *, reason, by=None):
    return send(
        incident=incident,
        event="incident.reopened",
        recipients=_worker_or_section(incident),
        actor=by,
        headline=_("Incident reopened"),
        detail=reason,
    )


def closed(incident, *, by=None):
    return send(
        incident=incident,
        event="incident.closed",
        recipients=[*_caller_or_owner(incident), incident.assignee],
        actor=by,
        headline=_("Incident closed"),
    )


def not_accepted(incident):
    return send(
        incident=incident,
        event="incident.assigned",
        recipients=section_leads(incident.department),
        headline=_("Nobody accepted the incident in time"),
    )


def commented(incident, *, author, public):
    if author.pk == incident.requester_id:
        recipients = [incident.assignee, incident.owner]
    elif public:
        recipients = [incident.requester, incident.assignee, incident.owner]
    else:
        recipients = [incident.assignee, incident.owner]
    return send(
        incident=incident,
        event="incident.commented",
        recipients=recipients,
        actor=author,
        headline=_("New comment from %(user)s") % {"user": person_name(author)},
    )
