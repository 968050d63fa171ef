"""Serializers of the shared part of the API: tokens, people, sections."""

from django.contrib.auth import authenticate, get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.utils.formatting import lazy_format

from itsm.limits import limit_text_field
from itsm.models import Department, DepartmentKind, Membership
from itsm.people import person_name
from itsm.roles import Role

User = get_user_model()


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, instead of silently dropping them; its text fields
    have the limits of ``itsm.limits``, as the browser's forms."""

    def get_fields(self):
        fields = super().get_fields()
        for name, field in fields.items():
            if isinstance(field, serializers.CharField) and not field.read_only:
                limit_text_field(
                    name,
                    field,
                    lambda limit, f=field: lazy_format(
                        f.error_messages["max_length"], max_length=limit
                    ),
                )
        return fields

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, f in self.fields.items() if not f.read_only}
            unknown = [name for name in data if name not in writable]
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [
                            _("This field cannot be set here.")
                            if name in self.fields
                            else _("Unknown field.")
                        ]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)


class TokenRequestSerializer(StrictSerializer):
    username = serializers.CharField(help_text=_("The account's username."))
    password = serializers.CharField(
        style={"input_type": "password"}, trim_whitespace=False, help_text=_("Its password.")
    )

    def validate(self, attrs):
        request = self.context.get("request")
        user = authenticate(
            # The Django request: django-axes marks a locked-out login on it, and its
            # middleware answers for it (itsm/logins.py).
            request=getattr(request, "_request", request),
            username=attrs["username"],
            password=attrs["password"],
        )
        if user is None:
            raise serializers.ValidationError(
                _("Unable to sign in with these credentials."), code="authorization"
            )
        attrs["user"] = user
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text=_("Send it as “Authorization: Token <token>” (or “Bearer <token>”).")
    )
    username = serializers.CharField(help_text=_("Whose token it is."))


class MembershipSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text=_("The section's code.")
    )
    role = serializers.ChoiceField(
        choices=[(r.value, r.label) for r in Role], help_text=_("The role held there.")
    )

    class Meta:
        model = Membership
        fields = ["department", "role", "is_primary", "on_duty"]


class UserSerializer(serializers.ModelSerializer):
    """A person (or system) as other systems see them: no email, no phone."""

    full_name = serializers.SerializerMethodField(help_text=_("Surname and given name."))
    roles = serializers.SerializerMethodField(help_text=_("The role codes the user holds."))
    sections = MembershipSerializer(
        source="memberships", many=True, read_only=True, help_text=_("Section memberships.")
    )

    class Meta:
        model = User
        fields = ["username", "full_name", "is_active", "roles", "sections"]

    def get_full_name(self, obj) -> str:
        return person_name(obj)

    def get_roles(self, obj) -> list[str]:
        return sorted(g.name for g in obj.groups.all() if g.name in Role.values)


class DepartmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text=_("The name in the active language."))
    kind = serializers.ChoiceField(choices=DepartmentKind.choices, help_text=_("What it does."))
    parent = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text=_("The parent's code.")
    )
    lead = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text=_("The lead.")
    )

    class Meta:
        model = Department
        fields = ["code", "name", "name_zh", "name_en", "kind", "parent", "lead", "active"]
