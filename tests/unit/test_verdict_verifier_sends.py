"""Every send ends acknowledged, failed or unresolved, and the reader reports where it stopped:
kafka_verify.workload against stand-ins for kafka-python's producer and consumer."""

import functools
import threading
import time
from types import SimpleNamespace
from typing import ClassVar

import kafka
import pytest
from kafka.errors import IllegalStateError, KafkaTimeoutError, NotEnoughReplicasError

from kafka_verify import workload
from kafka_verify.accounting import Accounting


class FakeFuture:
    def __init__(self):
        self.callbacks, self.errbacks = [], []

    def add_callback(self, f, *args):
        self.callbacks.append(functools.partial(f, *args))

    def add_errback(self, f, *args):
        self.errbacks.append(functools.partial(f, *args))

    settled = False

    def ack(self, offset):
        self.settled = True
        for callback in self.callbacks:
            callback(SimpleNamespace(partition=0, offset=offset))

    def fail(self, error):
        self.settled = True
        for errback in self.errbacks:
            errback(error)


class FakeSender:
    """kafka-python's sender thread: a forced close fails every send still without an outcome."""

    def __init__(self, producer):
        self.producer = producer
        self.forced = False

    def force_close(self):
        self.forced = True
        for future in self.producer.futures:
            if not future.settled:
                future.fail(IllegalStateError("Producer is closed forcefully."))

    def join(self, timeout):
        pass


class FakeProducer:
    """Records each send's future; the test decides which outcome, if any, each one gets."""

    made: ClassVar[list] = []

    def __init__(self, **config):
        self.futures = []
        self.refuse = False
        self.flush_error = None
        self._sender = FakeSender(self)
        FakeProducer.last = self
        FakeProducer.made.append(self)

    def send(self, topic, key, value):
        if self.refuse:
            raise KafkaTimeoutError("Failed to update metadata after 60.0 secs.")
        self.futures.append(FakeFuture())
        return self.futures[-1]

    def flush(self, timeout):
        if self.flush_error:
            raise self.flush_error

    def close(self, timeout):
        pass


@pytest.fixture
def producer(monkeypatch):
    monkeypatch.setattr(kafka, "KafkaProducer", FakeProducer)
    FakeProducer.made = []
    sender = workload.Producer(["broker:9092"], "run1", 100, 10_000)
    return sender, FakeProducer.last


def books(produced):
    return Accounting(sent=produced.sent, acked=len(produced.acks), failed=produced.failed, read=0,
                      unresolved=produced.unresolved)


def test_each_send_ends_acknowledged_failed_or_unresolved(producer):
    sender, fake = producer
    for seq in range(5):
        sender.send("t", seq)
    fake.futures[0].ack(0)
    fake.futures[1].ack(1)
    fake.futures[2].fail(NotEnoughReplicasError())
    produced = sender.close(timeout=1)
    assert (produced.sent, len(produced.acks), produced.failed, produced.unresolved) == (5, 2, 1, 2)
    assert produced.failures == {"NotEnoughReplicasError": 1}
    assert books(produced).imbalance() is None


def test_an_acknowledgement_keeps_the_moment_its_send_was_made(producer, monkeypatch):
    sender, fake = producer
    clock = iter([100.0, 101.0, 109.5, 110.0])
    monkeypatch.setattr(workload.time, "monotonic", lambda: next(clock))
    sender.send("t", 0)  # made at 100, acknowledged at 109.5: late, judged at the second it was made
    sender.send("t", 1)
    fake.futures[0].ack(0)
    fake.futures[1].ack(1)
    first, second = sender.result.acks
    assert (first.sent_at, first.acked_at) == (100.0, 109.5)
    assert (second.sent_at, second.acked_at) == (101.0, 110.0)


def test_a_flush_that_gives_up_leaves_sends_unresolved_not_failed(producer):
    sender, fake = producer
    for seq in range(3):
        sender.send("t", seq)
    fake.flush_error = KafkaTimeoutError("Timeout waiting for future")
    produced = sender.close(timeout=1)
    assert produced.failures == {}
    assert produced.unresolved == 3
    assert books(produced).imbalance() is None


def test_an_outcome_after_close_does_not_change_the_report(producer):
    sender, fake = producer
    sender.send("t", 0)
    sender.send("t", 1)
    produced = sender.close(timeout=1)
    fake.futures[0].ack(0)
    fake.futures[1].fail(KafkaTimeoutError())
    assert (produced.sent, len(produced.acks), produced.failed, produced.unresolved) == (2, 0, 0, 2)


def test_a_send_refused_before_it_is_queued_is_sent_and_failed(producer):
    sender, fake = producer
    fake.refuse = True
    sender.send("t", 0)
    produced = sender.close(timeout=1)
    assert (produced.sent, produced.failed, produced.unresolved) == (1, 1, 0)
    assert produced.failures == {"KafkaTimeoutError": 1}


def test_two_outcomes_for_one_send_break_the_identity_loudly(producer):
    sender, fake = producer
    sender.send("t", 0)
    fake.futures[0].ack(0)
    fake.futures[0].fail(KafkaTimeoutError())
    assert books(sender.close(timeout=1)).imbalance() == \
        "accounting does not add up: sent 1 != acked 1 + failed 1 + unresolved 0"


