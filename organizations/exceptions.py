"""Domain exceptions of tenancy; every dialect maps them to its own error shape."""

from django.http import Http404


class ObjectNotFound(Http404):
    """Missing, or belongs to another organization, or not granted: callers cannot tell which."""


class LimitReached(Exception):
    """An organization limit (cameras, users) would be exceeded."""
