"""Messages between users of an organization (catalog §5.15, §6.22)."""

urlpatterns: list = []
