"""Three brokers on one host, as in the course, with replication factor 3 across them, beside
the metadata service of either mode (one ZooKeeper, or one KRaft controller: its own process, or
a role of broker 'server' with kafka_controller_combined). A scenario with a
single host 'hadoop-master' running brokers server, server-one and server-two imports these tests;
both that do run every listener on TLS (kafka_security: tls), which the refusal test requires."""

import json
import shlex
from pathlib import Path

import pytest
from scenario_support import (
    assert_serving,
    client_args,
    host,
    hostvars,
    process_started,
    properties,
    recap,
    run_playbook,
    security_protocol,
    verifier,
    zookeeper_mode,
)

BROKERS = {"server": (0, 9092), "server-one": (1, 9093), "server-two": (2, 9094)}
BOOTSTRAP = "hadoop-master:9092,hadoop-master:9093,hadoop-master:9094"
KRAFT = hostvars("hadoop-master").get("kafka_mode") == "kraft"
# The scenario copies the archive from the controller (kafka_archive_local): the release it unpacks.
RELEASE = Path(hostvars("hadoop-master")["kafka_archive_local"]).name.removesuffix(".tgz")
# The node id's key in a broker's properties and meta.properties.
ID_KEY = "node.id" if KRAFT else "broker.id"
# KRaft's controller in broker 'server' (kafka_controller_combined, as Kafka's own quickstart
# runs one node) or a process of its own.
COMBINED = KRAFT and bool(hostvars("hadoop-master").get("kafka_controller_combined"))
CONTROLLER_PORT = hostvars("hadoop-master").get("kafka_controller_port")
# The metadata service beside (or in) the brokers: its unit, port and node id.
METADATA = ("kafka@server" if COMBINED else "kafka@controller", CONTROLLER_PORT) if KRAFT else ("zookeeper", 2181)
VOTER = BROKERS["server"][0] if COMBINED else hostvars("hadoop-master").get("kafka_controller_id")
# kafka_security: the listeners' protocol, and what the CLI and the verifier add to reach them.
PROTOCOL = security_protocol("hadoop-master")
CLIENT = client_args("hadoop-master")
CLI = "".join(f" {arg}" for arg in CLIENT)
# The console tools name that option after themselves before Kafka 4.3.
PRODUCER_CLI = "".join(f" {arg}" for arg in client_args("hadoop-master", "kafka-console-producer.sh"))
CONSUMER_CLI = "".join(f" {arg}" for arg in client_args("hadoop-master", "kafka-console-consumer.sh"))


@pytest.fixture(scope="module")
def target():
    return host("hadoop-master")


def test_the_metadata_service_runs_alone(target):
    assert_serving(target, *METADATA)
    if KRAFT:
        status = target.check_output(f"kafka-metadata-quorum.sh --bootstrap-server hadoop-master:9092{CLI} "
                                     "describe --status")
        voters = json.loads(next(line for line in status.splitlines() if line.startswith("CurrentVoters:"))
                            .split(":", 1)[1])
        assert [voter["id"] for voter in voters] == [VOTER], status
    else:
        assert zookeeper_mode(target) == "standalone"


@pytest.mark.parametrize("name", sorted(BROKERS))
def test_each_broker_has_its_unit_port_config_and_log_dir(target, name):
    broker_id, port = BROKERS[name]
    assert_serving(target, f"kafka@{name}", port)
    config = properties(target, f"/etc/kafka/{name}.properties")
    assert config[ID_KEY] == str(broker_id)
    controls = COMBINED and name == "server"
    assert config.get("process.roles") == ("broker,controller" if controls else "broker" if KRAFT else None)
    assert config["listeners"] == f"{PROTOCOL}://:{port}" + (f",CONTROLLER://:{CONTROLLER_PORT}" if controls else "")
    assert config["advertised.listeners"] == f"{PROTOCOL}://hadoop-master:{port}" + \
        (f",CONTROLLER://hadoop-master:{CONTROLLER_PORT}" if controls else "")
    assert config["log.dirs"] == f"/var/lib/kafka/{name}"
    assert properties(target, f"/var/lib/kafka/{name}/meta.properties")[ID_KEY] == str(broker_id)
    assert target.file(f"/var/log/kafka/{name}/server.log").exists


def test_archives_were_copied_from_the_controller(target):
    assert target.file(f"/var/cache/kafka-toolkit/{RELEASE}.tgz").exists
    assert target.file("/opt/kafka").linked_to == f"/opt/{RELEASE}"


