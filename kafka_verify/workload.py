"""Producing with acks=all and the idempotent producer, and reading back, with kafka-python."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kafka_verify import payload
from kafka_verify.accounting import Ack, Partition, Read
from kafka_verify.timeline import Timeline

# Seconds a reader may read nothing before a fresh one takes over from where it got to.
READER_REPLACE_AFTER_S = 30.0


@dataclass
class Produced:
    """What became of the sends: sent = len(acks) + failed + unresolved once the producer closed."""

    sent: int = 0
    acks: list[Ack] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    unresolved: int = 0
    started: float = 0.0
    finished: float = 0.0
    started_epoch: float = 0.0
    bytes_acked: int = 0
    timeline: Timeline = field(default_factory=Timeline)
    # When a producer was replaced for holding sends past its own delivery timeout, and how many.
    replaced: list[dict[str, float]] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    @property
    def seconds(self) -> float:
        return max(self.finished - self.started, 1e-9)


@dataclass
class Consumed:
    """What was read; when reading gave up, where it stopped on each partition still short of its
    last acknowledged offset (None: position unknown) and which of those had no leader then."""

    reads: list[Read] = field(default_factory=list)
    seconds: float = 0.0
    bytes_read: int = 0
    pending: dict[str, str] = field(default_factory=dict)
    stopped_at: dict[Partition, int | None] = field(default_factory=dict)
    leaderless: set[Partition] = field(default_factory=set)
    group_committed: bool = False
    replaced: list[dict[str, float]] = field(default_factory=list)
    # Partitions acknowledged on whose starting offset was not known, so read from their first.
    read_from_start: list[str] = field(default_factory=list)


class Producer:
    """Sends this run's messages and records the (partition, offset) of every acknowledgement.

    A producer must settle every send within its delivery timeout. kafka-python 3.0.12's
    idempotent producer can stop doing so for good: once a batch expires it drops its producer id
    and never asks for a new one, so nothing is sent, acknowledged or failed again. A producer
    holding a send STUCK_GRACE_S past that timeout is closed by force (its sends then fail, as the
    producer reports) and replaced, so a run goes on after the cluster recovers."""

    STUCK_GRACE_S = 5.0

    def __init__(self, bootstrap: list[str], run_id: str, size: int, delivery_timeout_ms: int,
                 security: Mapping[str, Any] | None = None) -> None:
        self.run_id = run_id
        self.size = size
        self.result = Produced()
        self._lock = threading.Lock()
        # Sends of the current producer without an outcome yet, with when each was made; insertion
        # order is send order, so the first is the oldest.
        self._outstanding: dict[tuple[str, int], float] = {}
        # Sends of replaced producers still without an outcome; unresolved if none ever comes.
        self._abandoned: set[tuple[str, int]] = set()
        self._sealed = False
        self._stuck_after = delivery_timeout_ms / 1000 + self.STUCK_GRACE_S
        # acks=all with idempotence: an acknowledged record is on every in-sync replica and was
        # written once, whatever the retries. A 100 ms linger batches a continuous run's sends: the
        # cost follows requests, not messages, and on small hosts that CPU slows the restarts being
        # judged. At 200 messages/s on 6 partitions, 100 ms and the reader's batched fetches cost
        # the brokers and this process about 8 CPU-seconds per 30 s, against 17 with 50 ms and
        # fetches answered at the first record.
        self._settings = {
            "bootstrap_servers": bootstrap, "acks": "all", "enable_idempotence": True, "linger_ms": 100,
            "batch_size": 64 * 1024, "max_in_flight_requests_per_connection": 5,
            "delivery_timeout_ms": delivery_timeout_ms,
            "request_timeout_ms": min(30000, delivery_timeout_ms - 1000), "client_id": f"kafka-verify-{run_id}",
            **(security or {})}
        self._producer = self._connect()

    def _connect(self) -> Any:
        from kafka import KafkaProducer

        return KafkaProducer(**self._settings)

    def stuck_for(self, now: float) -> float:
        """How long the oldest send of the current producer has gone past the stuck threshold
        (0 when none has)."""
        with self._lock:
            oldest = next(iter(self._outstanding.values()), None)
        return 0.0 if oldest is None else max(now - oldest - self._stuck_after, 0.0)

    def replace_if_stuck(self, now: float) -> bool:
        """Replace a producer that broke its delivery timeout; whether it was replaced."""
        if not self.stuck_for(now):
            return False
        stuck = self._producer
        with self._lock:
            held = len(self._outstanding)
            self._abandoned.update(self._outstanding)
            self._outstanding.clear()
        # kafka-python's close() waits on a flush first and gives up before its force close when
        # the producer is wedged; closing its sender by force is what fails the held sends and
        # guarantees none of them is written after the next producer's records.
        with contextlib.suppress(Exception):
            stuck._sender.force_close()
            stuck._sender.join(5)
        with contextlib.suppress(Exception):
            stuck.close(timeout=0)
        self._producer = self._connect()
        self.result.replaced.append({"at_s": round(now - self.result.started, 1), "held_sends": held})
        return True

    def send(self, topic: str, seq: int) -> None:
        value = payload.encode(self.run_id, topic, seq, self.size)
        # Counted before the attempt, so that a refusal to enqueue is a sent message that failed.
        with self._lock:
            self.result.sent += 1
            self._outstanding[(topic, seq)] = time.monotonic()
        try:
            future = self._producer.send(topic, key=payload.key_of(self.run_id, topic, seq), value=value)
        except Exception as error:  # noqa: BLE001 - any refusal to enqueue is a failed send
            self._failed(topic, seq, error)
            return
        future.add_callback(self._acked, topic, seq, len(value))
        future.add_errback(self._failed, topic, seq)

    def _acked(self, topic: str, seq: int, size: int, metadata: Any) -> None:
        with self._lock:
            now = time.monotonic()
            sent_at = self._outstanding.get((topic, seq), now)
            if self._settle(topic, seq):
                self.result.acks.append(Ack(topic, metadata.partition, metadata.offset, seq, now, sent_at))
                self.result.bytes_acked += size
                self.result.timeline.ack(now)

    def _failed(self, topic: str, seq: int, error: BaseException) -> None:
        name = error.__class__.__name__
        with self._lock:
            if self._settle(topic, seq):
                self.result.failures[name] = self.result.failures.get(name, 0) + 1
                self.result.timeline.fail(time.monotonic())

    def _settle(self, topic: str, seq: int) -> bool:
        """Whether an outcome still counts (called under the lock). After close the report is
        final, so a late outcome leaves its send unresolved. A second outcome for one send is
        still counted: the sums then no longer add up and the run fails loudly."""
        if self._sealed:
            return False
        self._outstanding.pop((topic, seq), None)
        self._abandoned.discard((topic, seq))
        return True

    def close(self, timeout: float) -> Produced:
        # A flush or close that gives up leaves sends without an outcome; they are counted as
        # unresolved below, never as failed, since they may still be written.
        with contextlib.suppress(Exception):
            self._producer.flush(timeout=timeout)
        with contextlib.suppress(Exception):
            self._producer.close(timeout=5)
        with self._lock:
            self._sealed = True
            self.result.unresolved = len(self._outstanding) + len(self._abandoned)
            self.result.finished = time.monotonic()
            self.result.timeline.finish(self.result.finished)
        return self.result


def produce(bootstrap: list[str], run_id: str, topics: list[str], per_topic: int, size: int,
            delivery_timeout_ms: int, rate: float | None = None, duration: float | None = None,
            stop: threading.Event | None = None, security: Mapping[str, Any] | None = None) -> Produced:
    """Send per_topic messages to each topic (batch mode), or send at rate messages/s spread over
    the topics for duration seconds (continuous mode). security: kafka-python's security
    settings (kafka_verify.security), for this and every other client made here."""
    producer = Producer(bootstrap, run_id, size, delivery_timeout_ms, security)
    producer.result.started = time.monotonic()
    producer.result.started_epoch = time.time()
    producer.result.timeline.start(producer.result.started)
    seq = dict.fromkeys(topics, 0)
    index = 0
    checked = producer.result.started
    while True:
        now = time.monotonic()
        if now - checked >= 1:
            checked = now
            producer.replace_if_stuck(now)
        if duration is not None:
            elapsed = time.monotonic() - producer.result.started
            if elapsed >= duration or (stop is not None and stop.is_set()):
                break
            if rate:
                wait = producer.result.started + index / rate - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
        elif index >= per_topic * len(topics):
            break
        topic = topics[index % len(topics)]
        producer.send(topic, seq[topic])
        seq[topic] += 1
        index += 1
    return producer.close(timeout=delivery_timeout_ms / 1000 + 5)


def _record_pending(consumer: Any, partitions: dict[Partition, Any], targets: dict[Partition, int],
                    result: Consumed) -> None:
    """Note where reading stopped on every partition short of its last acknowledged offset."""
    for key, target in targets.items():
        position = consumer.position(partitions[key]) if key in partitions else None
        if position is None or position <= target:
            result.pending[f"{key[0]}-{key[1]}"] = f"at offset {position}, last acknowledged {target}"
            result.stopped_at[key] = position
            if key in partitions and _has_no_leader(consumer, partitions[key]):
                result.leaderless.add(key)


def _has_no_leader(consumer: Any, tp: Any) -> bool:
    # kafka-python offers no public call for a partition's leader; the consumer's own metadata
    # is what it fetched by, and -1 there means it had nowhere to fetch this partition from.
    with contextlib.suppress(Exception):
        return consumer._client.cluster.leader_for_partition(tp) == -1
    return False


def end_offsets(bootstrap: list[str], topics: list[str], wait: float = 30.0,
                security: Mapping[str, Any] | None = None) -> dict[Partition, int]:
    """The next offset of every partition of the topics (where this run's data will start).

    A topic just created can be missing from the metadata of the broker a fresh client asks first
    (the controller tells the brokers one by one), so its partitions are asked for again for up to
    wait seconds; a topic still without partitions then is left out, and reading finds it later."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, client_id="kafka-verify",
                             **(security or {}))
    try:
        deadline = time.monotonic() + wait
        known: dict[str, set[int]] = {}
        while True:
            known = {t: set(consumer.partitions_for_topic(t) or ()) for t in topics}
            if all(known.values()) or time.monotonic() >= deadline:
                break
            time.sleep(1)
            with contextlib.suppress(Exception):
                consumer.topics()  # a fresh metadata request, possibly to another broker
        partitions = [TopicPartition(t, p) for t in topics for p in sorted(known[t])]
        return {(tp.topic, tp.partition): offset for tp, offset in consumer.end_offsets(partitions).items()}
    finally:
        consumer.close()


