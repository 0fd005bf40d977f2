"""Metrics on (kafka_metrics), in either mode: each broker's JMX exporter agent, the metadata
service's (ZooKeeper's own provider, or the KRaft controller's agent) and the node exporter serve
the series the alert rules read; Prometheus scrapes every one of them, and a stopped broker fires
the alerts that name it (the status playbook fails and names it too) until it is back, when they
resolve, while the verifier writes throughout and loses nothing; its timeline is drawn to
build/plots/<scenario>-broker-stopped.svg. That a second run with metrics on changes nothing is
the scenario's idempotence step. A scenario with one host 'hadoop-master' running brokers server,
server-one and server-two (metrics ports 7071-7073) and Prometheus imports these tests."""

import json
import os
import re
import time

import pytest
from scenario_support import (
    assert_nothing_lost,
    client_args,
    cluster_state,
    host,
    hostvars,
    plot_run,
    run_playbook,
    start_verifier,
    stop_verifier,
    wait_verifier,
)

BOOTSTRAP = "hadoop-master:9092,hadoop-master:9093,hadoop-master:9094"
# What the CLI and the verifier add to reach the listeners (kafka_security).
CLIENT = client_args("hadoop-master")
PROMETHEUS = "http://127.0.0.1:9090"
KRAFT = hostvars("hadoop-master").get("kafka_mode") == "kraft"
# A KRaft controller in broker 'server' (kafka_controller_combined) is scraped as that broker.
COMBINED = KRAFT and bool(hostvars("hadoop-master").get("kafka_controller_combined"))
# What serves the cluster's metadata, as Prometheus scrapes it: its job and node label.
METADATA = ("kafka", "server") if COMBINED else ("kafka", "controller") if KRAFT else ("zookeeper", None)
# The active controller's gauge (KafkaActiveControllerCount) comes from the KRaft controller, or
# from every ZooKeeper-mode broker (1 on the one that is the controller).
SERIES = [
    (7071, "kafka_server_replicamanager_underreplicatedpartitions"),
    (7072, "kafka_server_replicamanager_underminisrpartitioncount"),
    *([(7071 if COMBINED else 7070, "kafka_controller_kafkacontroller_activecontrollercount"),
       (7073, "kafka_log_logmanager_offlinelogdirectorycount")] if KRAFT else
      [(7073, "kafka_controller_kafkacontroller_activecontrollercount"), (7000, "znode_count")]),
    (9100, "node_filesystem_avail_bytes"),
]
FETCH = ("python3 -c 'import sys, urllib.request; "
         "sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=30).read().decode())' {}")


@pytest.fixture(scope="module")
def target():
    return host("hadoop-master")


def fetch(target, url):
    return target.check_output(FETCH.format(url))


def api(target, path):
    return json.loads(fetch(target, PROMETHEUS + path))["data"]


def firing(target):
    """The cluster's firing alerts as (name, node); the host alerts (disk space of the machine
    the tests run on) are left out."""
    return sorted((alert["labels"]["alertname"], alert["labels"].get("node", ""))
                  for alert in api(target, "/api/v1/alerts")["alerts"]
                  if alert["state"] == "firing" and not alert["labels"]["alertname"].startswith("Host"))


