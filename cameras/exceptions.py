"""Domain exceptions of the cameras app."""

from organizations.exceptions import LimitReached, ObjectNotFound

__all__ = ["CameraLimitReached", "CameraNameTaken", "ObjectNotFound"]


class CameraLimitReached(LimitReached):
    """The organization already has `max_cameras` cameras."""


class CameraNameTaken(Exception):
    """Camera names are global keys; this one is used (possibly by another organization)."""
