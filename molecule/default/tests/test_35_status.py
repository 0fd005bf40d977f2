"""The status report on the running cluster: healthy with every broker, the controller and the
ZooKeeper ensemble shown; a stopped broker makes it unhealthy and names the broker."""

import json

from scenario_support import cluster_state, host, run_playbook

BOOTSTRAP = "hadoop-master:9092,hadoop-slave1:9092,hadoop-slave2:9092"
ZOOKEEPER = "hadoop-master:2181,hadoop-slave1:2181,hadoop-slave2:2181"


def status(target, *args):
    result = target.run("kafka-verify status --json --bootstrap-servers " + BOOTSTRAP
                        + " --expect-brokers 1,2,3 --zookeeper " + ZOOKEEPER + " " + " ".join(args))
    return result.rc, json.loads(result.stdout)


def test_the_status_playbook_reports_a_healthy_cluster(tmp_path):
    path = tmp_path / "status.json"
    result = run_playbook("status.yml", "-e", f"status_report_path={path}")
    assert result.returncode == 0, result.stdout[-3000:]
    report = json.loads(path.read_text())
    assert report["healthy"] is True
    assert report["mode"] == "zookeeper"
    assert [(row["id"], row["state"]) for row in report["brokers"]] == [(1, "registered"), (2, "registered"),
                                                                          (3, "registered")]
    assert all(row["log_dirs"] for row in report["brokers"]), "disk use per log dir is missing"
    assert report["controller"]["id"] in (1, 2, 3)
    assert sorted(node["mode"] for node in report["zookeeper"]) == ["follower", "follower", "leader"]
    assert report["partitions"]["offline"] == []
    assert "HEALTHY" in result.stdout or "healthy" in result.stdout


def test_a_stopped_broker_makes_the_status_unhealthy_and_is_named():
    victim = host("hadoop-slave2")
    victim.check_output("systemctl stop kafka@server")
    try:
        rc, report = status(host("hadoop-master"))
        print(f"\nstatus with broker 3 stopped: rc {rc}: {report['reason']}")
        assert rc == 4
        assert report["healthy"] is False
        assert "broker 3 missing" in report["reason"]
        assert "under-replicated" in report["reason"]
    finally:
        victim.check_output("systemctl start kafka@server")
    state = cluster_state(host("hadoop-master"), BOOTSTRAP, expect="1,2,3", in_sync=True, timeout=180)
    assert not state.get("failed"), state.get("msg")
    rc, report = status(host("hadoop-master"))
    assert rc == 0, report["reason"]
