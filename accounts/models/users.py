"""The custom user: one account that every dashboard page and API dialect authenticates."""

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.choices import Role


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, login):
        return self.get(login__iexact=login)

    def create_user(self, login, password=None, **fields):
        if not login:
            raise ValueError("a user needs a login")
        user = self.model(login=login, email=self.normalize_email(fields.pop("email", "")), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, login, password=None, **fields):
        fields["role"] = Role.ADMIN
        return self.create_user(login, password, **fields)


class User(AbstractBaseUser):
    """A person or integration that logs in.

    `login` is Watcher's `name` and LightNVR's `username`. `role=admin` is the domain administrator
    (Watcher `access_level=admin`); reach inside an organization comes from `Membership` and grants.
    `is_active=False` is Watcher's `disabled` and LightNVR's `is_active=false`: it blocks every login.
    """

    login = models.CharField(max_length=150, unique=True, validators=[UnicodeUsernameValidator()])
    email = models.EmailField(blank=True)
    fullname = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    locale = models.CharField(max_length=8, blank=True, help_text="ISO 639-1 language code")
    note = models.TextField(blank=True)
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.USER)
    is_active = models.BooleanField(default=True)
    readonly = models.BooleanField(default=False, help_text="The user may not change their own profile.")
    max_sessions = models.PositiveIntegerField(
        default=0, help_text="Concurrent API sessions; 0 is unlimited."
    )
    password_change_locked = models.BooleanField(default=False)
    # LightNVR tag RBAC: null is unrestricted, otherwise only cameras sharing a tag are visible.
    allowed_tags = models.CharField(max_length=500, null=True, blank=True)
    allowed_login_cidrs = models.TextField(null=True, blank=True, help_text="One CIDR or address per line.")
    password_changed_at = models.DateTimeField(null=True, blank=True)
    auth_epoch = models.PositiveIntegerField(
        default=0, help_text="Raised by “sign out everywhere”: ends every session and media token."
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "login"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["login"]
        constraints = [
            models.UniqueConstraint(models.functions.Lower("login"), name="accounts_user_login_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.login

    def get_absolute_url(self) -> str:
        return reverse("admin:accounts_user_change", args=[self.pk])

    def get_full_name(self) -> str:
        return self.fullname or self.login

    def get_short_name(self) -> str:
        return self.login

    def _get_session_auth_hash(self, secret=None):
        # Django's hash covers the password; the epoch makes "sign out everywhere" end dashboard
        # sessions as well (AuthenticationMiddleware drops a session whose hash no longer matches).
        return salted_hmac(
            "accounts.User.session_auth_hash",
            f"{self.password}:{self.auth_epoch}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    @property
    def is_domain_admin(self) -> bool:
        return self.is_active and self.role == Role.ADMIN

    # Django admin and DRF ask these; a domain administrator is the only staff and superuser.
    @property
    def is_staff(self) -> bool:
        return self.is_domain_admin

    @property
    def is_superuser(self) -> bool:
        return self.is_domain_admin

    def has_perm(self, perm, obj=None) -> bool:
        return self.is_domain_admin

    def has_perms(self, perm_list, obj=None) -> bool:
        return self.is_domain_admin

    def has_module_perms(self, app_label) -> bool:
        return self.is_domain_admin

    @property
    def allowed_tag_set(self) -> frozenset[str] | None:
        if self.allowed_tags is None:
            return None
        return frozenset(t.strip() for t in self.allowed_tags.split(",") if t.strip())
