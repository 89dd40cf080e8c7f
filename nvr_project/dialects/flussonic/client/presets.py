"""Presets (catalog §5.10, §6.16) and attaching them to organizations (§5.9.9-5.9.10)."""

urlpatterns: list = []
