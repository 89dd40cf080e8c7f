"""Organization members (catalog §5.9.6-5.9.8, §6.11)."""

urlpatterns: list = []
