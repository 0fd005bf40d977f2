"""A changed broker property restarts only the brokers whose configuration changed, one at a
time, each back in sync before the next; the re-run after it restarts nothing."""

import json

from scenario_support import group, host, process_started, recap, run_playbook, stop_began

# num.network.threads changes on two of the three brokers only.
CHANGE = json.dumps({"kafka_host_properties": {
    "num.network.threads": "{{ 4 if inventory_hostname in ['hadoop-slave1', 'hadoop-slave2'] else 3 }}"}})


def starts():
    return {name: process_started(host(name), "kafka@server") for name in group("kafka")}


def test_changed_property_restarts_only_those_brokers_one_at_a_time():
    before = starts()
    result = run_playbook("cluster.yml", "--extra-vars", CHANGE)
    assert result.returncode == 0, result.stdout[-3000:]
    after = starts()
    assert after["hadoop-master"] == before["hadoop-master"], "an unchanged broker was restarted"
    restarted = sorted((after[name], name) for name in ("hadoop-slave1", "hadoop-slave2"))
    for name in ("hadoop-slave1", "hadoop-slave2"):
        assert after[name] > before[name], f"{name} was not restarted"
    (first_up, first), (_, second) = restarted
    # The second broker was asked to stop only after the first was running again.
    assert stop_began(host(second), "kafka@server") > first_up, f"{second} stopped before {first} was back"
    print(f"\nrestarted {first} then {second}; hadoop-master untouched")

    again = run_playbook("cluster.yml", "--extra-vars", CHANGE, "-e", "cluster_verify=false")
    assert again.returncode == 0
    assert all(counters["changed"] == 0 for counters in recap(again.stdout).values()), again.stdout[-3000:]
    assert starts() == after, "a re-run restarted a broker"
