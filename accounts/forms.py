"""Forms of the login, two-factor and security pages: they check shape, the services decide."""

from django import forms


class LoginForm(forms.Form):
    """Login and password; whether they are right is accounts.services.login's to say."""

    INVALID_LOGIN = "Please enter a correct login and password. Note that the password is case-sensitive."

    username = forms.CharField(
        label="Login",
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "placeholder": "Login"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "placeholder": "Password"}),
    )


class _CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=7,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "placeholder": "123456",
            }
        ),
    )

    def clean_code(self):
        # Some apps show "123 456"; the space is not part of the code.
        code = self.cleaned_data["code"].replace(" ", "")
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError("Enter the 6 digits your authenticator app shows.")
        return code


class LoginTotpForm(_CodeForm):
    remember = forms.BooleanField(required=False, label="Remember this device for 30 days")


class TotpConfirmForm(_CodeForm):
    pass


class TotpDisableForm(forms.Form):
    password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("The password is not correct.")
        return password
