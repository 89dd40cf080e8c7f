"""Password recovery by e-mail and password reset (Watcher `password_recovery`, `reset_password`).

A recovery token is Django's password-reset token joined to the user's id. It needs no stored
state: it expires after PASSWORD_RESET_TIMEOUT and dies with the next password change (its hash
covers the password hash), so it works once. Mail goes through SiteSettings.mail when that names a
sending method, otherwise through Django's EMAIL_* settings.
"""

import logging
import smtplib
from datetime import timedelta
from email.utils import formataddr
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from accounts.models import AuthSession, User
from accounts.services.sessions import sessions_after_password_change
from organizations.choices import AuditKind
from organizations.models import AuditEvent, SiteSettings
from organizations.services import audit_event_record

logger = logging.getLogger(__name__)

RECOVERY_PREFIX = "recovery."  # tells a recovery token from a JWT (which starts with "eyJ")
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
SENDGRID_SMTP = ("smtp.sendgrid.net", 587)  # SendGrid's SMTP relay: login "apikey", password the key


def recovery_token_make(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return f"{RECOVERY_PREFIX}{uid}.{default_token_generator.make_token(user)}"


def is_recovery_token(raw: str) -> bool:
    return raw.startswith(RECOVERY_PREFIX)


def recovery_token_user(raw: str) -> User | None:
    """The active user a recovery token was made for, or None (unknown, expired or already used)."""
    if not is_recovery_token(raw):
        return None
    uid, _, token = raw[len(RECOVERY_PREFIX) :].partition(".")
    try:
        pk = int(urlsafe_base64_decode(uid).decode())
    except (ValueError, UnicodeDecodeError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


def may_reset_password(user: User) -> bool:
    """Read-only and password-locked accounts keep their password; so do API-only ones."""
    return user.is_active and not user.readonly and not user.password_change_locked


def mail_setup() -> tuple:
    """(connection, From address) for outgoing mail: the domain's mail settings, else Django's."""
    mail = SiteSettings.load().mail or {}
    sender = mail.get("sender") or {}
    from_email = settings.DEFAULT_FROM_EMAIL
    if sender.get("email"):
        from_email = formataddr((str(sender.get("title") or ""), str(sender["email"])))
    method = str(mail.get("sending_method") or "").lower()
    if method == "smtp" and mail.get("host"):
        security = mail.get("security") or "none"
        connection = get_connection(
            SMTP_BACKEND,
            host=mail["host"],
            port=int(mail.get("port") or (465 if security == "tls" else 25)),
            username=mail.get("login") or "",
            password=mail.get("password") or "",
            use_ssl=security == "tls",
            use_tls=security == "starttls",
            timeout=30,
        )
    elif method == "sendgrid" and mail.get("api_key"):
        host, port = SENDGRID_SMTP
        connection = get_connection(
            SMTP_BACKEND,
            host=host,
            port=port,
            username="apikey",
            password=mail["api_key"],
            use_tls=True,
            timeout=30,
        )
    else:
        connection = get_connection()  # EMAIL_BACKEND and EMAIL_* (locmem in tests)
    return connection, from_email


RECOVERY_MAILS_PER_HOUR = 3
RECOVERY_MAIL_MESSAGE = "password recovery mail sent to "


def _recently_mailed(user: User) -> bool:
    """Whether the account had its hourly share of recovery mails (counted in the audit log)."""
    since = timezone.now() - timedelta(hours=1)
    sent = AuditEvent.objects.filter(
        object_type="user",
        object_id=str(user.pk),
        message__startswith=RECOVERY_MAIL_MESSAGE,
        created_at__gte=since,
    )
    return sent.count() >= RECOVERY_MAILS_PER_HOUR


def public_url(path: str) -> str:
    """`path` on the address people reach this server at (NVR_PUBLIC_URL), for links in mail.

    Never from the request: its Host header is whatever the requester wrote, and a recovery mail
    pointing at an attacker's host would hand them the token.
    """
    return urljoin(settings.NVR_PUBLIC_URL, urlsplit(path).path.lstrip("/"))


def password_recovery_send(*, email: str, reset_path: str) -> None:
    """Queue the recovery mail for this address, whether or not an account has it.

    The request does the same work either way, so its timing tells no one who has an account;
    looking the address up and mailing happen in the worker (password_recovery_mail).
    """
    from accounts import tasks  # tasks call back into this module

    transaction.on_commit(lambda: tasks.password_recovery_mail.delay(email, reset_path))


def password_recovery_mail(*, email: str, reset_path: str) -> int:
    """Mail a recovery token to every account with this address that may reset its password.

    The mail's link is `reset_path` on NVR_PUBLIC_URL (public_url). Returns how many mails went
    out; nothing tells the requester (no account enumeration), which is also why a failing mail
    server is logged here rather than raised. An account gets at most RECOVERY_MAILS_PER_HOUR, so
    the form cannot be used to flood someone's inbox.
    """
    users = [
        u
        for u in User.objects.filter(email__iexact=email.strip(), is_active=True)
        if may_reset_password(u) and u.has_usable_password() and not _recently_mailed(u)
    ]
    if not users:
        return 0
    connection, from_email = mail_setup()
    site = SiteSettings.load()
    sent = 0
    for user in users:
        context = {
            "user": user,
            "token": recovery_token_make(user),
            "reset_url": public_url(reset_path),
            "site_title": site.title,
            "valid_hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
        }
        subject = " ".join(render_to_string("accounts/mail/password_recovery_subject.txt", context).split())
        body = render_to_string("accounts/mail/password_recovery.txt", context)
        message = EmailMessage(subject, body, from_email, [user.email], connection=connection)
        try:
            sent += message.send()
        except (smtplib.SMTPException, OSError):
            logger.exception("could not send the password recovery mail to user %s", user.pk)
            continue
        audit_event_record(
            kind=AuditKind.CONFIG_CHANGE,
            actor=None,
            object_type="user",
            object_id=user.pk,
            message=f"{RECOVERY_MAIL_MESSAGE}{user.login}",
        )
    return sent


@transaction.atomic
def password_reset(*, user: User, password: str, keep_session: AuthSession | None = None) -> User:
    """Set a new password. Every API session of the user ends except `keep_session` (the caller's).

    Raises PermissionDenied for read-only or password-locked accounts, ValidationError keyed
    "password" when the password fails the validators.
    """
    if not may_reset_password(user):
        raise PermissionDenied("the password of this account may not be changed")
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "password_changed_at", "updated_at"])
    sessions_after_password_change(user=user, keep_session=keep_session)
    audit_event_record(
        kind=AuditKind.CONFIG_CHANGE,
        actor=user,
        object_type="user",
        object_id=user.pk,
        message=f"{user.login} set a new password",
    )
    return user
