"""Models of the organizations app."""

from .audit import AuditEvent
from .folders import Folder, FolderGrant
from .messages import Message
from .organizations import Membership, Organization
from .site import SiteSettings

__all__ = ["AuditEvent", "Folder", "FolderGrant", "Membership", "Message", "Organization", "SiteSettings"]
