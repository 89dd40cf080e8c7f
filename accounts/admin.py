"""Admin for users and their credentials; secrets (hashes, TOTP seeds, push keys) are never shown."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from accounts import services
from accounts.models import (
    ApiKey,
    AuthSession,
    DeviceToken,
    KnownAddress,
    LoginFailure,
    SpentRefreshToken,
    TotpDevice,
    TrustedDevice,
    User,
    VapidKey,
    WebPushSubscription,
)
from accounts.services import throttle, totp_device_disable


@never_cache
@login_not_required
def admin_login(request, extra_context=None):
    """The admin signs in through the dashboard login: the admin's own form would skip two-factor login."""
    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return redirect("admin:index")
        raise PermissionDenied  # signed in without admin rights; the dashboard login would send them back
    return redirect_to_login(request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index"), "accounts:login")


admin.site.login = admin_login
if admin.site.is_registered(Group):
    admin.site.unregister(Group)  # permissions come from User.role; groups would change nothing


class ReadOnlyMixin:
    """Rows the system writes: viewable, never added or edited here; deletable if `deletable`."""

    deletable = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self.deletable and super().has_delete_permission(request, obj)


def password_field(label: str, help_text: str = "", required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        help_text=help_text,
        required=required,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=False),
    )


class UserCreateForm(forms.ModelForm):
    """A new user: the password is typed twice, checked by the validators, stored hashed."""

    password1 = password_field("Password")
    password2 = password_field("Password confirmation", "Enter the same password again.")

    def clean_password2(self):
        password1, password2 = self.cleaned_data.get("password1"), self.cleaned_data.get("password2")
        if password1 and password2 and password1 != password2:
            raise ValidationError("The two passwords do not match.", code="password_mismatch")
        return password2

    def _post_clean(self):
        super()._post_clean()  # the instance now carries login and email for the similarity check
        password = self.cleaned_data.get("password2")
        if password:
            try:
                validate_password(password, self.instance)
            except ValidationError as error:
                self.add_error("password2", error)

    def save(self, commit=True):
        self.instance.set_password(self.cleaned_data["password1"])
        self.instance.password_changed_at = timezone.now()
        return super().save(commit=commit)


class UserChangeForm(forms.ModelForm):
    """An existing user: a blank "new password" keeps the current one."""

    new_password = password_field("New password", "Leave blank to keep the current password.", required=False)

    def clean_new_password(self):
        password = self.cleaned_data.get("new_password")
        if password:
            validate_password(password, self.instance)
        return password

    def save(self, commit=True):
        if self.cleaned_data.get("new_password"):
            self.instance.set_password(self.cleaned_data["new_password"])
            self.instance.password_changed_at = timezone.now()
        return super().save(commit=commit)


class SecretFieldsForm(forms.ModelForm):
    """`secret_fields` are write-only: they render empty, and a blank submission keeps the stored value."""

    secret_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in set(self.secret_fields) & set(self.fields):
            self.fields[name] = forms.CharField(
                label=self.fields[name].label,
                required=False,
                strip=False,
                help_text="Write-only: leave blank to keep the stored value.",
                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=False),
            )
            self.initial[name] = ""  # so an untouched secret does not count as a change

    def clean(self):
        cleaned = super().clean()
        for name in set(self.secret_fields) & set(self.fields):
            cleaned[name] = cleaned.get(name) or getattr(self.instance, name)
        return cleaned


class ApiKeyInline(ReadOnlyMixin, admin.TabularInline):
    model = ApiKey
    deletable = True
    fields = readonly_fields = ["prefix", "name", "created_at", "last_used_at", "expires_at", "revoked_at"]
    extra = 0


class TotpDeviceFormSet(BaseInlineFormSet):
    def delete_existing(self, obj, commit=True):
        if commit:
            totp_device_disable(user=obj.user)  # trusted devices go too: they would skip a new device


class TotpDeviceInline(ReadOnlyMixin, admin.TabularInline):
    model = TotpDevice
    formset = TotpDeviceFormSet
    deletable = True  # deleting resets two-factor login for a user who lost the device
    fields = readonly_fields = ["confirmed", "confirmed_at", "created_at"]
    extra = 0

    @admin.display(boolean=True)
    def confirmed(self, obj):
        return obj.is_confirmed


