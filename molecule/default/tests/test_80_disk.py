"""Data that no run can lose: a broker whose data disk comes back empty (replaced, or not
mounted) is refused until the operator says the disk was replaced, then rejoins as the same
broker and copies its replicas back; a ZooKeeper node whose myid went missing beside its data
is refused rather than given an id."""

from scenario_support import cluster_state, group, host, hostvars, managed_state, properties, run_playbook, verifier

BOOTSTRAP = "hadoop-master:9092,hadoop-slave1:9092,hadoop-slave2:9092"
STATE = "/root/disk-state.json"
NODES = group("kafka")


def broker_host(broker_id):
    return next(name for name in NODES if hostvars(name)["kafka_broker_id"] == broker_id)


def snapshot():
    return {name: managed_state(host(name)) for name in NODES}


def test_a_replaced_data_disk_is_refused_then_rejoins_as_the_same_broker():
    client = host("hadoop-master")
    name = broker_host(3)
    target = host(name)
    rc, report = verifier(client, "--bootstrap-servers", BOOTSTRAP, "--topic", "disk-replaced", "--partitions", "6",
                          "--messages", "5000", "--produce-only", "--state", STATE)
    assert rc == 0, report.get("reason")
    # The new disk: an empty directory where the broker's data was, the old data set aside.
    target.check_output("systemctl stop kafka@server && mv /var/lib/kafka/server /var/lib/kafka/server.old-disk "
                        "&& install -d -o kafka -g kafka -m 0750 /var/lib/kafka/server")
    try:
        before = snapshot()
        result = run_playbook("cluster.yml", "-e", "cluster_verify=false")
        output = " ".join((result.stdout + result.stderr).split())
        assert result.returncode != 0, output[-3000:]
        assert (f"kafka_brokers log dir on {name} (server): /var/lib/kafka/server holds no meta.properties, but the "
                f"cluster knows broker 3") in output, output[-3000:]
        assert '"kafka_replaced_disks": [3]' in output
        assert snapshot() == before, "a refused run changed a host or started the broker"
        assert not target.service("kafka@server").is_running

        result = run_playbook("cluster.yml", "-e", '{"kafka_replaced_disks": [3]}', "-e", "cluster_verify=false")
        assert result.returncode == 0, result.stdout[-3000:]
        assert properties(target, "/var/lib/kafka/server/meta.properties")["broker.id"] == "3"
        state = cluster_state(client, BOOTSTRAP, expect="1,2,3", in_sync=True, timeout=300)
        assert not state.get("failed"), state.get("msg")
        print(f"\nbroker 3 back in sync on its new disk after {state['waited']} s")
        copied = target.check_output("ls /var/lib/kafka/server | grep -c '^disk-replaced-' || true")
        assert int(copied) == 6, "the broker must hold its replicas of the topic again"
        rc, report = verifier(client, "--bootstrap-servers", BOOTSTRAP, "--consume-only", "--state", STATE,
                              "--wait-healthy", "120")
        assert rc == 0, report.get("reason")
        assert report["counts"]["read"] == report["counts"]["acked"] == 5000
        assert report["counts"]["lost"] == 0
        # The next run needs no flag: the broker has its data again (its checks are the first play).
        result = run_playbook("validate.yml")
        assert result.returncode == 0, result.stdout[-3000:]
    finally:
        if target.service("kafka@server").is_running:
            target.run("rm -rf /var/lib/kafka/server.old-disk")
        else:
            target.run("test -f /var/lib/kafka/server/meta.properties || (rm -rf /var/lib/kafka/server && "
                       "mv /var/lib/kafka/server.old-disk /var/lib/kafka/server)")
            target.run("systemctl start kafka@server")


def test_a_missing_myid_beside_zookeeper_data_is_refused():
    target = host("hadoop-slave1")
    target.check_output("mv /var/lib/zookeeper/myid /root/myid.saved")
    try:
        result = run_playbook("cluster.yml", "-e", "cluster_verify=false")
        output = " ".join((result.stdout + result.stderr).split())
        assert result.returncode != 0, output[-3000:]
        assert "zookeeper_id on hadoop-slave1: /var/lib/zookeeper/myid is missing but its directory holds " \
               "ZooKeeper data" in output, output[-3000:]
        assert "zookeeper_restore_myid=true" in output
        assert not target.file("/var/lib/zookeeper/myid").exists, "the file must not be written anew"
    finally:
        target.check_output("mv /root/myid.saved /var/lib/zookeeper/myid")
