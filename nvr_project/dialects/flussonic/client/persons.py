"""Persons and person lists (catalog §5.8, §6.18)."""

urlpatterns: list = []
