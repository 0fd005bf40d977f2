"""Pure accounting of what was acknowledged against what was read back.

Acknowledged means the broker confirmed the write with acks=all; a send that failed or timed
out "may or may not" be in the log, so it is never counted as lost when absent, only reported
when it does appear. Every send ends in exactly one of acknowledged, failed, or unresolved (its
outcome never reported before the producer was closed), so sent = acked + failed + unresolved.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

Key = tuple[str, int]  # (topic, seq)
Partition = tuple[str, int]  # (topic, partition)


@dataclass(frozen=True)
class Ack:
    topic: str
    partition: int
    offset: int
    seq: int
    acked_at: float = 0.0
    sent_at: float = 0.0


@dataclass(frozen=True)
class Read:
    topic: str
    partition: int
    offset: int
    run_id: str | None
    seq: int | None
    intact: bool


@dataclass
class Accounting:
    sent: int
    acked: int
    failed: int
    read: int
    unresolved: int = 0
    lost: list[Key] = field(default_factory=list)
    unavailable: list[Key] = field(default_factory=list)
    duplicated: list[Key] = field(default_factory=list)
    reordered: list[Partition] = field(default_factory=list)
    misplaced: list[Key] = field(default_factory=list)
    corrupted: list[tuple[str, int, int]] = field(default_factory=list)
    unacked_read: int = 0
    foreign: int = 0

    @property
    def ok(self) -> bool:
        return not (self.lost or self.duplicated or self.reordered or self.misplaced or self.corrupted
                    or self.unavailable or self.imbalance())

    def imbalance(self) -> str | None:
        """Why the sends do not add up, or None. Every send has exactly one outcome, so a
        mismatch is a bug of the verifier itself, and a message it cannot account for."""
        outcomes = (self.acked, self.failed, self.unresolved)
        adds_up, none_negative = self.sent == sum(outcomes), min(outcomes) >= 0
        if adds_up and none_negative:
            return None
        return (f"accounting does not add up: sent {self.sent} {'=' if adds_up else '!='} acked {self.acked} "
                f"+ failed {self.failed} + unresolved {self.unresolved}"
                f"{'' if none_negative else ' (a count below zero)'}")

    @property
    def unconfirmed(self) -> int:
        """Sends that were not acknowledged: failed, or never resolved."""
        return self.failed + self.unresolved

    def counts(self) -> dict[str, int]:
        return {
            "sent": self.sent, "acked": self.acked, "failed": self.failed, "unresolved": self.unresolved,
            "read": self.read,
            "lost": len(self.lost), "unavailable": len(self.unavailable), "duplicated": len(self.duplicated),
            "reordered": len(self.reordered), "misplaced": len(self.misplaced), "corrupted": len(self.corrupted),
            "unacked_read": self.unacked_read, "foreign": self.foreign,
        }


def account(run_id: str, sent: int, acks: list[Ack], failed: int, reads: list[Read],
            unavailable_partitions: Collection[Partition] = frozenset(), *, unresolved: int = 0,
            read_up_to: Mapping[Partition, int] | None = None) -> Accounting:
    """Compare acknowledgements with the records read back.

    unavailable_partitions are those nobody could read from at the end (no leader); read_up_to
    gives, for some of them, the offset the reader had reached: it read everything before it, so
    an acknowledged message missing there is lost even though the partition went unreadable.

    - lost: acknowledged, never read, and not on an unavailable partition at or past the offset
      the reader had reached;
    - unavailable: acknowledged, never read, on an unavailable partition where reading stopped;
    - duplicated: read at more than one offset;
    - misplaced: read, but not at the partition and offset the acknowledgement gave;
    - reordered: a partition whose records, in offset order, do not follow send order;
    - corrupted: a record of this run whose digest does not match its content.
    """
    result = Accounting(sent=sent, acked=len(acks), failed=failed, read=0, unresolved=unresolved)
    stopped_at = {partition: (read_up_to or {}).get(partition, 0) for partition in unavailable_partitions}
    seen: dict[Key, list[Read]] = defaultdict(list)
    by_partition: dict[Partition, list[Read]] = defaultdict(list)
    for record in reads:
        if record.run_id != run_id:
            result.foreign += 1
            continue
        result.read += 1
        if not record.intact:
            result.corrupted.append((record.topic, record.partition, record.offset))
            continue
        key = (record.topic, record.seq)
        seen[key].append(record)
        by_partition[(record.topic, record.partition)].append(record)

    acked_keys = set()
    for ack in acks:
        key = (ack.topic, ack.seq)
        acked_keys.add(key)
        copies = seen.get(key)
        if not copies:
            partition = (ack.topic, ack.partition)
            if partition in stopped_at and ack.offset >= stopped_at[partition]:
                result.unavailable.append(key)
            else:
                result.lost.append(key)
        elif not any(c.partition == ack.partition and c.offset == ack.offset for c in copies):
            result.misplaced.append(key)

    for key, copies in seen.items():
        if len({(c.partition, c.offset) for c in copies}) > 1:
            result.duplicated.append(key)
        if key not in acked_keys:
            result.unacked_read += 1

    for partition, records in by_partition.items():
        ordered = sorted(records, key=lambda r: r.offset)
        if any(later.seq <= earlier.seq for earlier, later in zip(ordered, ordered[1:])):
            result.reordered.append(partition)

    for name in ("lost", "unavailable", "duplicated", "reordered", "misplaced", "corrupted"):
        getattr(result, name).sort()
    return result


def problems_per_second(accounting: Accounting, acks: list[Ack], started: float) -> dict[str, list[list[int]]]:
    """When each lost, unavailable or duplicated message was acknowledged, as [second, count]
    pairs counted from the start of production (started, on the clock of the acknowledgements),
    so that a run's problems can be laid against what the cluster went through at the time. A
    duplicated message that was never acknowledged has no such second: it counts under -1."""
    names = ("lost", "unavailable", "duplicated")
    if not any(getattr(accounting, name) for name in names):
        return {name: [] for name in names}
    acked_at = {(ack.topic, ack.seq): ack.acked_at for ack in acks}
    result = {}
    for name in names:
        seconds: Counter[int] = Counter()
        for key in getattr(accounting, name):
            at = acked_at.get(key)
            seconds[-1 if at is None else max(int(at - started), 0)] += 1
        result[name] = [[second, count] for second, count in sorted(seconds.items())]
    return result


def longest_stall(started: float, ack_times: list[float], finished: float) -> float:
    """Longest time without an acknowledgement while sends were being made, in seconds."""
    points = [started, *sorted(t for t in ack_times if started <= t <= finished), finished]
    return max((b - a for a, b in zip(points, points[1:])), default=0.0)


def consume_targets(acks: list[Ack]) -> tuple[dict[Partition, int], dict[Partition, int]]:
    """Per partition, the first offset to read from and the last acknowledged offset."""
    first: dict[Partition, int] = {}
    last: dict[Partition, int] = {}
    for ack in acks:
        partition = (ack.topic, ack.partition)
        first[partition] = min(first.get(partition, ack.offset), ack.offset)
        last[partition] = max(last.get(partition, ack.offset), ack.offset)
    return first, last


def acks_per_second(started: float, ack_times: list[float]) -> list[int]:
    """Acknowledgements counted in each second after production started."""
    counts: list[int] = []
    for moment in ack_times:
        second = max(int(moment - started), 0)
        counts.extend([0] * (second + 1 - len(counts)))
        counts[second] += 1
    return counts
