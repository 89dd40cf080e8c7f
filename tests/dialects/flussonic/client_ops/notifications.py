"""Registry rows: notifications."""

from ..registry import Operation

OPERATIONS: dict[str, Operation] = {}
