"""The verifier's command line: bad input gives one line and the right exit code, never a traceback; and the
verdict of whole runs, against a stand-in cluster and workload (the real-broker runs are molecule's)."""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys

import pytest
from conftest import ROOT

from kafka_verify import cli, workload
from kafka_verify.accounting import Ack, Read


def run(*args, timeout=90):
    return subprocess.run([sys.executable, "-m", "kafka_verify", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, check=False)


def test_help():
    result = run("--help")
    assert result.returncode == 0
    assert "acks=all" in result.stdout
    for flag in ("--max-failed-ratio", "--expect-failures", "unresolved"):
        assert flag in result.stdout


@pytest.mark.parametrize("args", [["--messages", "0"], ["--messages", "-5"], ["--partitions", "x"], ["--bogus"],
                                  ["--rate", "10"], ["--produce-only"], ["--expect-brokers", "a,b"],
                                  ["--max-failed-ratio", "1.5"], ["--topic", "bad name"]])
def test_bad_arguments_exit_2_with_one_line(args):
    result = run(*args)
    assert result.returncode == 2, result
    output = (result.stderr + result.stdout).strip().splitlines()
    assert "Traceback" not in result.stderr
    assert output[-1].startswith(("python -m kafka_verify: bad arguments", "FAIL: "))


def test_unreachable_cluster_exits_3():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run("--bootstrap-servers", f"127.0.0.1:{port}", "--connect-timeout", "2", "--json")
    assert result.returncode == 3, result
    report = json.loads(result.stdout)
    assert report["result"] == "cannot reach the cluster"
    assert "check the bootstrap servers" in report["reason"]


# -- the verdict of whole runs, in-process, against a stand-in cluster and workload -----------

TOPIC = "kafka-verify-1"


class FakeCluster:
    """Three brokers; once the run has written (fault_now), the partitions a test names lose
    their leader or fall out of sync, as a fault during the run would leave them."""

    def __init__(self):
        self.partitions = {}
        self.leaderless = set()
        self.under_replicated = set()
        self.faulted = False

    def describe_cluster(self):
        return {"cluster_id": "c", "controller_id": 1, "brokers": [{"broker_id": b} for b in (1, 2, 3)]}

    def list_topics(self):
        return list(self.partitions)

    def create_topics(self, new, wait_for_metadata=False):
        for name, spec in new.items():
            self.partitions[name] = spec["num_partitions"]

    def describe_topics(self, names):
        return [self.topic(name) for name in names]

    def topic(self, name):
        if name not in self.partitions:
            return {"name": name, "error_code": 3, "partitions": []}
        return {"name": name, "error_code": 0, "partitions": [self.partition(name, index)
                                                              for index in range(self.partitions[name])]}

    def partition(self, name, index):
        key = (name, index)
        leader = -1 if self.faulted and key in self.leaderless else 1
        isr = [1, 2] if self.faulted and key in self.under_replicated else [1, 2, 3]
        return {"partition_index": index, "leader_id": leader, "replica_nodes": [1, 2, 3], "isr_nodes": isr}

    def close(self):
        pass


class FakeWorkload:
    """Acknowledges `acked` sends round-robin over the partitions and reports `failed` and
    `unresolved` others; reads everything back except on the partitions in stopped, where
    reading stops at the given offset."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.acked, self.failed, self.unresolved, self.extra_sent = 30, 0, 0, 0
        self.stopped = {}
        self.produced = None
        self.terminate_during_produce = False
        self.security = []  # the security settings each call was given

    def end_offsets(self, bootstrap, names, security=None):
        self.security.append(security)
        return {}

    def produce(self, bootstrap, run_id, topics, per_topic, size, delivery_ms, rate=None, duration=None,
                stop=None, security=None):
        self.security.append(security)
        count = self.cluster.partitions[topics[0]]
        produced = workload.Produced(sent=self.acked + self.failed + self.unresolved + self.extra_sent,
                                     unresolved=self.unresolved)
        produced.failures = {"KafkaTimeoutError": self.failed} if self.failed else {}
        produced.acks = [Ack(topics[0], seq % count, seq // count, seq) for seq in range(self.acked)]
        self.produced = produced
        self.cluster.faulted = True
        if self.terminate_during_produce:
            os.kill(os.getpid(), signal.SIGTERM)
            assert stop.wait(5), "SIGTERM must end the writing"
        return produced

    def consume(self, bootstrap, run_id, group, first, last, timeout, done=None, final_targets=None, security=None):
        self.security.append(security)
        if done is not None:  # continuous mode reads beside the writing: what there is to read is known at the end
            done.wait(10)
        consumed = workload.Consumed()
        for ack in self.produced.acks:
            stop = self.stopped.get((ack.topic, ack.partition))
            if stop is None or ack.offset < stop:
                consumed.reads.append(Read(ack.topic, ack.partition, ack.offset, run_id, ack.seq, True))
        for partition, position in self.stopped.items():
            consumed.stopped_at[partition] = position
            consumed.pending[f"{partition[0]}-{partition[1]}"] = f"at offset {position}, last acknowledged {last}"
        return consumed


@pytest.fixture
def fake(monkeypatch):
    cluster = FakeCluster()
    load = FakeWorkload(cluster)

    def connect(self):
        self.admin = cluster
        self.cluster = cluster.describe_cluster()

    monkeypatch.setattr(cli.Verifier, "connect", connect)
    for name in ("end_offsets", "produce", "consume"):
        monkeypatch.setattr(workload, name, getattr(load, name))
    return load


def verify(capsys, *args):
    code = cli.main(["--json", "--topics", "1", "--wait-healthy", "0", *args])
    report = json.loads(capsys.readouterr().out)
    assert report["exit_code"] == code
    return code, report


def test_a_clean_run_reports_every_count(fake, capsys):
    code, report = verify(capsys)
    assert code == 0, report["reason"]
    assert {k: report["counts"][k] for k in ("sent", "acked", "failed", "unresolved", "lost", "unavailable")} == \
        {"sent": 30, "acked": 30, "failed": 0, "unresolved": 0, "lost": 0, "unavailable": 0}
    assert report["max_failed_ratio"] == 0.0
    assert report["expect_failures"] is False


def test_sigterm_ends_continuous_writing_and_the_run_is_still_judged(fake, capsys):
    fake.terminate_during_produce = True
    before = signal.getsignal(signal.SIGTERM)
    code, report = verify(capsys, "--duration", "600", "--rate", "10")
    assert code == 0, report["reason"]
    assert report["stopped_after_s"] == 0.0
    assert report["counts"]["acked"] == report["counts"]["read"] == 30
    assert signal.getsignal(signal.SIGTERM) is before


def test_missing_on_a_led_partition_is_loss_even_with_another_partition_under_replicated(fake, capsys):
    # The old verdict called every pending message "unavailable" as soon as the cluster was
    # unhealthy anywhere, turning this loss into exit 4.
    fake.cluster.under_replicated = {(TOPIC, 1)}
    fake.stopped = {(TOPIC, 0): 0}
    code, report = verify(capsys)
    assert code == 5, report["reason"]
    assert report["counts"]["lost"] == 10
    assert report["counts"]["unavailable"] == 0
    assert report["unreadable_partitions"] == []
    assert report["reason"].startswith("10 lost of 30 acknowledged messages")


def test_missing_on_a_leaderless_partition_is_unavailable(fake, capsys):
    fake.cluster.leaderless = {(TOPIC, 0)}
    fake.stopped = {(TOPIC, 0): 0}
    code, report = verify(capsys)
    assert code == 4, report["reason"]
    assert report["counts"]["unavailable"] == 10
    assert report["counts"]["lost"] == 0
    assert report["unreadable_partitions"] == [f"{TOPIC}-0"]
    assert "10 acknowledged messages unreadable" in report["reason"]


def test_loss_on_one_partition_outranks_a_leaderless_other(fake, capsys):
    fake.cluster.leaderless = {(TOPIC, 1)}
    fake.stopped = {(TOPIC, 0): 4, (TOPIC, 1): 0}
    code, report = verify(capsys)
    assert code == 5, report["reason"]
    assert report["counts"]["lost"] == 6
    assert report["counts"]["unavailable"] == 10


def test_nearly_all_sends_failing_fails_the_run(fake, capsys):
    fake.acked, fake.failed = 1, 9_999
    code, report = verify(capsys)
    assert code == 4
    assert report["counts"]["sent"] == 10_000
    assert report["counts"]["failed"] == 9_999
    assert report["reason"].startswith("9999 of 10000 sends not acknowledged")
    assert "--max-failed-ratio 0" in report["reason"]
    assert "--expect-failures" in report["reason"]


def test_unresolved_sends_count_against_the_threshold(fake, capsys):
    fake.acked, fake.unresolved = 95, 5
    code, report = verify(capsys)
    assert code == 4
    assert report["counts"]["unresolved"] == 5
    code, report = verify(capsys, "--max-failed-ratio", "0.05")
    assert code == 0, report["reason"]


def test_expected_failures_are_tolerated(fake, capsys):
    fake.acked, fake.failed, fake.unresolved = 30, 60, 10
    code, report = verify(capsys, "--expect-failures")
    assert code == 0, report["reason"]
    assert report["expect_failures"] is True


def test_expected_failures_do_not_excuse_loss(fake, capsys):
    fake.acked, fake.failed = 30, 60
    fake.stopped = {(TOPIC, 2): 0}
    code, report = verify(capsys, "--expect-failures")
    assert code == 5
    assert report["counts"]["lost"] == 10


def test_sends_that_do_not_add_up_fail_loudly(fake, capsys):
    fake.extra_sent = 1
    code, report = verify(capsys, "--expect-failures")
    assert code == 5
    assert report["reason"] == "accounting does not add up: sent 31 != acked 30 + failed 0 + unresolved 0"


def test_the_table_shows_how_the_sends_ended(fake, capsys):
    fake.acked, fake.failed, fake.unresolved = 28, 1, 1
    code = cli.main(["--topics", "1", "--wait-healthy", "0", "--max-failed-ratio", "0.1"])
    table = capsys.readouterr().out
    assert code == 0
    assert "sends        30 sent = 28 acked + 1 failed + 1 unresolved; --max-failed-ratio 0.1" in table
    assert "unresolved 1" in table


def test_a_split_run_judges_the_sends_when_writing_and_keeps_unresolved(fake, capsys, tmp_path):
    state = tmp_path / "state.json"
    fake.acked, fake.failed, fake.unresolved = 30, 3, 2
    code, report = verify(capsys, "--produce-only", "--state", str(state))
    assert code == 4
    code, report = verify(capsys, "--produce-only", "--state", str(state), "--expect-failures")
    assert code == 0, report["reason"]
    assert json.loads(state.read_text())["unresolved"] == 2
    code, report = verify(capsys, "--consume-only", "--state", str(state))
    assert code == 0, report["reason"]
    assert report["counts"]["unresolved"] == 2
    assert report["counts"]["read"] == 30


@pytest.mark.parametrize(("args", "fragment"), [
    (["--topic", "has space"], "--topic 'has space': contains ' '"),
    (["--topic", "__consumer_offsets"], "reserves for its internal topics"),
    (["--topic", "ok", "--topic", "."], "--topic '.': '.' is not allowed"),
    (["--topic-prefix", "bad/prefix"], "--topic-prefix 'bad/prefix' (topic 'bad/prefix-1'): contains '/'"),
    (["--topic-prefix", "x" * 248], "250 characters long"),
    (["--topic", "a.b", "--topic", "a_b"], "topics 'a.b' and 'a_b' collide"),
])
def test_topic_names_kafka_refuses_are_bad_arguments(fake, capsys, args, fragment):
    code, report = verify(capsys, *args)
    assert code == 2
    assert fragment in report["reason"]


def test_a_topic_colliding_with_an_existing_one_is_bad_arguments(fake, capsys):
    fake.cluster.partitions["orders.eu"] = 3
    code, report = verify(capsys, "--topic", "orders_eu")
    assert code == 2
    assert "'orders_eu' would collide with the existing topic 'orders.eu'" in report["reason"]


@pytest.mark.parametrize(("text", "value"), [("0", 0.0), ("0.25", 0.25), ("1", 1.0), ("1e-3", 0.001)])
def test_max_failed_ratio_accepts_fractions(text, value):
    assert cli.ratio(text) == value


@pytest.mark.parametrize("text", ["-0.1", "1.01", "nan", "inf", "half", ""])
def test_max_failed_ratio_refuses_the_rest(text):
    with pytest.raises(argparse.ArgumentTypeError):
        cli.ratio(text)


def test_a_bad_ratio_on_the_command_line_exits_2(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--max-failed-ratio", "2"])
    assert stopped.value.code == 2
    assert "--max-failed-ratio: 2 must be between 0 and 1" in capsys.readouterr().err