def wait_for(check, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not after {timeout} s: {what}")
        time.sleep(2)


@pytest.mark.parametrize(("port", "series"), SERIES)
def test_every_endpoint_serves_the_series_the_rules_read(target, port, series):
    lines = fetch(target, f"http://hadoop-master:{port}/metrics").splitlines()
    assert any(line.startswith(series) for line in lines), f"{series} missing on port {port}"


def test_the_agent_is_in_every_nodes_unit_and_in_no_command(target):
    env = target.file("/etc/kafka/server-two.env").content_string
    assert "-javaagent:/opt/jmx_prometheus_javaagent-1.0.1.jar=7073:/etc/kafka/jmx-exporter.yml" in env
    if KRAFT and not COMBINED:
        assert "jmx_prometheus_javaagent-1.0.1.jar=7070:" in target.file("/etc/kafka/controller.env").content_string
    # A command on the same host with the agent in its options would fail to bind the broker's port.
    target.check_output(f"kafka-topics.sh --bootstrap-server {BOOTSTRAP} {' '.join(CLIENT)} --list")


def test_prometheus_scrapes_every_node(target):
    def healthy_jobs():
        targets = api(target, "/api/v1/targets")["activeTargets"]
        counts = {}
        for item in targets:
            if item["health"] == "up":
                counts[item["labels"]["job"]] = counts.get(item["labels"]["job"], 0) + 1
        expected = {"prometheus": 1, "kafka": 3, "node": 1}
        if not COMBINED:
            expected[METADATA[0]] = expected.get(METADATA[0], 0) + 1
        return counts == expected and counts
    print(f"\nhealthy targets per job: {wait_for(healthy_jobs, 90, 'every target up')}")
    labels = {item["labels"]["node"] for item in api(target, "/api/v1/targets")["activeTargets"]
              if item["labels"]["job"] == "kafka"}
    assert labels == {"server", "server-one", "server-two"} | ({METADATA[1]} if KRAFT else set())
    if COMBINED:
        roles = {item["labels"]["node"]: item["labels"]["role"]
                 for item in api(target, "/api/v1/targets")["activeTargets"] if item["labels"]["job"] == "kafka"}
        assert roles == {"server": "broker,controller", "server-one": "broker", "server-two": "broker"}


def test_a_stopped_broker_fires_the_alerts_that_name_it_until_it_is_back(target):
    wait_for(lambda: firing(target) == [] or None, 120, f"no alert firing before the fault: {firing(target)}")
    # Writing with acks=all all along: the outage costs no acknowledged message (min ISR 2 of 3).
    start_verifier(target, "metrics-fault", "--bootstrap-servers", BOOTSTRAP, *CLIENT, "--topic-prefix",
                   "metrics-fault", "--topics", "1", "--partitions", "3", "--duration", "240", "--rate", "100",
                   "--consume-timeout", "120", "--settle", "180")
    time.sleep(10)

    def broker_down_alerts():
        now = firing(target)
        named = ("KafkaNodeDown", "server-two") in now
        return now if named and any(name == "KafkaUnderReplicatedPartitions" for name, _ in now) else None
    stopped = time.time()
    target.check_output("systemctl stop kafka@server-two")
    try:
        alerts = wait_for(broker_down_alerts, 90, "KafkaNodeDown for server-two and under-replicated partitions")
        print(f"\nfiring {time.time() - stopped:.0f} s after the stop: {alerts}")
        result = run_playbook("status.yml")
        assert result.returncode != 0, "the status playbook must fail while a broker is down"
        # A stopped KRaft broker stays registered, fenced once its session times out.
        assert re.search(r"broker 2 (missing|fenced)" if KRAFT else "broker 2 missing", result.stdout), \
            result.stdout[-2000:]
        assert "under-replicated" in result.stdout, result.stdout[-2000:]
    finally:
        target.check_output("systemctl start kafka@server-two")
        back = time.time()
    state = cluster_state(target, BOOTSTRAP, expect="0,1,2", in_sync=True, timeout=180)
    assert not state.get("failed"), state.get("msg")
    in_sync = time.time()
    wait_for(lambda: firing(target) == [] or None, 120, f"every alert resolved: {firing(target)}")
    print(f"resolved {time.time() - in_sync:.0f} s after the partitions were back in sync")
    assert run_playbook("status.yml").returncode == 0
    stop_verifier(target, "metrics-fault")
    rc, report = wait_verifier(target, "metrics-fault", timeout=600)
    path = plot_run(report, f"{os.environ['MOLECULE_SCENARIO_NAME']}-broker-stopped",
                    [("broker 2 stopped", stopped, back)])
    assert path is not None, "the run produced no timeline to plot"
    assert path.stat().st_size > 0
    assert_nothing_lost(rc, report, "single host, broker 2 stopped and started")