class TrustedDeviceInline(ReadOnlyMixin, admin.TabularInline):
    model = TrustedDevice
    deletable = True
    fields = readonly_fields = ["ip_address", "user_agent", "created_at", "last_used_at", "expires_at"]
    extra = 0


class AuthSessionInline(ReadOnlyMixin, admin.TabularInline):
    model = AuthSession
    fields = readonly_fields = [
        "key",
        "dialect",
        "ip_address",
        "created_at",
        "last_seen_at",
        "expires_at",
        "revoked_at",
        "live",
    ]
    extra = 0
    max_num = 0
    classes = ["collapse"]

    @admin.display(boolean=True)
    def live(self, obj):
        return obj.is_live


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    form = UserChangeForm
    list_display = [
        "login",
        "fullname",
        "email",
        "role",
        "is_active",
        "two_factor",
        "last_login",
        "created_at",
    ]
    list_filter = ["role", "is_active", "readonly", "password_change_locked"]
    search_fields = ["login", "email", "fullname", "phone"]
    ordering = ["login"]
    readonly_fields = ["last_login", "password_changed_at", "created_at", "updated_at"]
    inlines = [ApiKeyInline, TotpDeviceInline, TrustedDeviceInline, AuthSessionInline]
    actions = ["disable_users", "enable_users", "revoke_api_sessions", "clear_lockouts"]
    view_on_site = False  # get_absolute_url is this very page
    add_fieldsets = [
        (None, {"fields": ["login", "password1", "password2"]}),
        ("Profile", {"fields": ["fullname", "email", "phone", "locale", "role", "is_active"]}),
    ]
    fieldsets = [
        (None, {"fields": ["login", "new_password"]}),
        ("Profile", {"fields": ["fullname", "email", "phone", "locale", "note"]}),
        (
            "Access",
            {
                "fields": [
                    "role",
                    "is_active",
                    "readonly",
                    "password_change_locked",
                    "max_sessions",
                    "allowed_tags",
                    "allowed_login_cidrs",
                ]
            },
        ),
        ("History", {"fields": ["last_login", "password_changed_at", "created_at", "updated_at"]}),
    ]

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else super().get_fieldsets(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = UserCreateForm
        return super().get_form(request, obj, **kwargs)

    def get_inline_instances(self, request, obj=None):
        return super().get_inline_instances(request, obj) if obj is not None else []

    def get_queryset(self, request):
        confirmed = TotpDevice.objects.filter(user=OuterRef("pk"), confirmed_at__isnull=False)
        return super().get_queryset(request).annotate(has_totp=Exists(confirmed))

    @admin.display(boolean=True, description="2FA", ordering="has_totp")
    def two_factor(self, obj):
        return obj.has_totp

    @admin.action(description="Disable selected users")
    def disable_users(self, request, queryset):
        if queryset.filter(pk=request.user.pk).exists():
            self.message_user(request, "Your own account was skipped.", messages.WARNING)
        count = services.user_set_active(users=queryset, active=False, actor=request.user)
        self.message_user(request, f"Disabled {count} users and ended their API sessions.")

    @admin.action(description="Enable selected users")
    def enable_users(self, request, queryset):
        count = services.user_set_active(users=queryset, active=True, actor=request.user)
        self.message_user(request, f"Enabled {count} users.")

    @admin.action(description="Revoke API sessions")
    def revoke_api_sessions(self, request, queryset):
        count = services.auth_sessions_revoke(sessions=AuthSession.objects.filter(user__in=queryset))
        self.message_user(request, f"Revoked {count} API sessions.")

    @admin.action(description="Clear sign-in lockouts")
    def clear_lockouts(self, request, queryset):
        count = sum(throttle.login_lockout_clear(login=user.login) for user in queryset)
        self.message_user(request, f"Forgot {count} failed sign-ins: the selected users may sign in at once.")


@admin.register(ApiKey)
class ApiKeyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    deletable = True
    list_display = ["prefix", "name", "user", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["prefix", "name", "user__login"]
    list_select_related = ["user"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    @admin.action(description="Revoke selected API keys")
    def revoke(self, request, queryset):
        self.message_user(request, f"Revoked {services.api_keys_revoke(keys=queryset)} API keys.")


@admin.register(AuthSession)
class AuthSessionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "key",
        "user",
        "dialect",
        "ip_address",
        "created_at",
        "last_seen_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["dialect", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["key", "user__login", "ip_address"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    exclude = ["token_hash", "refresh_token_hash", "auth_stamp"]
    actions = ["revoke"]

    @admin.action(description="Revoke selected sessions")
    def revoke(self, request, queryset):
        self.message_user(request, f"Revoked {services.auth_sessions_revoke(sessions=queryset)} sessions.")


@admin.register(SpentRefreshToken)
class SpentRefreshTokenAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Refresh tokens already exchanged; one presented again ends its session (reuse detection)."""

    list_display = ["session", "spent_at"]
    search_fields = ["session__key", "session__user__login"]
    list_select_related = ["session__user"]
    exclude = ["token_hash"]


@admin.register(TotpDevice)
class TotpDeviceAdmin(ReadOnlyMixin, admin.ModelAdmin):
    deletable = True
    list_display = ["user", "confirmed_at", "created_at"]
    list_filter = [("confirmed_at", admin.EmptyFieldListFilter)]
    search_fields = ["user__login"]
    list_select_related = ["user"]
    exclude = ["secret", "last_used_step"]

    def delete_model(self, request, obj):
        totp_device_disable(user=obj.user)

    def delete_queryset(self, request, queryset):
        for device in queryset.select_related("user"):
            totp_device_disable(user=device.user)


@admin.register(TrustedDevice)
class TrustedDeviceAdmin(ReadOnlyMixin, admin.ModelAdmin):
    deletable = True
    list_display = ["user", "ip_address", "created_at", "last_used_at", "expires_at"]
    search_fields = ["user__login", "ip_address", "user_agent"]
    list_select_related = ["user"]
    exclude = ["token_hash"]


@admin.register(LoginFailure)
class LoginFailureAdmin(ReadOnlyMixin, admin.ModelAdmin):
    deletable = True  # deleting lifts brute-force throttling early
    list_display = ["login", "kind", "ip_address", "created_at"]
    list_filter = ["kind"]
    search_fields = ["login", "ip_address"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["clear_logins", "clear_addresses"]

    @admin.action(description="Clear lockouts of the selected logins (every address)")
    def clear_logins(self, request, queryset):
        logins = {login.lower() for login in queryset.values_list("login", flat=True)}
        count = sum(throttle.login_lockout_clear(login=login) for login in logins)
        self.message_user(request, f"Forgot {count} failed sign-ins of {len(logins)} logins.")

    @admin.action(description="Clear lockouts of the selected addresses (every login)")
    def clear_addresses(self, request, queryset):
        addresses = set(queryset.exclude(ip_address=None).values_list("ip_address", flat=True))
        count = sum(throttle.login_lockout_clear(ip_address=address) for address in addresses)
        self.message_user(request, f"Forgot {count} failed sign-ins from {len(addresses)} addresses.")


@admin.register(KnownAddress)
class KnownAddressAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Addresses the throttles spare for an account; deleting one makes it a stranger again."""

    deletable = True
    list_display = ["user", "ip_address", "last_login_at"]
    search_fields = ["user__login", "ip_address"]
    list_select_related = ["user"]


@admin.register(DeviceToken)
class DeviceTokenAdmin(ReadOnlyMixin, admin.ModelAdmin):
    deletable = True
    list_display = ["user", "platform", "model", "version", "created_at", "updated_at"]
    list_filter = ["platform"]
    search_fields = ["user__login", "model"]
    list_select_related = ["user"]
    exclude = ["token"]


@admin.register(WebPushSubscription)
class WebPushSubscriptionAdmin(ReadOnlyMixin, admin.ModelAdmin):
    deletable = True
    list_display = ["user", "endpoint", "created_at"]
    search_fields = ["user__login", "endpoint"]
    list_select_related = ["user"]
    exclude = ["p256dh", "auth"]


@admin.register(VapidKey)
class VapidKeyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """The web push signing key: the public half is what browsers subscribe with; the private never shows."""

    list_display = ["public_key", "created_at"]
    exclude = ["private_key"]
