"""The verifier on the KRaft cluster: every acknowledged message read back, the course's topic
and console tools working against Kafka 4."""

from scenario_support import host, verifier

BOOTSTRAP = "hadoop-master:9092,hadoop-slave1:9092,hadoop-slave2:9092"


def test_every_acknowledged_message_is_read_back():
    rc, report = verifier(
        host("hadoop-master"), "--bootstrap-servers", BOOTSTRAP, "--expect-brokers", "1,2,3",
        "--topics", "3", "--partitions", "3", "--replication-factor", "3", "--messages", "5000")
    assert rc == 0, report.get("reason")
    counts = report["counts"]
    assert counts["sent"] == counts["acked"] == 15000
    for problem in ("failed", "unresolved", "lost", "duplicated", "reordered", "misplaced", "corrupted",
                    "unavailable"):
        assert counts[problem] == 0, problem
    assert report["cluster_after"]["brokers"] == [1, 2, 3]
    assert report["cluster_after"]["under_replicated"] == []


def test_the_course_topic_takes_a_message_from_the_console_tools():
    target = host("hadoop-slave1")
    target.check_output(f"echo kraft-course | kafka-console-producer.sh --bootstrap-server {BOOTSTRAP} "
                        "--topic Hello-Kafka --command-property acks=all")
    out = target.check_output(f"kafka-console-consumer.sh --bootstrap-server {BOOTSTRAP} --topic Hello-Kafka "
                              "--from-beginning --max-messages 1 --timeout-ms 60000")
    assert "kraft-course" in out
    described = target.check_output(f"kafka-topics.sh --bootstrap-server {BOOTSTRAP} --describe --topic Hello-Kafka")
    assert "ReplicationFactor: 3" in described
