"""The actions on an incident, one declaration each (STYLE: "One declaration per action").

An action's declaration says everything the rest of the code needs to know about it:

- ``name`` (as in ``POST /api/v1/incidents/{number}/{name}/`` and the browser's
  ``/incidents/{number}/act/{name}/``) and ``label``, its name for people;
- ``service``, the function that takes it, and ``inputs``, the service's keyword arguments
  that come from the user: the browser form's fields carry these names, the API
  serializer's fields too but for the ``api_names`` that differ (``convert`` replaces the
  mapping where the input needs more than renaming: a browser-only action);
- ``form`` and ``serializer``, the browser form and the API serializer of the inputs (an
  action without a serializer has no API route here: the API edits and adds records at their
  own resources);
- ``example``, the API request shown in the OpenAPI schema;
- how the page shows it: ``style``, the ``variants`` of the compact forms of the lists,
  ``requester_label``, ``form_options`` and ``initial``; ``offered`` says when the page
  offers an action that is not a transition, ``placed`` that it has its own place on it.

An action whose name is one of the model's transitions (``services.ACTIONS``) is a
transition: the state machine and its rules decide when it is possible. From this table
derive the browser's forms and dispatch (``incidents.views``), the API's routes, inputs and
examples (``incidents.api``), and the dispatch of ``services.incident_act``, the one entry
point both of them call. docs/actions.md says how to add one.
"""

import keyword
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from incidents import forms, rules, selectors
from incidents.api import action_serializers as api
from incidents.models import Incident
from incidents.services.base import ACTIONS as TRANSITIONS
from incidents.services.base import available_actions
from incidents.services.edits import (
    EDITABLE_FIELDS,
    incident_override_priority,
    incident_update,
)
from incidents.services.escalation import incident_escalate
from incidents.services.records import attachment_add, comment_add, link_add, worklog_add
from incidents.services.transitions import (
    incident_accept,
    incident_assign,
    incident_cancel,
    incident_close,
    incident_reopen,
    incident_resolve,
    incident_resume,
    incident_return,
    incident_suspend,
)
from itsm.roles import is_staff


@dataclass(frozen=True)
class Action:
    """One action: see the module's docstring."""

    name: str
    label: str | Promise
    service: Callable
    form: type
    inputs: tuple[str, ...] = ()
    serializer: type | None = None
    api_names: dict[str, str] = field(default_factory=dict)
    convert: Callable | None = None  # (data, user) -> the service's keyword arguments
    example: dict | None = None
    style: str = "primary"
    # Compact forms of the lists: variant -> (form class, fragment template).
    variants: dict = field(default_factory=dict)
    requester_label: str | Promise | None = None  # what the requester (not staff) sees
    form_options: Callable | None = None  # (incident, user) -> the form's own arguments
    initial: Callable | None = None  # incident -> the form's initial data
    offered: Callable | None = None  # (incident, user) -> bool, for non-transition actions
    placed: bool = False  # shown in its own place on the page, not in the list of actions

    @property
    def transition(self) -> bool:
        return self.name in TRANSITIONS

    @property
    def method(self) -> str | None:
        """The model's transition method (``return_`` for ``return``)."""
        return TRANSITIONS.get(self.name)

    @property
    def attr(self) -> str:
        """The name as a Python attribute (the API view's method): ``return_``."""
        return f"{self.name}_" if keyword.iskeyword(self.name) else self.name

    def arguments(self, data: dict, user, *, api: bool = False) -> dict:
        """The service's keyword arguments from a form's cleaned data, or (``api``) from a
        serializer's validated data: each input the data has, by the service's name."""
        if self.convert is not None:
            return self.convert(data, user)
        names = self.api_names if api else {}
        return {
            name: data[names.get(name, name)]
            for name in self.inputs
            if names.get(name, name) in data
        }

    # --- the browser -----------------------------------------------------------------------------

    def label_for(self, incident, user):
        if self.requester_label and rules.is_requester(incident, user) and not is_staff(user):
            return self.requester_label
        return self.label

    def form_kwargs(self, incident, user) -> dict:
        return self.form_options(incident, user) if self.form_options else {}

    def new_form(self, incident, user):
        if self.initial is not None:
            initial = self.initial(incident)
        elif issubclass(self.form, forms.VersionedForm):
            initial = {"version": incident.version}
        else:
            initial = {}
        if issubclass(self.form, forms.VersionedForm):
            initial.setdefault("seen_at", timezone.now())
        return self.form(
            initial=initial, auto_id=f"id_{self.name}_%s", **self.form_kwargs(incident, user)
        )


# --- what some actions need besides the table's columns ------------------------------------------


def _open_and_editable(incident, user) -> bool:
    return not incident.is_final and rules.may_edit(incident, user)


def _open(incident, user) -> bool:
    return not incident.is_final


def _public_choice(incident, user) -> dict:
    # The public choice (comments, files) only for those who may write to the requester
    # (rules.py); the others' are internal, the requester's public.
    return {
        "staff": is_staff(user)
        and rules.may_comment_publicly(incident, user)
        and not rules.comments_always_public(incident, user)
    }


def _requester_confirms(incident, user) -> dict:
    return {"requester": rules.is_requester(incident, user) and not is_staff(user)}


def _for_incident(incident, user) -> dict:
    # The assignment forms propose sections and members from the incident's own situation.
    return {"incident": incident}


def _changes(data, user) -> dict:
    return {"changes": {name: data[name] for name in EDITABLE_FIELDS if name in data}}


