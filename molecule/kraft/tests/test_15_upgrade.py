"""A Kafka upgrade in KRaft mode (4.3.1 -> 4.4.0) through kafka_version, under load: the
controllers first, one at a time and the quorum's leader last, then the brokers; nothing
acknowledged lost; then the release's features finalized by name, kraft.version left alone."""

import itertools

from scenario_support import (
    assert_nothing_lost,
    features,
    group,
    host,
    process_started,
    run_module,
    run_playbook,
    start_verifier,
    stop_began,
    stop_verifier,
    task_results,
    wait_verifier,
)

BOOTSTRAP = "hadoop-master:9092,hadoop-slave1:9092,hadoop-slave2:9092"
QUORUM = "hadoop-master:9093,hadoop-slave1:9093,hadoop-slave2:9093"
NODES = group("kafka")


def test_upgrade_rolls_controllers_then_brokers_without_loss_and_finalizes_by_name():
    client = host("hadoop-master")
    before = features(client, BOOTSTRAP)
    print(f"\nfeatures on 4.3.1: {before}")
    leader = run_module(client, "kafka_quorum_state", {"bootstrap": QUORUM.split(","), "timeout": 60})["leader"]
    start_verifier(client, "upgrade", "--bootstrap-servers", BOOTSTRAP, "--topic-prefix", "upgrade", "--topics", "2",
                   "--duration", "400", "--rate", "200", "--delivery-timeout", "120", "--consume-timeout", "120",
                   # writing lasts the whole upgrade (stopped when the playbook is done); the cluster is
                   # judged once the last broker is back
                   "--settle", "240")
    result = run_playbook("cluster.yml", "-e", "cluster_verify=false",
                          env={"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"})
    stop_verifier(client, "upgrade")
    assert result.returncode == 0, result.stdout[-3000:]
    assert_nothing_lost(*wait_verifier(client, "upgrade"), "upgrade under load")

    restarts = task_results(result.stdout, "show the restarts")[0]["msg"]
    print(f"restart order: {restarts}")
    controllers = [entry for entry in restarts if "controller_node" in entry]
    brokers = [entry for entry in restarts if "broker" in entry]
    assert len(controllers) == len(brokers) == len(NODES)
    assert restarts[:len(controllers)] == controllers, "every controller must be upgraded before any broker"
    assert controllers[-1]["controller_node"] == leader, "the quorum's leader must be restarted last"
    for unit in ("kafka@controller", "kafka@server"):
        ordered = sorted(NODES, key=lambda name, unit=unit: process_started(host(name), unit))
        for earlier, later in itertools.pairwise(ordered):
            assert stop_began(host(later), unit) > process_started(host(earlier), unit), \
                f"{unit} on {later} stopped before {earlier} was back"
    last_controller = max(process_started(host(name), "kafka@controller") for name in NODES)
    assert min(stop_began(host(name), "kafka@server") for name in NODES) > last_controller
    for name in NODES:
        assert host(name).file("/opt/kafka").linked_to == "/opt/kafka_2.13-4.4.0"

    raised = task_results(result.stdout, "raise the finalized features to the release's levels")[0]
    print(f"features raised: {raised['upgraded']}")
    assert "metadata.version" in raised["upgraded"]
    assert "kraft.version" not in raised["upgraded"]
    after = features(client, BOOTSTRAP)
    print(f"features on 4.4.0: {after}")
    assert after["metadata.version"].startswith("4.4-")
    assert after["kraft.version"] == before["kraft.version"]
    # That the next run changes nothing on these hosts is asserted by test_27 (its cluster.yml run).
