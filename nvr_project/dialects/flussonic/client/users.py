"""Users (catalog §5.13, §6.12)."""

urlpatterns: list = []
