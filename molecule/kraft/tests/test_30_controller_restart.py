"""A changed controller property restarts the controllers one at a time, the quorum's leader
last, while the verifier writes with acks=all: nothing acknowledged is lost, the brokers are
not restarted, and the re-run after it changes nothing."""

import itertools
import json

from scenario_support import (
    group,
    host,
    process_started,
    recap,
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
CHANGE = json.dumps({"kafka_controller_properties": {"metadata.max.idle.interval.ms": 450}})


def starts(unit):
    return {name: process_started(host(name), unit) for name in group("kafka")}


def test_controllers_roll_one_at_a_time_leader_last_without_loss():
    client = host("hadoop-master")
    leader = run_module(client, "kafka_quorum_state", {"bootstrap": QUORUM.split(","), "timeout": 60})["leader"]
    brokers_before, controllers_before = starts("kafka@server"), starts("kafka@controller")
    start_verifier(client, "controllers", "--bootstrap-servers", BOOTSTRAP, "--topic-prefix", "controllers",
                   "--topics", "1", "--partitions", "6", "--duration", "400", "--rate", "200", "--settle", "120")
    result = run_playbook("cluster.yml", "--extra-vars", CHANGE, "-e", "cluster_verify=false",
                          env={"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"})
    stop_verifier(client, "controllers")
    assert result.returncode == 0, result.stdout[-3000:]
    rc, report = wait_verifier(client, "controllers", timeout=400)
    print(f"\ncontroller roll under load: {report.get('counts')}, "
          f"longest ack stall {report.get('longest_ack_stall_s')} s")
    assert rc == 0, report.get("reason")
    assert report["counts"]["lost"] == 0
    assert report["counts"]["duplicated"] == 0

    assert starts("kafka@server") == brokers_before, "a broker was restarted for a controller setting"
    after = starts("kafka@controller")
    assert all(after[name] > controllers_before[name] for name in after), "a controller was not restarted"
    ordered = sorted(after, key=after.get)
    for earlier, later in itertools.pairwise(ordered):
        assert stop_began(host(later), "kafka@controller") > after[earlier], \
            f"{later} stopped before {earlier} was back"
    restarts = task_results(result.stdout, "show the restarts")[0]["msg"]
    print(f"restart order: {restarts}")
    assert restarts[-1]["controller_node"] == leader, "the quorum's leader must be restarted last"

    again = run_playbook("cluster.yml", "--extra-vars", CHANGE, "-e", "cluster_verify=false")
    assert again.returncode == 0
    assert all(counters["changed"] == 0 for counters in recap(again.stdout).values()), again.stdout[-3000:]
    assert starts("kafka@controller") == after, "a re-run restarted a controller"
