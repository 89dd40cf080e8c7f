"""`login_create` of the Admin API (catalog §5.3.1): the same sessions and tokens as the Client API."""

from ..client.login import LoginView as ClientLoginView


class LoginView(ClientLoginView):
    """POST /login: any valid user gets tokens; the admin check applies to the other operations."""

    audit_message = "signed in to the Watcher Admin API"
    http_method_names = ["post", "options"]  # sign out through the Client API's DELETE /login
