"""``{{ user|person_name }}``: a person's display name (itsm.people)."""

from django import template

from itsm.people import person_name as _person_name

register = template.Library()


@register.filter
def person_name(user) -> str:
    return _person_name(user)
