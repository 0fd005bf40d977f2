"""The Python verifier, for real, on the three-broker cluster: 3 topics x 10,000 messages."""

from scenario_support import host, verifier

BOOTSTRAP = "hadoop-master:9092,hadoop-slave1:9092,hadoop-slave2:9092"


def test_every_acknowledged_message_is_read_back():
    rc, report = verifier(
        host("hadoop-master"), "--bootstrap-servers", BOOTSTRAP, "--expect-brokers", "1,2,3",
        "--topics", "3", "--partitions", "3", "--replication-factor", "3", "--messages", "10000")
    assert rc == 0, report.get("reason")
    counts = report["counts"]
    assert counts["sent"] == counts["acked"] == 30000
    assert counts["read"] >= 30000
    for problem in ("failed", "unresolved", "lost", "duplicated", "reordered", "misplaced", "corrupted",
                    "unavailable"):
        assert counts[problem] == 0, problem
    after = report["cluster_after"]
    assert after["brokers"] == [1, 2, 3]
    assert after["under_replicated"] == []
    assert after["offline"] == []
    assert sorted(after["leaders_per_broker"]) == ["1", "2", "3"]


def test_continuous_mode_accounts_for_everything_and_reports_stalls():
    rc, report = verifier(host("hadoop-master"), "--bootstrap-servers", BOOTSTRAP, "--topic-prefix",
                          "verify-continuous", "--topics", "2", "--duration", "10", "--rate", "400")
    assert rc == 0, report.get("reason")
    assert report["counts"]["acked"] >= 3000
    assert report["counts"]["lost"] == 0
    assert report["longest_ack_stall_s"] < 5


def test_replication_factor_above_the_broker_count_is_bad_input():
    rc, report = verifier(host("hadoop-master"), "--bootstrap-servers", BOOTSTRAP, "--topic", "verify-too-wide",
                          "--replication-factor", "4", "--messages", "10")
    assert rc == 2
    assert "exceeds the 3 registered brokers" in report["reason"]
