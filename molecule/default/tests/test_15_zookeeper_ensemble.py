"""The ensemble: ids from the inventory, one leader, replicated data."""

import uuid

import pytest
from scenario_support import assert_serving, group, host, hostvars, recap, run_playbook, zookeeper_mode

NODES = group("zookeeper")


@pytest.mark.parametrize("name", NODES)
def test_service_port_and_myid(name):
    target = host(name)
    assert_serving(target, "zookeeper", 2181)
    assert target.file("/var/lib/zookeeper/myid").content_string.strip() == str(hostvars(name)["zookeeper_id"])
    assert target.file("/etc/zookeeper/zoo.cfg").contains("^4lw.commands.whitelist=srvr,ruok,mntr$")
    assert target.file("/etc/zookeeper/zoo.cfg").contains("^admin.enableServer=false$")


def test_one_leader_and_two_followers():
    assert sorted(zookeeper_mode(host(name)) for name in NODES) == ["follower", "follower", "leader"]


def test_a_znode_written_on_one_node_is_read_on_the_others():
    path, value = f"/kafka-toolkit-test-{uuid.uuid4().hex[:8]}", uuid.uuid4().hex
    writer, *readers = NODES
    host(writer).check_output(f"zkCli.sh -server {writer}:2181 create {path} {value}")
    for reader in readers:
        output = host(reader).check_output(f"zkCli.sh -server {reader}:2181 get {path}")
        assert value in output.split(), f"{reader} does not see {path}"
    host(writer).check_output(f"zkCli.sh -server {writer}:2181 delete {path}")


def test_logs_reach_journald_and_the_log_directory():
    target = host(NODES[0])
    assert "QuorumPeer" in target.check_output("journalctl -u zookeeper --no-pager -n 200 -o cat")
    assert target.file("/var/log/zookeeper/zookeeper.log").size > 0


def test_the_zookeeper_playbook_on_the_deployed_cluster_changes_nothing():
    result = run_playbook("zookeeper.yml")
    assert result.returncode == 0, result.stdout[-3000:]
    assert all(counters["changed"] == 0 for counters in recap(result.stdout).values()), result.stdout[-3000:]
