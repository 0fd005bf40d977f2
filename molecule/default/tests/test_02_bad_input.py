"""Refusals that need real hosts: what they already hold (ids on disk, memory), whether they
answer, and the playbooks besides cluster.yml. Each run must be refused with a message naming
the variable, the host and the fix, with nothing changed on any host: every managed file,
link, directory and data identity, and every process start time (managed_state).

The inventory contract itself (more than 80 classes of bad input, each checked on the model
that will be written) is tests/unit/test_contract.py; its wiring into the real first play is
tests/unit/test_first_play.py. Both run in seconds without containers."""

import json

import pytest
from scenario_support import group, host, managed_state, recap, run_playbook

NODES = group("kafka")
BASE = ("-e", "kafka_version=3.9.1")


def snapshot():
    return {name: managed_state(host(name)) for name in NODES}


@pytest.fixture(scope="module")
def before():
    return snapshot()


def extra_vars(data):
    return ("-e", json.dumps(data))


# (case id, playbook, extra arguments, extra inventory hosts.yml, extra host_vars, expected texts)
CASES = [
    ("zookeeper-id-changed-on-data", "cluster.yml", (), None, {"hadoop-slave1": "zookeeper_id: 9"},
     ["zookeeper_id on hadoop-slave1: the inventory says 9 but /var/lib/zookeeper/myid holds 2",
      "host_vars/hadoop-slave1.yml"]),
    ("broker-id-changed-on-data", "cluster.yml", (), None, {"hadoop-slave1": "kafka_broker_id: 9"},
     ["kafka_broker_id on hadoop-slave1 (server): the inventory says 9 but /var/lib/kafka/server/meta.properties "
      "holds broker.id=2", "Fix: set the id back to 2"]),
    ("heap-larger-than-memory", "cluster.yml", ("-e", "kafka_heap=4000g"), None, {},
     ["kafka_heap on hadoop-master: 4000g does not fit in the host's", "Fix:"]),
    ("unreachable-host", "cluster.yml", (),
     "all:\n  children:\n    kafka:\n      hosts:\n        hadoop-ghost:\n          ansible_host: no-such-container\n"
     "          ansible_connection: community.docker.docker\n",
     {"hadoop-ghost": "kafka_broker_id: 9"}, ["host hadoop-ghost (in kafka) is unreachable", "Fix:",
                                              "Nothing was changed"]),
    ("decommission-unknown-broker", "decommission.yml", ("-e", "decommission_broker_id=42"), None, {},
     ["decommission_broker_id on all hosts: 42 is not a broker of the inventory", "Fix:"]),
    ("rolling-restart-unknown-target", "rolling-restart.yml", ("-e", "rolling_restart=everything"), None, {},
     ["rolling_restart on all hosts: everything is not all, zookeeper or kafka", "Fix:"]),
]


def write_inventory(path, hosts_text, host_vars):
    (path / "host_vars").mkdir(parents=True, exist_ok=True)
    (path / "hosts.yml").write_text(hosts_text or "all: {}\n")
    for name, text in host_vars.items():
        (path / "host_vars" / f"{name}.yml").write_text(text + "\n")
    return str(path)


@pytest.mark.parametrize(("playbook", "args", "hosts_text", "host_vars", "expected"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_refused_before_any_change(tmp_path, before, playbook, args, hosts_text, host_vars, expected):
    inventories = (write_inventory(tmp_path, hosts_text, host_vars),) if hosts_text or host_vars else ()
    result = run_playbook(playbook, *BASE, *args, inventories=inventories, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-2000:]
    for text in expected:
        assert text in " ".join(output.split()), f"{text!r} not in:\n{output[-3000:]}"
    assert snapshot() == before, "a host changed although the input was refused"


def test_checksum_mismatch_fails_and_keeps_the_installed_release_running(before):
    result = run_playbook("cluster.yml", "-e", "kafka_version=3.9.2", "-e", "kafka_archive_sha512=" + "0" * 128)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "checksum" in output.lower(), output[-2000:]
    for name in NODES:
        assert host(name).file("/opt/kafka").linked_to == "/opt/kafka_2.13-3.9.1"
        assert not host(name).file("/opt/kafka_2.13-3.9.2").exists
    after = snapshot()
    for name in NODES:
        # Only the download cache may differ: the configuration, links and processes may not.
        assert after[name] == before[name], f"{name} changed although the download failed its checksum"


def test_touching_every_input_restarts_nothing(before):
    for name in NODES:
        host(name).check_output("touch /etc/kafka/* /etc/zookeeper/* /etc/systemd/system/kafka@.service "
                                "/etc/systemd/system/zookeeper.service")
    result = run_playbook("cluster.yml", *BASE, "-e", "cluster_verify=false")
    assert result.returncode == 0, result.stdout[-3000:]
    assert all(counts["changed"] == 0 for counts in recap(result.stdout).values()), result.stdout[-3000:]
    after = snapshot()
    for name in NODES:
        processes = [line for line in after[name].splitlines() if "Timestamp" in line]
        assert processes == [line for line in before[name].splitlines() if "Timestamp" in line], \
            f"a process on {name} was restarted although only file times changed"
