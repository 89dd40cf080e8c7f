"""Domain settings (Watcher's domain config): mail for password recovery and the branding pages use."""

from django.db import transaction

from organizations.choices import AuditKind
from organizations.models import SiteSettings

from . import audit_event_record

SECRET_MASK = "***"
MAIL_SECRETS = ("password", "api_key")
APPEARANCE_FIELDS = ("title", "logo", "logo_auth", "favicon")
COLOR_FIELDS = {"primary": "color_primary", "secondary": "color_secondary", "background": "color_background"}


def mail_masked(mail: dict) -> dict:
    """The mail settings as shown to an administrator: secrets replaced by `***`, never in clear."""
    return {k: (SECRET_MASK if k in MAIL_SECRETS and v else v) for k, v in (mail or {}).items()}


def mail_merge(stored: dict, patch: dict) -> dict:
    """`patch` over `stored`; a secret sent back as `***` keeps the stored value (a GET-edit-PUT round trip).

    Switching `sending_method` starts from the new method's fields only, so an SMTP password never
    lingers under a SendGrid configuration.
    """
    base = dict(stored or {})
    if patch.get("sending_method") and patch["sending_method"] != base.get("sending_method"):
        base = {}
    merged = {**base}
    for key, value in patch.items():
        if key in MAIL_SECRETS and value == SECRET_MASK:
            continue
        if key == "sender" and isinstance(value, dict):
            merged["sender"] = {**(base.get("sender") or {}), **value}
        else:
            merged[key] = value
    return merged


@transaction.atomic
def site_settings_update(
    *, mail: dict | None = None, appearance: dict | None = None, actor=None
) -> SiteSettings:
    """Apply a validated partial domain config; the audit log records which sections changed."""
    site = SiteSettings.objects.select_for_update().get(pk=SiteSettings.load().pk)
    changed = []
    if mail is not None:
        site.mail = mail_merge(site.mail, mail)
        changed.append("mail")
    if appearance is not None:
        for field in APPEARANCE_FIELDS:
            if field in appearance:
                setattr(site, field, appearance[field])
        for key, field in COLOR_FIELDS.items():
            if key in appearance.get("colors", {}):
                setattr(site, field, appearance["colors"][key])
        changed.append("appearance")
    site.save()
    if changed:
        audit_event_record(
            kind=AuditKind.CONFIG_CHANGE,
            actor=actor,
            object_type="domain_config",
            object_id="1",
            message=f"changed the domain settings: {', '.join(changed)}",
        )
    return site
