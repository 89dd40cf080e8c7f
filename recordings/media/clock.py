"""Injectable clocks: the recorder asks these, so tests can pin time where they must."""

import time
from typing import Protocol


class Clock(Protocol):
    def wall_us(self) -> int:
        """Microseconds since the Unix epoch (UTC)."""

    def monotonic(self) -> float:
        """Seconds from an arbitrary start, never going back."""

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def wall_us(self) -> int:
        return time.time_ns() // 1000

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
