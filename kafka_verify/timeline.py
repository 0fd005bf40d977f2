"""What the producer saw, second by second: acknowledgements, failed sends and the stalls between
acknowledgements.

Memory grows with the run's length, not with its message count: a count per second and one entry
per stall, so an hour-long run at any rate keeps a few thousand numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

# A second without an acknowledgement while sends are being made is already visible to a
# client with a tight timeout; shorter gaps are ordinary batching.
STALL_S = 1.0


@dataclass
class Timeline:
    """Per-second counts from the moment production started (bucket 0 is its first second).

    Failures count in the second they were reported, which for a timeout is delivery-timeout
    seconds after the send. Stalls are (start, end) in seconds from the start: gaps of at least
    stall_s with no acknowledgement, including before the first and after the last one."""

    started: float = 0.0
    finished: float = 0.0
    stall_s: float = STALL_S
    acked: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    stalls: list[tuple[float, float]] = field(default_factory=list)
    last_ack: float = 0.0

    def start(self, now: float) -> None:
        self.started = self.last_ack = now

    def ack(self, now: float) -> None:
        self._count(self.acked, now)
        self._gap_until(now)
        self.last_ack = max(self.last_ack, now)

    def fail(self, now: float) -> None:
        self._count(self.failed, now)

    def finish(self, now: float) -> None:
        """Close the books: the silence since the last acknowledgement is a stall too, and both
        series cover every second of the run so they line up."""
        self.finished = now
        self._gap_until(now)
        length = max(math.ceil(self.seconds), len(self.acked), len(self.failed))
        for series in (self.acked, self.failed):
            series.extend([0] * (length - len(series)))

    @property
    def seconds(self) -> float:
        return max(self.finished - self.started, 0.0)

    def _count(self, series: list[int], now: float) -> None:
        second = max(int(now - self.started), 0)
        if second >= len(series):
            series.extend([0] * (second + 1 - len(series)))
        series[second] += 1

    def _gap_until(self, now: float) -> None:
        if now - self.last_ack >= self.stall_s:
            self.stalls.append((round(self.last_ack - self.started, 3), round(now - self.started, 3)))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Timeline:
        """A finished timeline back from a report's 'timeline' (as_dict), e.g. to plot it later."""
        return cls(started=0.0, finished=float(data.get("seconds", 0.0)),
                   stall_s=float(data.get("stall_threshold_s", STALL_S)),
                   acked=list(data.get("acked_per_s", [])), failed=list(data.get("failed_per_s", [])),
                   stalls=[(float(start), float(end)) for start, end in data.get("stalls", [])])

    def as_dict(self) -> dict[str, Any]:
        return {"bucket_s": 1, "seconds": round(self.seconds, 3), "acked_per_s": list(self.acked),
                "failed_per_s": list(self.failed), "stall_threshold_s": self.stall_s,
                "stalls": [list(stall) for stall in self.stalls]}
