"""Registry rows by group; each module exports `OPERATIONS: dict[str, Operation]` keyed by operationId."""

from . import (
    auth_persons_agents,
    core,
    folders_mosaics,
    messages,
    notifications,
    organizations,
    stream_device,
    users,
)

OPERATION_MODULES = [
    core,
    auth_persons_agents,
    folders_mosaics,
    messages,
    notifications,
    organizations,
    stream_device,
    users,
]
