"""The verifier catches a real fault: acknowledged messages on a replication-factor-1 topic
whose only broker is down are reported unreadable, with the cluster-unhealthy exit code; once
the broker is back, every one of them is read."""

from scenario_support import host, verifier

BOOTSTRAP = "hadoop-master:9092,hadoop-slave1:9092,hadoop-slave2:9092"
STATE = "/root/rf1-state.json"
TOPIC = "verify-rf1"


def test_unreadable_acknowledged_messages_are_reported():
    client, victim = host("hadoop-master"), host("hadoop-slave1")
    # The only replica on broker 2 (hadoop-slave1), so the client's host keeps running.
    client.check_output(f"kafka-topics.sh --bootstrap-server {BOOTSTRAP} --create --topic {TOPIC} "
                        "--replica-assignment 2")
    rc, report = verifier(client, "--bootstrap-servers", BOOTSTRAP, "--topic", TOPIC, "--partitions", "1",
                          "--replication-factor", "1", "--messages", "2000", "--produce-only", "--state", STATE)
    assert rc == 0, report.get("reason")
    acked = report["counts"]["acked"]
    assert acked == 2000
    victim.check_output("systemctl stop kafka@server")
    try:
        rc, report = verifier(client, "--bootstrap-servers", "hadoop-master:9092,hadoop-slave2:9092",
                              "--consume-only", "--state", STATE, "--consume-timeout", "10", "--wait-healthy", "0")
        assert rc == 4, report
        assert report["counts"]["unavailable"] == acked
        assert report["counts"]["lost"] == 0
        assert "unreadable" in report["reason"]
    finally:
        victim.check_output("systemctl start kafka@server")
    rc, report = verifier(client, "--bootstrap-servers", BOOTSTRAP, "--consume-only", "--state", STATE,
                          "--consume-timeout", "60", "--wait-healthy", "120")
    assert rc == 0, report.get("reason")
    assert report["counts"]["read"] == acked
    # A replication-factor-1 topic would block later rolling restarts (its partition would go offline).
    client.check_output(f"kafka-topics.sh --bootstrap-server {BOOTSTRAP} --delete --topic {TOPIC}")
