"""Folder permissions of users (catalog §5.14.5-5.14.7)."""

urlpatterns: list = []