def test_a_producer_holding_sends_past_its_delivery_timeout_is_replaced_and_its_sends_fail(producer):
    sender, wedged = producer
    sender.result.started = time.monotonic()
    for seq in range(3):
        sender.send("t", seq)
    wedged.futures[0].ack(0)
    # Within the delivery timeout (10 s) and its grace, a slow producer is left alone.
    assert sender.replace_if_stuck(time.monotonic() + 10) is False
    assert sender.replace_if_stuck(time.monotonic() + 10 + workload.Producer.STUCK_GRACE_S + 1) is True
    assert wedged._sender.forced
    fresh = FakeProducer.last
    assert fresh is not wedged
    sender.send("t", 3)
    fresh.futures[0].ack(1)
    # The new producer holds nothing old: no second replacement for the first one's sends.
    assert sender.replace_if_stuck(time.monotonic() + 1) is False
    produced = sender.close(timeout=1)
    assert (produced.sent, len(produced.acks), produced.failed, produced.unresolved) == (4, 2, 2, 0)
    assert produced.failures == {"IllegalStateError": 2}
    assert [held["held_sends"] for held in produced.replaced] == [2]
    assert books(produced).imbalance() is None


def test_held_sends_a_forced_close_does_not_settle_end_unresolved(producer, monkeypatch):
    sender, _ = producer
    monkeypatch.setattr(FakeSender, "force_close", lambda self: None)
    sender.send("t", 0)
    assert sender.replace_if_stuck(time.monotonic() + 60) is True
    sender.send("t", 1)
    FakeProducer.last.futures[0].ack(0)
    # The send left with the first producer is no reason to replace the second.
    assert sender.replace_if_stuck(time.monotonic() + 60) is False
    produced = sender.close(timeout=1)
    assert (produced.sent, len(produced.acks), produced.failed, produced.unresolved) == (2, 1, 0, 1)
    assert len(FakeProducer.made) == 2


class FakeConsumer:
    """The positions reading reached and the leaders the consumer's metadata knows."""

    def __init__(self, positions, leaders):
        self.positions = positions
        cluster = SimpleNamespace(leader_for_partition=lambda tp: leaders.get((tp.topic, tp.partition)))
        self._client = SimpleNamespace(cluster=cluster)

    def position(self, tp):
        return self.positions[(tp.topic, tp.partition)]


def test_reading_that_gives_up_notes_where_it_stopped_and_which_partitions_had_no_leader():
    partitions = {(t, p): kafka.TopicPartition(t, p) for t, p in [("t", 0), ("t", 1), ("t", 2)]}
    consumer = FakeConsumer({("t", 0): 7, ("t", 1): 3, ("t", 2): 10}, {("t", 0): -1, ("t", 1): 2, ("t", 2): 3})
    result = workload.Consumed()
    workload._record_pending(consumer, partitions, {("t", 0): 9, ("t", 1): 5, ("t", 2): 9}, result)
    assert result.stopped_at == {("t", 0): 7, ("t", 1): 3}
    assert result.leaderless == {("t", 0)}
    assert result.pending == {"t-0": "at offset 7, last acknowledged 9", "t-1": "at offset 3, last acknowledged 5"}


def test_a_consumer_without_readable_metadata_is_not_taken_as_leaderless():
    tp = kafka.TopicPartition("t", 0)
    assert workload._has_no_leader(SimpleNamespace(), tp) is False


class GrouplessReader:
    """A stand-in for kafka-python's consumer that, like the real one, polls nothing while it has
    a group whose coordinator does not answer, and whose commits then time out."""

    made: ClassVar[list] = []

    def __init__(self, **config):
        self.config = config
        self.positions = {}
        self.served = False
        GrouplessReader.made.append(self)

    def assign(self, partitions):
        self.assigned = partitions

    def seek(self, tp, offset):
        self.positions[tp] = offset

    def position(self, tp):
        return self.positions[tp]

    def poll(self, timeout_ms):
        if self.config["group_id"] is not None or self.served:
            return {}
        self.served = True
        tp = self.assigned[0]
        value = workload.payload.encode("run1", tp.topic, 0, 100)
        self.positions[tp] += 1
        return {tp: [SimpleNamespace(offset=0, value=value)]}

    def commit(self, offsets, timeout_ms):
        raise KafkaTimeoutError("no group coordinator")

    def close(self):
        pass


def test_reading_back_never_waits_for_a_group_coordinator(monkeypatch):
    GrouplessReader.made.clear()
    monkeypatch.setattr(kafka, "KafkaConsumer", GrouplessReader)
    consumed = workload.consume(["broker:9092"], "run1", "kafka-verify-run1", {("t", 0): 0}, {("t", 0): 0}, 2)
    assert [(read.topic, read.partition, read.offset, read.seq) for read in consumed.reads] == [("t", 0, 0, 0)]
    reader, committer = GrouplessReader.made
    assert reader.config["group_id"] is None
    assert committer.config["group_id"] == "kafka-verify-run1"
    assert consumed.group_committed is False


