"""The action flags shared by folder grants and camera grants."""

from django.db import models

from organizations.choices import Action


class ActionGrant(models.Model):
    """Abstract: one boolean per `Action`, plus how far back the archive may be watched.

    Watcher's folder permissions map onto these: can_view -> view+live, can_view_dvr -> archive+export,
    can_use_ptz -> ptz, can_use_actions -> manage; dvr_depth_limit -> archive_depth_limit.
    """

    can_view = models.BooleanField(default=True)
    can_live = models.BooleanField(default=True)
    can_archive = models.BooleanField(default=False)
    can_export = models.BooleanField(default=False)
    can_ptz = models.BooleanField(default=False)
    can_manage = models.BooleanField(default=False)
    archive_depth_limit = models.PositiveIntegerField(default=0, help_text="Seconds back; 0 is unlimited.")

    class Meta:
        abstract = True

    def allows(self, action: str) -> bool:
        if action == Action.VIEW:
            return any(getattr(self, f"can_{a}") for a in Action.values)
        return bool(getattr(self, f"can_{Action(action).value}"))

    @property
    def actions(self) -> frozenset[str]:
        return frozenset(a for a in Action.values if self.allows(a))
