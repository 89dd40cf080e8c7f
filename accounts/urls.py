"""Dashboard routes of accounts: sign-in, sign-out and the security page."""

from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/totp/", views.LoginTotpView.as_view(), name="login_totp"),
    # Django's LogoutView answers POST only and goes to LOGOUT_REDIRECT_URL (the login page).
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("security/", views.SecurityView.as_view(), name="security"),
    path("security/sign-out-everywhere/", views.SignOutEverywhereView.as_view(), name="sign_out_everywhere"),
    path("security/totp/enable/", views.TotpEnableView.as_view(), name="totp_enable"),
    path("security/totp/confirm/", views.TotpConfirmView.as_view(), name="totp_confirm"),
    path("security/totp/disable/", views.TotpDisableView.as_view(), name="totp_disable"),
    path(
        "security/devices/<int:pk>/revoke/",
        views.TrustedDeviceRevokeView.as_view(),
        name="trusted_device_revoke",
    ),
]
