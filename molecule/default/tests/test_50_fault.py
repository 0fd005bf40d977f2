"""The verifier catches a real fault: acknowledged messages on a replication-factor-1 topic
whose only broker is down are reported unreadable, with the cluster-unhealthy exit code; once
the broker is back, every one of them is read."""

import base64
import json

from scenario_support import group, host, verifier

BOOTSTRAP = "hadoop-master:9092,hadoop-slave1:9092,hadoop-slave2:9092"
STATE = "/root/rf1-state.json"
TOPIC = "verify-rf1"


def broker_host(broker_id):
    for name in group("kafka"):
        if host(name).file("/etc/kafka/server.properties").contains(f"^broker.id={broker_id}$"):
            return name
    raise AssertionError(f"no host runs broker {broker_id}")


def test_unreadable_acknowledged_messages_are_reported():
    client = host("hadoop-master")
    rc, report = verifier(client, "--bootstrap-servers", BOOTSTRAP, "--topic", TOPIC, "--partitions", "1",
                          "--replication-factor", "1", "--messages", "2000", "--produce-only", "--state", STATE)
    assert rc == 0, report.get("reason")
    acked = report["counts"]["acked"]
    assert acked == 2000
    state = json.loads(client.file(STATE).content_string)
    describe = client.check_output(f"kafka-topics.sh --bootstrap-server {BOOTSTRAP} --describe --topic {TOPIC}")
    leader = int(describe.split("Leader: ")[1].split()[0])
    victim = host(broker_host(leader))
    clients = [name for name in group("kafka") if host(name) is not victim]
    reader = host(clients[0])
    encoded = base64.b64encode(json.dumps(state).encode()).decode()
    reader.check_output(f"echo {encoded} | base64 -d > {STATE}")
    victim.check_output("systemctl stop kafka@server")
    try:
        alive = ",".join(f"{name}:9092" for name in clients)
        rc, report = verifier(reader, "--bootstrap-servers", alive, "--consume-only", "--state", STATE,
                              "--consume-timeout", "10", "--wait-healthy", "0")
        assert rc == 4, report
        assert report["counts"]["unavailable"] == acked
        assert report["counts"]["lost"] == 0
        assert "unreadable" in report["reason"]
    finally:
        victim.check_output("systemctl start kafka@server")
    rc, report = verifier(reader, "--bootstrap-servers", BOOTSTRAP, "--consume-only", "--state", STATE,
                          "--consume-timeout", "60", "--wait-healthy", "120")
    assert rc == 0, report.get("reason")
    assert report["counts"]["read"] == acked
    # A replication-factor-1 topic would block later rolling restarts (its partition would go offline).
    client.check_output(f"kafka-topics.sh --bootstrap-server {BOOTSTRAP} --delete --topic {TOPIC}")