def consume(bootstrap: list[str], run_id: str, group: str, start: dict[Partition, int],
            targets: dict[Partition, int] | None, timeout: float, done: threading.Event | None = None,
            final_targets: list[dict[Partition, int]] | None = None,
            replace_after: float = READER_REPLACE_AFTER_S, security: Mapping[str, Any] | None = None) -> Consumed:
    """Read from start until every partition's position passes its last acknowledged offset.

    targets may be unknown while producing continues: then reading goes on until done is set
    and final_targets[0] holds them. A reader that reads nothing for replace_after seconds is
    replaced by a fresh one that goes on from the next offset of every partition (listed in
    replaced). Gives up after timeout seconds without progress and reports the partitions still
    pending."""
    from kafka import TopicPartition

    result = Consumed()
    partitions = {(t, p): TopicPartition(t, p) for t, p in start}
    # Where the next read of each partition starts: a replacement reader seeks there, so nothing
    # is read twice and nothing is skipped.
    next_offset = dict(start)
    _read_unknown_from_start(targets or {}, partitions, next_offset, result)
    consumer = _reader(bootstrap, run_id, partitions, next_offset, security)
    began = last_progress = last_read = time.monotonic()
    try:
        while True:
            now = time.monotonic()
            if targets is None and done is not None and done.is_set() and final_targets:
                targets = final_targets[0]
                last_progress = now
                if _read_unknown_from_start(targets, partitions, next_offset, result):
                    with contextlib.suppress(Exception):
                        consumer.close()
                    consumer = _reader(bootstrap, run_id, partitions, next_offset, security)
            if targets is not None:
                remaining = {k: v for k, v in targets.items() if consumer.position(partitions[k]) <= v}
                if not remaining:
                    break
            if targets is not None and now - last_progress > timeout:
                _record_pending(consumer, partitions, targets, result)
                break
            if now - last_read > replace_after:
                # kafka-python's consumer can stop fetching for good after its brokers restart
                # (seen after a rolling restart: nothing read for minutes while every partition had
                # a leader). A fresh reader tells that apart from data that is not there.
                with contextlib.suppress(Exception):
                    consumer.close()
                consumer = _reader(bootstrap, run_id, partitions, next_offset, security)
                result.replaced.append({"at_s": round(now - began, 1), "idle_s": round(now - last_read, 1)})
                last_read = now
            batch = consumer.poll(timeout_ms=500)
            for tp, records in batch.items():
                for record in records:
                    decoded = payload.decode(record.value, tp.topic)
                    result.reads.append(Read(tp.topic, tp.partition, record.offset,
                                             decoded.run_id if decoded else None,
                                             decoded.seq if decoded else None,
                                             decoded.intact if decoded else True))
                    result.bytes_read += len(record.value or b"")
                    key = (tp.topic, tp.partition)
                    next_offset[key] = max(next_offset[key], record.offset + 1)
                if records:
                    last_progress = last_read = time.monotonic()
        positions = {tp: consumer.position(tp) for tp in partitions.values()}
    finally:
        result.seconds = time.monotonic() - began
        with contextlib.suppress(Exception):
            consumer.close()
    result.group_committed = commit_positions(bootstrap, run_id, group, positions, security=security)
    return result


