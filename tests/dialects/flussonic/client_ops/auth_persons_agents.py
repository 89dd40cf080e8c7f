"""Registry rows: auth_persons_agents."""

from ..registry import Operation

OPERATIONS: dict[str, Operation] = {}
