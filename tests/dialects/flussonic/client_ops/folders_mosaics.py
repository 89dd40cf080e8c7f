"""Registry rows: folders_mosaics."""

from ..registry import Operation

OPERATIONS: dict[str, Operation] = {}
