"""A Kafka patch upgrade (3.9.1 -> 3.9.2) through kafka_version, under load: one broker at a
time, the active controller last, no acknowledged message lost."""

import itertools

from scenario_support import (
    assert_nothing_lost,
    group,
    host,
    process_started,
    recap,
    run_playbook,
    start_verifier,
    stop_began,
    stop_verifier,
    task_results,
    wait_verifier,
)

BOOTSTRAP = "hadoop-master:9092,hadoop-slave1:9092,hadoop-slave2:9092"
NODES = group("kafka")


def test_patch_upgrade_rolls_one_broker_at_a_time_without_loss():
    for name in NODES:
        assert host(name).file("/opt/kafka").linked_to == "/opt/kafka_2.13-3.9.1"
    client = host("hadoop-master")
    start_verifier(client, "upgrade", "--bootstrap-servers", BOOTSTRAP, "--topic-prefix", "upgrade", "--topics", "2",
                   "--duration", "400", "--rate", "200", "--delivery-timeout", "120", "--consume-timeout", "120",
                   # writing lasts the whole upgrade (stopped when the playbook is done); the cluster is
                   # judged once the last broker is back
                   "--settle", "180")
    result = run_playbook("cluster.yml", "-e", "kafka_version=3.9.2", "-e", "cluster_verify=false",
                          env={"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"})
    stop_verifier(client, "upgrade")
    assert result.returncode == 0, result.stdout[-3000:]
    assert_nothing_lost(*wait_verifier(client, "upgrade"), "upgrade under load")

    restarts = task_results(result.stdout, "show the restarts")[0]["msg"]
    print(f"restart order: {[(r['host'], r['broker'], r['back_in_sync_after_s']) for r in restarts]}")
    assert sorted(r["host"] for r in restarts) == NODES
    controller_before = task_results(result.stdout, "find the active controller before restarting")[0]["controller"]
    assert restarts[-1]["broker"] == controller_before, "the active controller must be restarted last"
    ordered = sorted(NODES, key=lambda name: process_started(host(name), "kafka@server"))
    for earlier, later in itertools.pairwise(ordered):
        assert stop_began(host(later), "kafka@server") > process_started(host(earlier), "kafka@server")
    for name in NODES:
        assert host(name).file("/opt/kafka").linked_to == "/opt/kafka_2.13-3.9.2"
        assert "3.9.2" in host(name).check_output("ls /opt/kafka/libs/ | grep '^kafka-clients'")

    again = run_playbook("cluster.yml", "-e", "kafka_version=3.9.2", "-e", "cluster_verify=false")
    assert all(counters["changed"] == 0 for counters in recap(again.stdout).values())
