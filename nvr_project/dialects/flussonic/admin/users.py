"""Users in the Admin API (catalog §5.4, §6.5, §9 `user_delete`): the Client API's user operations
under the Admin API's rules. A domain administrator sees and manages every user there, and the
two catalogs give the User the same shape, so the views are shared, not copied."""

from django.urls import path

from ..client import api_keys as client_api_keys
from ..client import users as client_users
from .base import WatcherAdminView


class UserListView(WatcherAdminView, client_users.UserListView):
    """GET /users[?organization_id=…] and POST /users."""


class UserDetailView(WatcherAdminView, client_users.UserDetailView):
    """GET, PUT and DELETE /users/{user_id}."""


class UserApiKeyView(WatcherAdminView, client_api_keys.UserApiKeyView):
    """GET and POST /users/{user_id}/apikey (§9 `users_apikey_get` / `users_apikey_create`)."""


urlpatterns = [
    path("users", UserListView.as_view(), name="users_list"),
    path("users/<int:user_id>", UserDetailView.as_view(), name="user_get"),
    path("users/<int:user_id>/apikey", UserApiKeyView.as_view(), name="users_apikey_get"),
]