def _read_unknown_from_start(targets: dict[Partition, int], partitions: dict[Partition, Any],
                             next_offset: dict[Partition, int], result: Consumed) -> bool:
    """Add the partitions acknowledged on whose starting offset was not known (a topic missing
    from the metadata when reading began), to be read from their first offset: never skipped,
    and earlier runs' records there are told apart by their run id. Whether any was added."""
    from kafka import TopicPartition

    unknown = sorted(set(targets) - set(partitions))
    for key in unknown:
        partitions[key] = TopicPartition(*key)
        next_offset[key] = 0
        result.read_from_start.append(f"{key[0]}-{key[1]}")
    return bool(unknown)


def _reader(bootstrap: list[str], run_id: str, partitions: dict[Partition, Any],
            offsets: dict[Partition, int], security: Mapping[str, Any] | None) -> Any:
    from kafka import KafkaConsumer

    # No group: a consumer with one polls nothing until a group coordinator answers, and a cluster
    # that cannot create __consumer_offsets would then look as if it had lost everything.
    # A fetch waits for 64 KiB or 500 ms: answered at the first record, a reader beside a
    # continuous writer sends a fetch per produce batch, which costs it and the brokers more
    # than the writing does.
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                             auto_offset_reset="earliest", client_id=f"kafka-verify-{run_id}",
                             max_poll_records=5000, fetch_max_wait_ms=500, fetch_min_bytes=64 * 1024,
                             **(security or {}))
    consumer.assign(list(partitions.values()))
    for key, tp in partitions.items():
        consumer.seek(tp, offsets[key])
    return consumer


def commit_positions(bootstrap: list[str], run_id: str, group: str, positions: dict[Any, int | None],
                     timeout_ms: int = 10_000, security: Mapping[str, Any] | None = None) -> bool:
    """Commit where reading ended as the group's offsets: a convenience for operators (the
    group shows in kafka-consumer-groups.sh), never part of the verdict. False when the group's
    coordinator did not answer in time."""
    from kafka import KafkaConsumer
    from kafka.structs import OffsetAndMetadata

    offsets = {tp: OffsetAndMetadata(offset, "", -1) for tp, offset in positions.items() if offset is not None}
    if not offsets:
        return False
    committer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                              client_id=f"kafka-verify-{run_id}-commit", **(security or {}))
    try:
        committer.commit(offsets, timeout_ms=timeout_ms)
        return True
    except Exception:  # noqa: BLE001 - whatever the reason, the offsets are only a convenience
        return False
    finally:
        committer.close()
