"""Registry rows by group; each module exports `OPERATIONS: dict[str, Operation]` keyed by operationId."""

from . import core

OPERATION_MODULES = [core]