def test_jps_lists_three_brokers_and_the_controller_if_any(target):
    assert target.check_output("jps -l").count("kafka.Kafka") == 3 + (KRAFT and not COMBINED)
    assert target.file("/etc/kafka/controller.properties").exists is (KRAFT and not COMBINED)


def test_replication_factor_three_round_trip(target):
    describe = target.check_output(f"kafka-topics.sh --bootstrap-server hadoop-master:9093{CLI} --describe "
                                   "--topic Hello-Kafka")
    isr = [line.split("Isr: ")[1].split()[0] for line in describe.splitlines() if "Isr: " in line]
    assert len(isr) == 3
    assert all(len(members.split(",")) == 3 for members in isr)
    target.check_output("echo single-host-hello | kafka-console-producer.sh --bootstrap-server "
                        f"hadoop-master:9094{PRODUCER_CLI} --topic Hello-Kafka --producer-property acks=all")
    output = target.check_output(f"kafka-console-consumer.sh --bootstrap-server hadoop-master:9092{CONSUMER_CLI} "
                                 "--topic Hello-Kafka --from-beginning --max-messages 1 --timeout-ms 30000")
    assert output.strip() == "single-host-hello"
    rc, report = verifier(target, "--bootstrap-servers", BOOTSTRAP, *CLIENT, "--expect-brokers", "0,1,2",
                          "--topics", "2", "--messages", "5000")
    assert rc == 0, report.get("reason")
    assert report["counts"]["lost"] == 0


def test_a_property_of_one_broker_restarts_only_that_broker(target):
    units = list(dict.fromkeys([f"kafka@{name}" for name in BROKERS] + [METADATA[0]]))
    before = {unit: process_started(target, unit) for unit in units}
    changed = [{"name": name, "id": broker_id, "port": port} for name, (broker_id, port) in BROKERS.items()]
    changed[1]["properties"] = {"num.io.threads": 6}
    extra = json.dumps({"kafka_brokers": changed})
    result = run_playbook("cluster.yml", "--extra-vars", extra)
    assert result.returncode == 0, result.stdout[-3000:]
    after = {unit: process_started(target, unit) for unit in units}
    assert after.pop("kafka@server-one") > before.pop("kafka@server-one")
    assert after == before
    assert properties(target, "/etc/kafka/server-one.properties")["num.io.threads"] == "6"
    again = run_playbook("cluster.yml", "--extra-vars", extra, "-e", "cluster_verify=false")
    assert all(counters["changed"] == 0 for counters in recap(again.stdout).values())


def test_the_listeners_refuse_plaintext_and_clients_that_do_not_trust_the_ca(target):
    assert PROTOCOL == "SSL", "the scenarios running this suite put every listener on TLS"
    ports = [port for _, port in BROKERS.values()] + ([CONTROLLER_PORT] if KRAFT else [])
    for port in ports:
        trusted = target.run(f"openssl s_client -connect hadoop-master:{port} -CAfile /etc/kafka/tls/ca.crt "
                             f"-verify_hostname hadoop-master -verify_return_error -brief </dev/null")
        assert trusted.rc == 0, trusted.stderr
        assert "Verification: OK" in trusted.stderr, trusted.stderr
        # The system's store does not know the toolkit's CA.
        untrusted = target.run(f"openssl s_client -connect hadoop-master:{port} -verify_return_error -brief "
                               "</dev/null")
        assert untrusted.rc != 0, untrusted.stderr
        assert "verify error" in untrusted.stderr.lower(), untrusted.stderr
    # A plaintext Kafka request (ApiVersions) gets no Kafka answer from a TLS listener.
    probe = ("import socket, struct; s = socket.create_connection(('hadoop-master', 9092), 5); "
             "body = struct.pack('>hhih', 18, 0, 1, 4) + b'test'; s.sendall(struct.pack('>i', len(body)) + body); "
             "data = s.recv(4)\ntry:\n    size = struct.unpack('>i', data)[0] if len(data) == 4 else -1\n"
             "except Exception:\n    size = -1\nprint('answered' if 0 < size < 10000 else 'refused')")
    assert target.check_output(f"python3 -c {shlex.quote(probe)}") == "refused"
    key = target.file("/etc/kafka/tls/host.pem")
    assert (key.user, key.group, key.mode) == ("kafka", "kafka", 0o600)
    config = target.file("/etc/kafka/client.properties")
    assert (config.user, config.mode) == ("root", 0o600)
    assert "security.protocol=SSL" in config.content_string
    # The brokers replicate over TLS too.
    assert properties(target, "/etc/kafka/server-one.properties")["security.inter.broker.protocol"] == "SSL"
