"""Registry rows: messages."""

from ..registry import Operation

OPERATIONS: dict[str, Operation] = {}
