"""Producing with acks=all and the idempotent producer, and reading back, with kafka-python."""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from kafka_verify import payload
from kafka_verify.accounting import Ack, Partition, Read


@dataclass
class Produced:
    sent: int = 0
    acks: list[Ack] = field(default_factory=list)
    failures: dict[str, int] = field(default_factory=dict)
    started: float = 0.0
    finished: float = 0.0
    started_epoch: float = 0.0
    bytes_acked: int = 0

    @property
    def failed(self) -> int:
        return sum(self.failures.values())

    @property
    def seconds(self) -> float:
        return max(self.finished - self.started, 1e-9)


@dataclass
class Consumed:
    reads: list[Read] = field(default_factory=list)
    seconds: float = 0.0
    bytes_read: int = 0
    pending: dict[str, str] = field(default_factory=dict)


class Producer:
    """Sends this run's messages and records the (partition, offset) of every acknowledgement."""

    def __init__(self, bootstrap: list[str], run_id: str, size: int, delivery_timeout_ms: int) -> None:
        from kafka import KafkaProducer

        self.run_id = run_id
        self.size = size
        self.result = Produced()
        self._lock = threading.Lock()
        # acks=all with idempotence: an acknowledged record is on every in-sync replica and was
        # written once, whatever the retries.
        self._producer = KafkaProducer(
            bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5,
            batch_size=64 * 1024, max_in_flight_requests_per_connection=5,
            delivery_timeout_ms=delivery_timeout_ms, request_timeout_ms=min(30000, delivery_timeout_ms - 1000),
            client_id=f"kafka-verify-{run_id}")

    def send(self, topic: str, seq: int) -> None:
        value = payload.encode(self.run_id, topic, seq, self.size)
        try:
            future = self._producer.send(topic, key=payload.key_of(self.run_id, topic, seq), value=value)
        except Exception as error:  # noqa: BLE001 - any refusal to enqueue is a failed send
            self._failed(error)
            return
        with self._lock:
            self.result.sent += 1
        future.add_callback(self._acked, topic, seq, len(value))
        future.add_errback(self._failed)

    def _acked(self, topic: str, seq: int, size: int, metadata: Any) -> None:
        with self._lock:
            self.result.acks.append(Ack(topic, metadata.partition, metadata.offset, seq, time.monotonic()))
            self.result.bytes_acked += size

    def _failed(self, error: BaseException) -> None:
        name = error.__class__.__name__
        with self._lock:
            self.result.failures[name] = self.result.failures.get(name, 0) + 1

    def close(self, timeout: float) -> Produced:
        try:
            self._producer.flush(timeout=timeout)
        except Exception as error:  # noqa: BLE001 - unsent records are counted below
            self._failed(error)
        # Records still unsent after flush were counted as failed; closing must not lose the report.
        with contextlib.suppress(Exception):
            self._producer.close(timeout=5)
        self.result.finished = time.monotonic()
        return self.result


def produce(bootstrap: list[str], run_id: str, topics: list[str], per_topic: int, size: int,
            delivery_timeout_ms: int, rate: float | None = None, duration: float | None = None,
            stop: threading.Event | None = None) -> Produced:
    """Send per_topic messages to each topic (batch mode), or send at rate messages/s spread over
    the topics for duration seconds (continuous mode)."""
    producer = Producer(bootstrap, run_id, size, delivery_timeout_ms)
    producer.result.started = time.monotonic()
    producer.result.started_epoch = time.time()
    seq = dict.fromkeys(topics, 0)
    index = 0
    while True:
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


def end_offsets(bootstrap: list[str], topics: list[str]) -> dict[Partition, int]:
    """The next offset of every partition of the topics (where this run's data will start)."""
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, client_id="kafka-verify")
    try:
        partitions = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or [])]
        return {(tp.topic, tp.partition): offset for tp, offset in consumer.end_offsets(partitions).items()}
    finally:
        consumer.close()


def consume(bootstrap: list[str], run_id: str, group: str, start: dict[Partition, int],
            targets: dict[Partition, int] | None, timeout: float, done: threading.Event | None = None,
            final_targets: list[dict[Partition, int]] | None = None) -> Consumed:
    """Read from start until every partition's position passes its last acknowledged offset.

    targets may be unknown while producing continues: then reading goes on until done is set
    and final_targets[0] holds them. Gives up after timeout seconds without progress and
    reports the partitions still pending."""
    from kafka import KafkaConsumer, TopicPartition

    result = Consumed()
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                             auto_offset_reset="earliest", client_id=f"kafka-verify-{run_id}",
                             max_poll_records=5000, fetch_max_wait_ms=200)
    partitions = {(t, p): TopicPartition(t, p) for t, p in start}
    consumer.assign(list(partitions.values()))
    for key, tp in partitions.items():
        consumer.seek(tp, start[key])
    began = last_progress = time.monotonic()
    try:
        while True:
            if targets is None and done is not None and done.is_set() and final_targets:
                targets = final_targets[0]
                last_progress = time.monotonic()
            if targets is not None:
                remaining = {k: v for k, v in targets.items() if consumer.position(partitions[k]) <= v} \
                    if all(k in partitions for k in targets) else targets
                if not remaining:
                    break
            if targets is not None and time.monotonic() - last_progress > timeout:
                pending = targets if targets is not None else dict.fromkeys(partitions, -1)
                for key, target in pending.items():
                    position = consumer.position(partitions[key]) if key in partitions else None
                    if position is None or position <= target:
                        result.pending[f"{key[0]}-{key[1]}"] = f"at offset {position}, last acknowledged {target}"
                break
            batch = consumer.poll(timeout_ms=500)
            for tp, records in batch.items():
                for record in records:
                    decoded = payload.decode(record.value, tp.topic)
                    result.reads.append(Read(tp.topic, tp.partition, record.offset,
                                             decoded.run_id if decoded else None,
                                             decoded.seq if decoded else None,
                                             decoded.intact if decoded else True))
                    result.bytes_read += len(record.value or b"")
                if records:
                    last_progress = time.monotonic()
        # The group's committed offsets are a convenience for operators, not part of the check.
        with contextlib.suppress(Exception):
            consumer.commit()
    finally:
        result.seconds = time.monotonic() - began
        consumer.close()
    return result
