"""Writes of the API's shared part: tokens and system accounts."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from itsm import services as itsm_services
from itsm.models import Department
from itsm.roles import SECTION_ROLES, Role

User = get_user_model()


def api_token_for(*, user) -> Token:
    """The user's token, created on first use (``POST /api/v1/auth/token/``)."""
    token, _created = Token.objects.get_or_create(user=user)
    return token


@transaction.atomic
def api_token_rotate(*, user) -> Token:
    """A new token for the user; the old one stops working at once."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


@transaction.atomic
def system_account_create(
    *,
    username: str,
    name: str = "",
    email: str = "",
    department: Department | None = None,
    section_role: str = "",
) -> User:
    """An account for an external system: the ``system`` role, no password (it signs in with
    a token only), and optionally a section membership with a role there, which lets it see
    and act on what that section holds."""
    username = (username or "").strip()
    errors = {}
    if not username:
        errors["username"] = [_("A username is required.")]
    elif User.objects.filter(username=username).exists():
        errors["username"] = [_("This username is taken.")]
    if section_role and section_role not in SECTION_ROLES:
        errors["section_role"] = [_("This role is not held in a section.")]
    if section_role and department is None:
        errors["department"] = [_("Choose the section the role is held in.")]
    if errors:
        raise ValidationError(errors)
    user = User(username=username, first_name=name[:150], email=email)
    user.set_unusable_password()
    user.save()
    itsm_services.user_grant_role(user=user, role=Role.SYSTEM)
    if department is not None:
        itsm_services.membership_set(
            user=user, department=department, role=section_role or Role.TECHNICIAN
        )
    return user
