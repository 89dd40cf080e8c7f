"""Dashboard sign-in (password, then a TOTP code unless the browser is trusted), the security page and
"sign out everywhere"."""

import time

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views import View

from accounts import services
from accounts.backends import LoginBackend
from accounts.forms import LoginForm, LoginTotpForm, TotpConfirmForm, TotpDisableForm
from accounts.selectors import totp_device_confirmed, trusted_device_list
from accounts.services import login as login_service
from accounts.services import sessions
from accounts.services.throttle import LoginThrottled
from organizations.choices import AuditKind
from organizations.services import audit_event_record

BACKEND = "accounts.backends.LoginBackend"
TRUSTED_DEVICE_COOKIE = "nvr_trusted_device"
PENDING_KEY = "login_pending"  # {"user_id", "at", "next"}: password passed, code not yet
PENDING_SECONDS = 5 * 60


def _client(request) -> dict:
    """The audit fields that say where a request came from."""
    return {
        "ip_address": request.META.get("REMOTE_ADDR") or None,
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:400],
    }


def _safe_next(request, url: str | None) -> str:
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if url and allowed else ""


def _finish_login(request, user, *, how: str, next_url: str):
    request.session.pop(PENDING_KEY, None)
    login_service.login_succeeded(user=user, address=_client(request)["ip_address"])
    auth_login(request, user, backend=BACKEND)
    audit_event_record(
        kind=AuditKind.LOGIN, actor=user, message=f"signed in to the dashboard ({how})", **_client(request)
    )
    return redirect(_safe_next(request, next_url) or settings.LOGIN_REDIRECT_URL)


