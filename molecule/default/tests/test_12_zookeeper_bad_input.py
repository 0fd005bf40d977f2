"""Bad input is refused before any host changes, with a message naming variable, host and fix."""

import pytest
from scenario_support import group, host, managed_state, run_playbook

NODES = group("zookeeper")
# Extra ensemble members must answer (unreachable hosts are refused first): they reuse a container.
ALIAS = "          ansible_connection: community.docker.docker\n          ansible_host: hadoop-slave2\n"


def snapshot():
    """Every managed file, link, directory and data identity, and the process start times."""
    return {name: managed_state(host(name)) for name in NODES}


@pytest.fixture
def extra_inventory(tmp_path):
    """A second inventory source: hosts.yml plus host_vars files, which take precedence over the
    scenario's own host_vars."""
    def write(hosts="all: {}\n", **host_vars):
        (tmp_path / "host_vars").mkdir(exist_ok=True)
        (tmp_path / "hosts.yml").write_text(hosts)
        for name, text in host_vars.items():
            (tmp_path / "host_vars" / f"{name.replace('_', '-')}.yml").write_text(text)
        return str(tmp_path)
    return write


def refused(result, *expected):
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-2000:]
    for text in expected:
        assert text in output, f"{text!r} not in the output:\n{output[-3000:]}"


def test_duplicate_id(extra_inventory):
    before = snapshot()
    extra = extra_inventory(hadoop_slave2="zookeeper_id: 1\n")
    refused(run_playbook("zookeeper.yml", inventories=(extra,)),
            "zookeeper_id on hadoop-slave2: 1 is already the id of hadoop-master", "Fix:")
    assert snapshot() == before


def test_even_sized_ensemble(extra_inventory):
    before = snapshot()
    extra = extra_inventory("all:\n  children:\n    zookeeper:\n      hosts:\n        hadoop-zk4:\n" + ALIAS
                            + "          zookeeper_id: 4\n")
    refused(run_playbook("zookeeper.yml", inventories=(extra,)), "4 hosts", "even ensemble",
            "zookeeper_allow_even_ensemble")
    assert snapshot() == before


def test_existing_myid_differs_from_the_inventory(extra_inventory):
    before = snapshot()
    extra = extra_inventory(hadoop_slave1="zookeeper_id: 9\n")
    refused(run_playbook("zookeeper.yml", inventories=(extra,)),
            "zookeeper_id on hadoop-slave1: the inventory says 9 but /var/lib/zookeeper/myid holds 2",
            "host_vars/hadoop-slave1.yml")
    assert snapshot() == before


def test_malformed_version():
    before = snapshot()
    refused(run_playbook("zookeeper.yml", "--extra-vars", "zookeeper_version=3.8"),
            "zookeeper_version on hadoop-master: '3.8' is not a release number")
    assert snapshot() == before


def test_missing_id(extra_inventory):
    before = snapshot()
    extra = extra_inventory("all:\n  children:\n    zookeeper:\n      hosts:\n        hadoop-zk4:\n" + ALIAS
                            + "        hadoop-zk5:\n" + ALIAS + "          zookeeper_id: 5\n")
    refused(run_playbook("zookeeper.yml", inventories=(extra,)), "zookeeper_id on hadoop-zk4: not set")
    assert snapshot() == before
