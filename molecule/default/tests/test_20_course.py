"""What the course does by hand works on the deployed cluster."""

from scenario_support import host

BOOTSTRAP = "hadoop-master:9092"


def test_declared_topic_exists_with_full_isr():
    output = host("hadoop-slave1").check_output(f"kafka-topics.sh --bootstrap-server {BOOTSTRAP} --describe "
                                                "--topic Hello-Kafka")
    partitions = [line for line in output.splitlines() if "Partition:" in line]
    assert len(partitions) == 3
    for line in partitions:
        fields = dict(part.split(": ", 1) for part in line.strip().split("\t") if ": " in part)
        assert len(fields["Replicas"].split(",")) == 3
        assert len(fields["Isr"].split(",")) == 3


def test_topic_created_by_hand_is_listed():
    target = host("hadoop-master")
    target.check_output(f"kafka-topics.sh --bootstrap-server {BOOTSTRAP} --create --if-not-exists "
                        "--replication-factor 3 --partitions 3 --topic course-by-hand")
    listed = host("hadoop-slave2").check_output("kafka-topics.sh --bootstrap-server hadoop-slave2:9092 --list")
    assert "course-by-hand" in listed.split()


def test_console_producer_and_consumer_round_trip():
    producer, consumer = host("hadoop-master"), host("hadoop-slave2")
    producer.check_output(f"printf 'hello\\nkafka\\n' | kafka-console-producer.sh --bootstrap-server {BOOTSTRAP} "
                          "--topic Hello-Kafka --producer-property acks=all")
    output = consumer.check_output("kafka-console-consumer.sh --bootstrap-server hadoop-slave1:9092 --topic "
                                   "Hello-Kafka --from-beginning --max-messages 2 --timeout-ms 30000")
    assert sorted(output.split()) == ["hello", "kafka"]


def test_the_course_zookeeper_option_says_what_to_type_instead():
    target = host("hadoop-slave1")
    result = target.run("kafka-topics.sh --zookeeper hadoop-master:2181 --list")
    assert result.rc == 2
    assert result.stderr.strip() == (
        "kafka-topics.sh: --zookeeper was removed in Kafka 3; type instead: kafka-topics.sh "
        "--bootstrap-server hadoop-slave1:9092 --list")
    consumer = target.run("kafka-console-consumer.sh --zookeeper hadoop-master:2181 --topic Hello-Kafka")
    assert consumer.rc == 2
    assert "kafka-console-consumer.sh --bootstrap-server hadoop-slave1:9092 --topic Hello-Kafka" in consumer.stderr
    assert "Exception" not in consumer.stderr + consumer.stdout


def test_login_shells_know_kafka_home():
    assert host("hadoop-master").check_output("bash -lc 'echo $KAFKA_HOME'") == "/opt/kafka"
