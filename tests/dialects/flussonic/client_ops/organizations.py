"""Registry rows: organizations."""

from ..registry import Operation

OPERATIONS: dict[str, Operation] = {}
