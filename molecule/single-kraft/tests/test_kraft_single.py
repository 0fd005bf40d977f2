"""Kafka 4.4.0 deployed fresh in KRaft mode on one host, its controller a role of broker 'server'
(kafka_controller_combined, the one node of Kafka's quickstart): every feature finalized at the
level the release maps to (kraft.version 1: the quorum is dynamic), and playbooks/rolling-restart.yml
under acks=all load restarts each node once, one at a time, the quorum's leader (server) last,
with nothing acknowledged lost."""

import itertools
import time

from scenario_support import (
    assert_nothing_lost,
    features,
    host,
    plot_run,
    process_started,
    recap,
    run_playbook,
    start_verifier,
    stop_began,
    stop_verifier,
    wait_verifier,
)

BOOTSTRAP = "hadoop-master:9092,hadoop-master:9093,hadoop-master:9094"
UNITS = ["kafka@server", "kafka@server-one", "kafka@server-two"]


def test_a_fresh_deploy_finalizes_every_feature_at_the_releases_level():
    client = host("hadoop-master")
    # "metadata.version=33 (4.4-IV2)", "kraft.version=1", ...: what the installed release maps to.
    mapping = client.check_output(f"kafka-features.sh --bootstrap-server {BOOTSTRAP} version-mapping")
    expected = dict(line.split("=", 1) for line in mapping.split() if "=" in line)
    expected["metadata.version"] = mapping.split("(")[1].split(")")[0]
    finalized = features(client, BOOTSTRAP)
    print(f"\nthe release maps to {expected}; finalized: {finalized}")
    assert expected["metadata.version"].startswith("4.4-")
    assert expected["kraft.version"] == "1"
    assert {name: finalized.get(name) for name in expected} == expected


def test_a_rolling_restart_under_load_restarts_each_node_once_the_quorum_leader_last():
    client = host("hadoop-master")
    before = {unit: process_started(client, unit) for unit in UNITS}
    start_verifier(client, "rolling", "--bootstrap-servers", BOOTSTRAP, "--topic-prefix", "rolling", "--topics", "1",
                   "--partitions", "6", "--duration", "600", "--rate", "200", "--consume-timeout", "120",
                   "--settle", "180")
    time.sleep(5)
    began = time.time()
    result = run_playbook("rolling-restart.yml")
    ended = time.time()
    time.sleep(5)
    stop_verifier(client, "rolling")
    assert result.returncode == 0, result.stdout[-3000:]
    after = {unit: process_started(client, unit) for unit in UNITS}
    print(f"\nrolling-restart.yml: {ended - began:.0f} s; restarted (monotonic us): {after}")
    assert all(after[unit] > before[unit] for unit in UNITS), (before, after)
    # The quorum's leader last; each asked to stop only once the one before was running again, and
    # started once.
    order = sorted(UNITS, key=after.get)
    assert order[-1] == "kafka@server", order
    for previous, unit in itertools.pairwise(order):
        assert stop_began(client, unit) > after[previous], f"{unit} stopped before {previous} was back"
    for unit in UNITS:
        starts = client.check_output(f"journalctl -u {unit} --since @{int(began)} -o cat | grep -c '^Started' || true")
        assert starts == "1", f"{unit} started {starts} times during the rolling restart"
    rc, report = wait_verifier(client, "rolling", timeout=600)
    plot_run(report, "single-kraft-rolling-restart", [("rolling-restart.yml", began, ended)])
    assert_nothing_lost(rc, report, "single KRaft host, every node restarted under load")


def test_the_only_controller_is_not_retired():
    result = run_playbook("decommission.yml", "-e", "decommission_broker_id=0")
    assert result.returncode != 0
    assert ("decommission_broker_id on all hosts: broker 0 (server on hadoop-master) is also a controller, the "
            "quorum's only one") in " ".join((result.stdout + result.stderr).split()), result.stderr[-3000:]
    assert all(counters["changed"] == 0 for counters in recap(result.stdout).values()), result.stdout[-3000:]
    assert host("hadoop-master").service("kafka@server").is_running
