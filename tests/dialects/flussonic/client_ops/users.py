"""Registry rows: users."""

from ..registry import Operation

OPERATIONS: dict[str, Operation] = {}
