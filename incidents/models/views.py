"""Saved views of the all-incidents list: a name for a set of filters and a sort order."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SavedView(models.Model):
    """A person's named list query (the list's URL query string); the incident manager may
    share one with everyone who may open the list."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_incident_views",
    )
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("query"), max_length=2000, blank=True)
    shared = models.BooleanField(
        _("shared"), default=False, help_text=_("Everyone who may open the list sees it.")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["owner", "name"], name="savedview_owner_name"),
        ]
        indexes = [
            models.Index(
                fields=["shared"], condition=models.Q(shared=True), name="savedview_shared"
            )
        ]

    def __str__(self) -> str:
        return self.name
