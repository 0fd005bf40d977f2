"""Uninstalling keeps the data unless a purge is asked for; deploying again picks it up."""

from scenario_support import group, host, properties, run_playbook, verifier

BOOTSTRAP = "hadoop-master:9092,hadoop-slave1:9092,hadoop-slave2:9092"
STATE = "/root/keep-state.json"
NODES = group("kafka")


def test_uninstall_keeps_data_and_a_redeploy_serves_it():
    client = host("hadoop-master")
    rc, report = verifier(client, "--bootstrap-servers", BOOTSTRAP, "--topic", "kept", "--messages", "3000",
                          "--produce-only", "--state", STATE)
    assert rc == 0, report.get("reason")
    cluster_id = properties(client, "/var/lib/kafka/server/meta.properties")["cluster.id"]

    result = run_playbook("uninstall.yml")
    assert result.returncode == 0, result.stdout[-3000:]
    for name in NODES:
        target = host(name)
        assert not target.service("kafka@server").is_running
        assert not target.service("zookeeper").is_running
        assert not target.file("/opt/kafka").exists
        assert not target.file("/etc/kafka").exists
        assert not target.file("/usr/local/bin/kafka-topics.sh").exists
        assert target.file("/var/lib/kafka/server/meta.properties").exists, "broker data must stay"
        assert target.file("/var/lib/zookeeper/myid").exists, "ZooKeeper data must stay"

    result = run_playbook("cluster.yml")
    assert result.returncode == 0, result.stdout[-3000:]
    assert properties(client, "/var/lib/kafka/server/meta.properties")["cluster.id"] == cluster_id
    rc, report = verifier(client, "--bootstrap-servers", BOOTSTRAP, "--consume-only", "--state", STATE,
                          "--wait-healthy", "120")
    assert rc == 0, report.get("reason")
    assert report["counts"]["read"] == 3000


def test_purge_removes_the_data():
    result = run_playbook("uninstall.yml", "-e", "uninstall_purge_data=true")
    assert result.returncode == 0, result.stdout[-3000:]
    for name in NODES:
        assert not host(name).file("/var/lib/kafka/server").exists
        assert not host(name).file("/var/lib/zookeeper").exists
