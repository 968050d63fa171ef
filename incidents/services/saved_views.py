"""Saved views of the all-incidents list: a person saves the list's current filters under a
name; the incident manager may share one with everyone who may open the list."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from incidents import rules
from incidents.exceptions import ActionForbidden
from incidents.models import SavedView
from itsm.text import sanitize

MAX_VIEWS_PER_PERSON = 50


def saved_view_save(*, by, name: str, query: str, shared: bool = False) -> SavedView:
    """Save (or replace, by name) one of ``by``'s views of the list."""
    if not rules.may_list_all(by):
        raise ActionForbidden(_("Only those who may open the all-incidents list save views."))
    name = sanitize(name or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("Give the view a name.")]
    elif len(name) > SavedView._meta.get_field("name").max_length:
        errors["name"] = [_("The name is too long.")]
    if len(query) > SavedView._meta.get_field("query").max_length:
        errors["query"] = [_("The filters are too long to save.")]
    if shared and not rules.may_share_view(by):
        errors["shared"] = [_("Only the incident manager may share a view.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        view = SavedView.objects.select_for_update().filter(owner=by, name=name).first()
        if view is None:
            if SavedView.objects.filter(owner=by).count() >= MAX_VIEWS_PER_PERSON:
                raise ValidationError({"name": [_("You have 50 views already; delete one first.")]})
            return SavedView.objects.create(owner=by, name=name, query=query, shared=shared)
        view.query, view.shared = query, shared
        view.save(update_fields=["query", "shared"])
        return view


def saved_view_delete(*, view: SavedView, by) -> None:
    """Delete a view: its owner, or the incident manager for a shared one."""
    if not rules.may_delete_view(view, by):
        raise ActionForbidden(_("You may delete only your own views."))
    view.delete()
