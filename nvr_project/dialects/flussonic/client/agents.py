"""Agent activation tokens (catalog §5.1)."""

urlpatterns: list = []
