"""The verifier catches real faults. Acknowledged messages on a replication-factor-1 topic
whose only broker is down are reported unreadable, with the cluster-unhealthy exit code; once
the broker is back, every one of them is read. Acknowledged messages whose only copy is removed
from disk are reported lost (exit 5) once the partition is led again, even while another broker
is down. A run whose sends the brokers mostly refuse fails (exit 4) although the cluster stays
healthy throughout."""

from scenario_support import cluster_state, group, host, hostvars, verifier

BOOTSTRAP = "hadoop-master:9092,hadoop-slave1:9092,hadoop-slave2:9092"
STATE = "/root/rf1-state.json"
TOPIC = "verify-rf1"
LOST_STATE = "/root/lost-state.json"
LOST_TOPIC = "verify-lost"
ACCEPTING_TOPIC = "verify-accepting"
REFUSING_TOPICS = ["verify-refusing-1", "verify-refusing-2"]


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


def broker_host(broker_id):
    return next(name for name in group("kafka") if hostvars(name)["kafka_broker_id"] == broker_id)


def replicas_of_partition_0(client, topic):
    output = client.check_output(f"kafka-topics.sh --bootstrap-server {BOOTSTRAP} --describe --topic {topic}")
    line = next(line for line in output.splitlines() if "Partition: 0" in line)
    return [int(broker) for broker in line.split("Replicas: ")[1].split()[0].split(",")]


def wait_in_sync(client):
    """Every broker registered and every partition led and fully in sync (fails after 180 s)."""
    state = cluster_state(client, BOOTSTRAP, expect="1,2,3", in_sync=True, timeout=180)
    assert not state.get("failed"), state.get("msg")


def delete_topic(client, topic):
    client.check_output(f"kafka-topics.sh --bootstrap-server {BOOTSTRAP} --delete --if-exists --topic {topic}")


def wipe_partition(client, broker_id, log_dir):
    """Delete a partition's directory while its broker is stopped, then start the broker again.
    ZooKeeper still assigns the partition to it, so it recreates the partition empty and leads it."""
    target = host(broker_host(broker_id))
    target.check_output("systemctl stop kafka@server")
    try:
        assert target.file(log_dir).is_directory, f"broker {broker_id} should hold {log_dir}"
        target.check_output(f"rm -rf {log_dir}")
    finally:
        target.check_output("systemctl start kafka@server")
        wait_in_sync(client)
    assert target.file(log_dir).is_directory, f"broker {broker_id} should have recreated {log_dir}"


def test_acknowledged_messages_removed_from_disk_are_reported_lost():
    # Read back while another broker is down: the cluster is unhealthy elsewhere, yet the wiped
    # partition has a leader, so its messages are lost (exit 5), not unreadable (exit 4).
    client = host("hadoop-master")
    try:
        rc, report = verifier(client, "--bootstrap-servers", BOOTSTRAP, "--topic", LOST_TOPIC, "--partitions", "1",
                              "--replication-factor", "1", "--messages", "2000", "--produce-only", "--state",
                              LOST_STATE)
        assert rc == 0, report.get("reason")
        acked = report["counts"]["acked"]
        assert acked == 2000
        [holder] = replicas_of_partition_0(client, LOST_TOPIC)
        wipe_partition(client, holder, f"/var/lib/kafka/server/{LOST_TOPIC}-0")
        bystander_id = next(broker for broker in (1, 2, 3) if broker != holder)
        bystander = host(broker_host(bystander_id))
        bystander.check_output("systemctl stop kafka@server")
        try:
            rc, report = verifier(client, "--bootstrap-servers", BOOTSTRAP, "--expect-brokers", "1,2,3",
                                  "--consume-only", "--state", LOST_STATE, "--consume-timeout", "10",
                                  "--wait-healthy", "5")
        finally:
            bystander.check_output("systemctl start kafka@server")
            wait_in_sync(client)
        assert rc == 5, report
        assert report["counts"]["lost"] == acked
        assert report["counts"]["unavailable"] == 0
        assert report["counts"]["read"] == 0
        assert report["cluster_after"]["missing_brokers"] == [bystander_id], "the cluster should be unhealthy"
        assert report["cluster_after"]["offline"] == []
        assert report["reason"].startswith(f"{acked} lost of {acked} acknowledged messages"), report["reason"]
    finally:
        delete_topic(client, LOST_TOPIC)


def test_a_run_whose_sends_mostly_fail_fails():
    # Two of the three topics accept no record this large (max.message.bytes), so the brokers
    # refuse every acks=all send to them while every partition stays led and in sync; the
    # idempotent producer may fail some sends to the third topic with them. Before the send
    # threshold, such a run passed as long as one send was acknowledged.
    client = host("hadoop-master")
    topics = [ACCEPTING_TOPIC, *REFUSING_TOPICS]
    try:
        for topic in REFUSING_TOPICS:
            client.check_output(f"kafka-topics.sh --bootstrap-server {BOOTSTRAP} --create --topic {topic} "
                                "--partitions 1 --replication-factor 3 --config max.message.bytes=512")
        topic_args = [arg for topic in topics for arg in ("--topic", topic)]
        rc, report = verifier(client, "--bootstrap-servers", BOOTSTRAP, *topic_args, "--partitions", "1",
                              "--replication-factor", "3", "--messages", "100", "--message-size", "1000",
                              "--delivery-timeout", "15")
        counts = report["counts"]
        unconfirmed = counts["failed"] + counts["unresolved"]
        print(f"  failures: {report.get('failures')}")
        assert rc == 4, report.get("reason")
        assert counts["sent"] == 300
        assert unconfirmed >= 200, "every send to the refusing topics must fail"
        assert counts["acked"] + unconfirmed == 300
        assert counts["lost"] == 0
        assert counts["unavailable"] == 0
        assert report["cluster_after"]["ok"], "the cluster stays healthy: only the sends fail"
        assert report["reason"].startswith(f"{unconfirmed} of 300 sends not acknowledged"), report["reason"]
        assert "--max-failed-ratio 0" in report["reason"]
    finally:
        for topic in topics:
            delete_topic(client, topic)
