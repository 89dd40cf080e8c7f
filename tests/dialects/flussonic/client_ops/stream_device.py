"""Registry rows: stream_device."""

from ..registry import Operation

OPERATIONS: dict[str, Operation] = {}