class WedgedThenFreshReader(GrouplessReader):
    """The first reader polls nothing, ever (as kafka-python's consumer after its brokers restart);
    the next one serves every record from where it was told to seek."""

    def poll(self, timeout_ms):
        if self is GrouplessReader.made[0]:
            return {}
        batch = {}
        for tp in self.assigned:
            offset = self.positions[tp]
            if offset < 3:
                value = workload.payload.encode("run1", tp.topic, offset, 100)
                self.positions[tp] = offset + 1
                batch[tp] = [SimpleNamespace(offset=offset, value=value)]
        return batch


def test_a_reader_that_reads_nothing_is_replaced_and_the_next_one_goes_on_from_there(monkeypatch):
    GrouplessReader.made.clear()
    monkeypatch.setattr(kafka, "KafkaConsumer", WedgedThenFreshReader)
    consumed = workload.consume(["broker:9092"], "run1", "kafka-verify-run1", {("t", 0): 1}, {("t", 0): 2}, 30,
                                replace_after=0.2)
    assert [(read.offset, read.seq) for read in consumed.reads] == [(1, 1), (2, 2)]
    assert len(consumed.replaced) == 1
    fresh = GrouplessReader.made[1]
    assert fresh.positions[kafka.TopicPartition("t", 0)] == 3
    assert consumed.pending == {}


def test_what_a_fresh_reader_cannot_find_either_stays_pending(monkeypatch):
    GrouplessReader.made.clear()
    monkeypatch.setattr(kafka, "KafkaConsumer", WedgedThenFreshReader)
    consumed = workload.consume(["broker:9092"], "run1", "kafka-verify-run1", {("t", 0): 0}, {("t", 0): 5}, 0.6,
                                replace_after=0.2)
    assert [read.offset for read in consumed.reads] == [0, 1, 2]
    assert consumed.replaced
    assert consumed.pending == {"t-0": "at offset 3, last acknowledged 5"}


class LogReader(GrouplessReader):
    """Serves a fixed log per partition from wherever it was told to seek: offset 0 of t-1 is an
    earlier run's record, the rest this run's."""

    LOG: ClassVar[dict] = {("t", 0): ["run1"] * 3, ("t", 1): ["old", "run1", "run1"]}

    def poll(self, timeout_ms):
        batch = {}
        for tp in self.assigned:
            offset = self.positions[tp]
            log = self.LOG[(tp.topic, tp.partition)]
            if offset < len(log):
                value = workload.payload.encode(log[offset], tp.topic, offset, 100)
                self.positions[tp] = offset + 1
                batch[tp] = [SimpleNamespace(offset=offset, value=value)]
        return batch


def test_a_partition_missing_when_reading_began_is_read_from_its_first_offset(monkeypatch):
    """The topic's metadata had only t-0 when the run began; t-1 was then acknowledged on. Its
    records are read, not counted lost, and the earlier run's record there is only foreign."""
    GrouplessReader.made.clear()
    monkeypatch.setattr(kafka, "KafkaConsumer", LogReader)
    done = threading.Event()
    done.set()
    consumed = workload.consume(["broker:9092"], "run1", "kafka-verify-run1", {("t", 0): 0}, None, 5, done,
                                [{("t", 0): 2, ("t", 1): 2}])
    assert consumed.read_from_start == ["t-1"]
    assert consumed.pending == {}
    assert sorted((r.partition, r.offset, r.run_id) for r in consumed.reads) == [
        (0, 0, "run1"), (0, 1, "run1"), (0, 2, "run1"), (1, 0, "old"), (1, 1, "run1"), (1, 2, "run1")]


def test_known_targets_on_a_partition_without_a_start_are_read_from_its_first_offset(monkeypatch):
    GrouplessReader.made.clear()
    monkeypatch.setattr(kafka, "KafkaConsumer", LogReader)
    consumed = workload.consume(["broker:9092"], "run1", "kafka-verify-run1", {}, {("t", 1): 2}, 5)
    assert consumed.read_from_start == ["t-1"]
    assert [r.offset for r in consumed.reads] == [0, 1, 2]


class LateMetadataConsumer:
    """A fresh client whose first broker has not heard of the topic yet."""

    made: ClassVar[list] = []

    def __init__(self, **config):
        self.asked = 0
        LateMetadataConsumer.made.append(self)

    def partitions_for_topic(self, topic):
        self.asked += 1
        return {0, 1} if self.asked > 2 else set()

    def topics(self):
        return set()

    def end_offsets(self, partitions):
        return dict.fromkeys(partitions, 5)

    def close(self):
        pass


def test_start_offsets_wait_for_a_topic_the_metadata_does_not_list_yet(monkeypatch):
    monkeypatch.setattr(kafka, "KafkaConsumer", LateMetadataConsumer)
    monkeypatch.setattr(workload.time, "sleep", lambda seconds: None)
    assert workload.end_offsets(["broker:9092"], ["t"]) == {("t", 0): 5, ("t", 1): 5}
    assert LateMetadataConsumer.made[-1].asked == 3