def _attachment(data, user) -> dict:
    return {"uploaded_file": data["file"], "is_public": data.get("is_public")}


def _link(data, user) -> dict:
    """The other incident by its number, if the user may see it."""
    number = data["other"].strip()
    try:
        other = selectors.incident_for(user, number)
    except Incident.DoesNotExist:
        raise ValidationError(
            {"other": [gettext("No incident %(number)s that you may see.") % {"number": number}]}
        ) from None
    return {"other": other, "kind": data["kind"]}


# --- the table, in the order of the detail page --------------------------------------------------

ACTIONS: dict[str, Action] = {
    action.name: action
    for action in (
        Action(
            "accept", _("Accept"), incident_accept, forms.AcceptForm,
            serializer=api.AcceptSerializer,
            example={},
            variants={"claim": (forms.AcceptForm, "incidents/partials/claim_form.html")},
        ),
        Action(
            "assign", _("Assign"), incident_assign, forms.AssignForm,
            inputs=("department", "assignee", "reason"),
            serializer=api.AssignSerializer,
            example={"department": "network", "assignee": "net1", "reason": ""},
            variants={
                "dispatch": (forms.DispatchForm, "incidents/partials/dispatch_form.html"),
                "dispute": (forms.DisputeAssignForm, "incidents/partials/dispute_form.html"),
            },
            form_options=_for_incident,
        ),
        Action(
            "resume", _("Resume"), incident_resume, forms.ResumeForm,
            inputs=("note",),
            serializer=api.ResumeSerializer,
            example={"note": ""},
        ),
        Action(
            "resolve", _("Resolve"), incident_resolve, forms.ResolveForm,
            inputs=("code", "resolution", "knowledge_ref"),
            serializer=api.ResolveSerializer, api_names={"code": "resolution_code"},
            example={"resolution_code": "fixed", "resolution": "更换了网线", "knowledge_ref": ""},
            style="success",
        ),
        Action(
            "close", _("Close"), incident_close, forms.CloseForm,
            inputs=("method", "closing_category", "satisfaction", "satisfaction_comment"),
            serializer=api.CloseSerializer, api_names={"method": "close_method"},
            example={"satisfaction": 5, "satisfaction_comment": "处理及时"},
            style="success",
            requester_label=_("Confirm the resolution"), form_options=_requester_confirms,
        ),
        Action(
            "reopen", _("Reopen"), incident_reopen, forms.ReopenForm,
            inputs=("reason",),
            serializer=api.ReopenSerializer,
            example={"reason": "问题仍然存在"},
            style="warning", requester_label=_("Reject the resolution"),
        ),
        Action(
            "suspend", _("Suspend"), incident_suspend, forms.SuspendForm,
            inputs=("reason", "resume_at", "note"),
            serializer=api.SuspendSerializer, api_names={"reason": "suspend_reason"},
            example={
                "suspend_reason": "awaiting_info",
                "resume_at": "2026-03-03T09:00:00+08:00",
                "note": "等待用户提供截图",
            },
            style="secondary",
        ),
        Action(
            "escalate", _("Escalate"), incident_escalate, forms.EscalateForm,
            inputs=("level", "reason"),
            serializer=api.EscalateSerializer,
            example={"level": 2, "reason": "用户投诉"},
            style="warning",
        ),
        Action(
            "return", _("Return"), incident_return, forms.ReturnForm,
            inputs=("reason",),
            serializer=api.ReturnSerializer,
            example={"reason": "不是网络问题，是应用故障"},
            style="warning",
        ),
        Action(
            "cancel", _("Cancel the incident"), incident_cancel, forms.CancelForm,
            inputs=("reason",),
            serializer=api.CancelSerializer,
            example={"reason": "重复登记"},
            style="danger",
        ),
        Action(
            "edit", _("Edit"), incident_update, forms.IncidentEditForm,
            convert=_changes, initial=forms.IncidentEditForm.initial_for,
            style="secondary", offered=_open_and_editable, placed=True,
        ),
        Action(
            "priority", _("Override priority"), incident_override_priority,
            forms.OverridePriorityForm,
            inputs=("priority", "reason"),
            style="danger", offered=lambda i, u: not i.is_final and rules.is_incident_manager(u),
        ),
        Action(
            "comment", _("Add a comment"), comment_add, forms.CommentForm,
            inputs=("body", "is_public"),
            form_options=_public_choice, offered=_open, placed=True,
        ),
        Action(
            "worklog", _("Log work"), worklog_add, forms.WorkLogForm,
            inputs=("minutes", "note"),
            style="secondary", offered=_open_and_editable, placed=True,
        ),
        Action(
            "attach", _("Attach a file"), attachment_add, forms.AttachmentForm,
            convert=_attachment,
            style="secondary", form_options=_public_choice, offered=_open, placed=True,
        ),
        Action(
            "link", _("Link to another incident"), link_add, forms.LinkForm,
            convert=_link,
            style="secondary", offered=lambda i, u: rules.may_edit(i, u), placed=True,
        ),
    )
}  # fmt: skip

# The actions of the API's routes, POST …/{number}/{name}/.
API_ACTIONS: tuple[Action, ...] = tuple(a for a in ACTIONS.values() if a.serializer is not None)


def label_of(name: str):
    action = ACTIONS.get(name)
    return action.label if action else name


def offered(incident, user) -> list[str]:
    """The actions the page offers the user now, in page order."""
    available = set(available_actions(incident, user))
    return [
        action.name
        for action in ACTIONS.values()
        if (action.name in available if action.transition else action.offered(incident, user))
    ]