def _throttled(request, template: str, form, exc: LoginThrottled):
    """The page again with the wait in it: 429, like the APIs, and a Retry-After a proxy can read."""
    form.add_error(None, f"Too many failed attempts. Try again in {exc.retry_after} seconds.")
    response = render(request, template, {"form": form, "next": request.POST.get("next", "")}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


@method_decorator(login_not_required, name="dispatch")
class LoginView(View):
    """Step one: login and password. A confirmed TOTP device sends the user on to step two."""

    template_name = "accounts/login.html"

    def get(self, request):
        next_url = _safe_next(request, request.GET.get("next"))
        if request.user.is_authenticated:
            return redirect(next_url or settings.LOGIN_REDIRECT_URL)
        return render(request, self.template_name, {"form": LoginForm(), "next": next_url})

    def post(self, request):
        form = LoginForm(data=request.POST)
        next_url = _safe_next(request, request.POST.get("next"))
        if not form.is_valid():
            return render(request, self.template_name, {"form": form, "next": next_url}, status=422)
        login, address = form.cleaned_data["username"], _client(request)["ip_address"]
        try:
            user, factor = login_service.first_factor_check(
                login=login, secret=form.cleaned_data["password"], address=address, api_key=False
            )
        except LoginThrottled as exc:
            return _throttled(request, self.template_name, form, exc)
        except login_service.CredentialsInvalid:
            message = f"wrong login or password for {login!r}"
            audit_event_record(kind=AuditKind.LOGIN_FAILED, message=message, **_client(request))
            form.add_error(None, form.INVALID_LOGIN)
            return render(request, self.template_name, {"form": form, "next": next_url}, status=422)
        try:
            trusted = request.COOKIES.get(TRUSTED_DEVICE_COOKIE)
            how = login_service.second_factor_check(
                user=user, factor=factor, address=address, trusted_device=trusted
            )
        except login_service.SecondFactorRequired:
            request.session[PENDING_KEY] = {"user_id": user.pk, "at": time.time(), "next": next_url}
            return redirect("accounts:login_totp")
        return _finish_login(request, user, how=how, next_url=next_url)


@method_decorator(login_not_required, name="dispatch")
class LoginTotpView(View):
    """Step two: the code from the authenticator app, within five minutes of the password.

    Wrong codes count against the account (services.throttle), not this sign-in: starting again
    with the password gives no fresh attempts.
    """

    template_name = "accounts/login_totp.html"

    def dispatch(self, request, *args, **kwargs):
        pending = request.session.get(PENDING_KEY)
        fresh = pending is not None and time.time() - pending.get("at", 0) <= PENDING_SECONDS
        self.pending = pending if fresh else None
        self.user = LoginBackend().get_user(pending["user_id"]) if fresh else None
        if self.user is None:
            if pending is not None:
                request.session.pop(PENDING_KEY, None)
                messages.error(request, "Your sign-in has expired. Enter your login and password again.")
            return redirect("accounts:login")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        return render(request, self.template_name, {"form": LoginTotpForm()})

    def post(self, request):
        form = LoginTotpForm(request.POST)
        next_url = self.pending.get("next", "")
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=422)
        try:
            how = login_service.second_factor_check(
                user=self.user,
                factor=login_service.Factor.PASSWORD,
                address=_client(request)["ip_address"],
                code=form.cleaned_data["code"],
            )
        except LoginThrottled as exc:
            return _throttled(request, self.template_name, form, exc)
        except login_service.SecondFactorInvalid:
            audit_event_record(
                kind=AuditKind.LOGIN_FAILED,
                actor=self.user,
                message="wrong two-factor code",
                **_client(request),
            )
            form.add_error("code", "This code is not valid or was already used. Wait for the next one.")
            return render(request, self.template_name, {"form": form}, status=422)
        response = _finish_login(request, self.user, how=how, next_url=next_url)
        if form.cleaned_data["remember"] and how == "password and two-factor code":
            _device, raw = services.trusted_device_create(user=self.user, **_client(request))
            response.set_cookie(
                TRUSTED_DEVICE_COOKIE,
                raw,
                max_age=services.TRUSTED_DEVICE_DAYS * 24 * 3600,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response


def _security_page(request, *, confirm_form=None, disable_form=None, status=200):
    user = request.user
    device = getattr(user, "totp_device", None)
    enrolment = device if device is not None and not device.is_confirmed else None
    qr_svg = ""
    if enrolment is not None:
        uri = services.totp_provisioning_uri(enrolment, issuer=settings.SITE_TITLE)
        # segno writes only path data derived from the URI, nothing user-supplied as markup.
        qr_svg = mark_safe(segno.make_qr(uri).svg_inline(scale=4, dark="#000", light="#fff"))
    cookie = request.COOKIES.get(TRUSTED_DEVICE_COOKIE)
    context = {
        "totp_on": device is not None and device.is_confirmed,
        "enrolment": enrolment,
        "qr_svg": qr_svg,
        "confirm_form": confirm_form or TotpConfirmForm(),
        "disable_form": disable_form or TotpDisableForm(user=user),
        "trusted_devices": trusted_device_list(user=user),
        "this_device_hash": services.token_hash(cookie) if cookie else "",
    }
    return render(request, "accounts/security.html", context, status=status)


class SecurityView(View):
    """Whether two-factor is on, enrolment with a QR code, and the browsers that skip the code."""

    def get(self, request):
        return _security_page(request)


class TotpEnableView(View):
    http_method_names = ["post"]

    def post(self, request):
        if totp_device_confirmed(user=request.user) is not None:
            messages.info(request, "Two-factor authentication is already on.")
        else:
            services.totp_device_start(user=request.user)
        return redirect("accounts:security")


class TotpConfirmView(View):
    http_method_names = ["post"]

    def post(self, request):
        device = getattr(request.user, "totp_device", None)
        if device is None or device.is_confirmed:
            return redirect("accounts:security")
        form = TotpConfirmForm(request.POST)
        if form.is_valid() and services.totp_verify(device=device, code=form.cleaned_data["code"]):
            audit_event_record(
                kind=AuditKind.CONFIG_CHANGE,
                actor=request.user,
                object_type="user",
                object_id=request.user.pk,
                message="turned two-factor authentication on",
            )
            messages.success(request, "Two-factor authentication is on. Sign-ins now ask for a code.")
            return redirect("accounts:security")
        if form.is_valid():
            form.add_error("code", "This code is not valid. Check your phone's clock and try the next one.")
        return _security_page(request, confirm_form=form, status=422)


class TotpDisableView(View):
    http_method_names = ["post"]

    def post(self, request):
        form = TotpDisableForm(request.POST, user=request.user)
        if not form.is_valid():
            return _security_page(request, disable_form=form, status=422)
        services.totp_device_disable(user=request.user)
        audit_event_record(
            kind=AuditKind.CONFIG_CHANGE,
            actor=request.user,
            object_type="user",
            object_id=request.user.pk,
            message="turned two-factor authentication off",
        )
        messages.success(request, "Two-factor authentication is off, and trusted devices were forgotten.")
        response = redirect("accounts:security")
        response.delete_cookie(TRUSTED_DEVICE_COOKIE, samesite="Lax")
        return response


class TrustedDeviceRevokeView(View):
    http_method_names = ["post"]

    def post(self, request, pk: int):
        deleted = services.trusted_device_revoke(user=request.user, device_id=pk)
        if not deleted:
            raise Http404("trusted device not found")
        messages.success(request, "The device will ask for a code at its next sign-in.")
        return redirect("accounts:security")


class SignOutEverywhereView(View):
    """End every session of the user: this browser, other browsers, API logins and media tokens."""

    http_method_names = ["post"]

    def post(self, request):
        user = request.user
        ended = sessions.sessions_end_all(user=user)
        audit_event_record(
            kind=AuditKind.CONFIG_CHANGE,
            actor=user,
            object_type="user",
            object_id=user.pk,
            message=f"signed out everywhere ({ended} API sessions ended)",
            **_client(request),
        )
        auth_logout(request)
        messages.success(request, "You were signed out everywhere. Sign in again on each device.")
        return redirect(settings.LOGOUT_REDIRECT_URL)
