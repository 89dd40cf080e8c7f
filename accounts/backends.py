"""Password login by case-insensitive login name; disabled users never authenticate."""

from django.contrib.auth.backends import ModelBackend

from accounts.models import User


class LoginBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        login = username if username is not None else kwargs.get(User.USERNAME_FIELD)
        if not login or password is None:
            return None
        user = User.objects.filter(login__iexact=login).first()
        if user is None:
            User().set_password(password)  # same cost as a real check, so timing does not reveal logins
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        user = User.objects.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None

    # Django admin permissions come from the role on the User model, not from auth tables.
    def has_perm(self, user_obj, perm, obj=None):
        return user_obj.is_active and user_obj.is_domain_admin
