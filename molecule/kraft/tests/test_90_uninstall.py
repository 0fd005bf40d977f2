"""Uninstalling a KRaft cluster keeps the controllers' and brokers' data; deploying again
finds the stored cluster id, formats nothing anew and serves every message written before."""

from scenario_support import group, host, properties, run_playbook, verifier

BOOTSTRAP = "hadoop-master:9092,hadoop-slave1:9092,hadoop-slave2:9092"
STATE = "/root/keep-state.json"
NODES = group("kafka")


def test_uninstall_keeps_data_and_a_redeploy_serves_it_with_the_same_cluster_id():
    client = host("hadoop-master")
    rc, report = verifier(client, "--bootstrap-servers", BOOTSTRAP, "--topic", "kept", "--messages", "3000",
                          "--produce-only", "--state", STATE)
    assert rc == 0, report.get("reason")
    stored = {name: {role: properties(host(name), f"/var/lib/kafka/{role}/meta.properties")
                     for role in ("server", "controller")} for name in NODES}
    cluster_id = stored["hadoop-master"]["server"]["cluster.id"]

    result = run_playbook("uninstall.yml")
    assert result.returncode == 0, result.stdout[-3000:]
    for name in NODES:
        target = host(name)
        for unit in ("kafka@server", "kafka@controller"):
            assert not target.service(unit).is_running
        assert not target.file("/opt/kafka").exists
        assert not target.file("/etc/kafka").exists
        for role in ("server", "controller"):
            assert target.file(f"/var/lib/kafka/{role}/meta.properties").exists, f"{role} data must stay"

    result = run_playbook("cluster.yml")
    assert result.returncode == 0, result.stdout[-3000:]
    for name in NODES:
        for role in ("server", "controller"):
            # same cluster id and same directory ids: nothing was formatted again
            assert properties(host(name), f"/var/lib/kafka/{role}/meta.properties") == stored[name][role]
    assert properties(client, "/var/lib/kafka/server/meta.properties")["cluster.id"] == cluster_id
    rc, report = verifier(client, "--bootstrap-servers", BOOTSTRAP, "--consume-only", "--state", STATE,
                          "--wait-healthy", "120")
    assert rc == 0, report.get("reason")
    assert report["counts"]["read"] == 3000
