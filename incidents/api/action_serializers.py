"""The input of each action (POST …/{number}/{action}/) and the answer of GET …/actions/.
Serializers only read and validate: codes and usernames become objects here, with a message
on the field; the services decide and write."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from incidents.api.fields import CodeField, UsernameField
from incidents.choices import CloseMethod, Status
from incidents.models import Category, ResolutionCode, SuspendReason
from itsm.api.serializers import StrictSerializer
from itsm.models import Department


class ActionSerializer(StrictSerializer):
    # The input of an action; its declaration (incidents/actions.py) maps the fields to the
    # service's keyword arguments. The docstring is the schema's description of every action
    # input that has none of its own: it is the text the schema has always published (it
    # names the helpers the table replaced), kept so that the schema does not change.
    __doc__ = (
        "The input of an action; ``service_kwargs`` gives the service's keyword arguments and\n"
        "``service_fields`` maps the service's error keys back to these field names."
    )


class AssignSerializer(ActionSerializer):
    department = CodeField(
        _("section"),
        queryset=Department.objects.active().order_by("kind", "code"),
        reference="api:department-list",
        help_text=_("Code of the section to assign to (dispatch, hand-over, or the same one)."),
    )
    assignee = UsernameField(
        required=False,
        allow_null=True,
        help_text=_("Username of a working member of that section; empty: the section decides."),
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Required for a hand-over between sections and to settle a dispute."),
    )


class AcceptSerializer(ActionSerializer):
    """No fields: the caller takes the incident."""


class ReasonSerializer(ActionSerializer):
    reason = serializers.CharField(help_text=_("Why."))


class ReturnSerializer(ReasonSerializer):
    reason = serializers.CharField(help_text=_("Why the incident is not for this section."))


class SuspendSerializer(ActionSerializer):
    suspend_reason = CodeField(
        _("suspend reason"),
        queryset=SuspendReason.objects.filter(active=True).order_by("code"),
        reference="api:suspend-reason-list",
        help_text=_("Code of a configured suspend reason; it says whether the SLA clock stops."),
    )
    resume_at = serializers.DateTimeField(
        help_text=_("When work resumes (ISO 8601 with offset); the incident resumes by itself.")
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ResumeSerializer(ActionSerializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class EscalateSerializer(ActionSerializer):
    level = serializers.IntegerField(
        min_value=1,
        max_value=3,
        required=False,
        allow_null=True,
        help_text=_("1 section lead, 2 incident manager, 3 director; empty: the next level."),
    )
    reason = serializers.CharField(help_text=_("Why (a complaint, a VIP …)."))


class ResolveSerializer(ActionSerializer):
    resolution_code = CodeField(
        _("resolution code"),
        queryset=ResolutionCode.objects.filter(active=True).order_by("code"),
        reference="api:resolution-code-list",
        help_text=_("Code of the resolution (事件结束代码)."),
    )
    resolution = serializers.CharField(help_text=_("What was done."))
    knowledge_ref = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("A knowledge article that helped."),
    )


class ReopenSerializer(ReasonSerializer):
    reason = serializers.CharField(help_text=_("Why the resolution is rejected."))


class CloseSerializer(ActionSerializer):
    close_method = serializers.ChoiceField(
        choices=[(CloseMethod.REQUESTER, CloseMethod.REQUESTER.label)]
        + [(CloseMethod.CALLBACK, CloseMethod.CALLBACK.label)],
        required=False,
        help_text=_("Default: “requester” for the requester, “callback” for the desk."),
    )
    closing_category = CodeField(
        _("category"),
        queryset=Category.objects.filter(active=True).order_by("sort_order", "code"),
        reference="api:category-list",
        required=False,
        allow_null=True,
        help_text=_("Category code at closure; default: the opening category."),
    )
    satisfaction = serializers.IntegerField(
        min_value=1, max_value=5, required=False, allow_null=True, help_text=_("1 … 5.")
    )
    satisfaction_comment = serializers.CharField(required=False, allow_blank=True, default="")


class CancelSerializer(ReasonSerializer):
    reason = serializers.CharField(help_text=_("Why no work is needed (logged twice …)."))


def action_fields(serializer_class, request=None) -> list[dict]:
    """The fields of an action's input, for GET …/actions/. A code field lists the codes it
    takes (its own queryset, so the list and the check are one) and links its reference
    endpoint."""
    out = []
    for name, field in serializer_class().fields.items():
        if isinstance(field, CodeField):
            kind = "code"
        elif isinstance(field, UsernameField):
            kind = "username"
        elif isinstance(field, serializers.DateTimeField):
            kind = "datetime"
        elif isinstance(field, serializers.ChoiceField):
            kind = "choice"
        elif isinstance(field, serializers.IntegerField):
            kind = "integer"
        else:
            kind = "string"
        item = {
            "name": name,
            "type": kind,
            "required": field.required,
            "help_text": str(field.help_text or ""),
        }
        if isinstance(field, serializers.ChoiceField):
            item["choices"] = [str(c) for c in field.choices]
        if isinstance(field, CodeField):
            item["values"] = [{"code": o.code, "name": o.name} for o in field.get_queryset()]
            if field.reference:
                path = reverse(field.reference)
                item["reference"] = request.build_absolute_uri(path) if request else path
        out.append(item)
    return out


class CodeValueSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField(help_text=_("The name in the active language."))


class ActionFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    type = serializers.CharField(help_text=_("string, integer, datetime, code, username …"))
    required = serializers.BooleanField()
    help_text = serializers.CharField(allow_blank=True)
    choices = serializers.ListField(child=serializers.CharField(), required=False)
    values = CodeValueSerializer(
        many=True,
        required=False,
        help_text=_("Code fields: the codes the action takes now, with their names."),
    )
    reference = serializers.URLField(
        required=False, help_text=_("Code fields: the reference endpoint listing the codes.")
    )


class AvailableActionSerializer(serializers.Serializer):
    name = serializers.CharField(help_text=_("The action, as in POST …/{number}/{name}/."))
    label = serializers.CharField(help_text=_("Its name for people."))
    url = serializers.URLField()
    fields = ActionFieldSerializer(many=True)


class AvailableActionsSerializer(serializers.Serializer):
    number = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    version = serializers.IntegerField()
    etag = serializers.CharField()
    actions = AvailableActionSerializer(many=True)
