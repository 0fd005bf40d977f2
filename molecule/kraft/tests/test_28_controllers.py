"""A controller joins the quorum by an inventory edit and leaves it by the reverse edit: formatted
to join (--no-initial-controllers), added as a voter once caught up; then removed as a voter,
stopped and disabled. The other nodes get the new bootstrap list in their files but are not
restarted: running nodes learn the voters from the metadata log. The quorum keeps a leader and
caught-up voters throughout. A formatted broker is refused as a combined broker-controller
(kafka_controller_combined) before anything changes; a new combined node joins the quorum the same
way, and decommission.yml retires it: voter removed, broker emptied, stopped and unregistered."""

import pytest
from scenario_support import (
    cluster_state,
    group,
    host,
    hostvars,
    process_started,
    properties,
    recap,
    run_module,
    run_playbook,
)

QUORUM = "hadoop-master:9093,hadoop-slave1:9093,hadoop-slave2:9093"
UNITS = ("kafka@controller", "kafka@server")


def starts():
    """When each process of the course hosts started: a restart changes it."""
    return {(name, unit): process_started(host(name), unit) for name in group("kafka") for unit in UNITS}


def inventory(tmp_path_factory, grouped):
    path = tmp_path_factory.mktemp("controllers-grouped" if grouped else "controllers-known")
    (path / "host_vars").mkdir()
    hosts = "all:\n  children:\n    kafka_controllers:\n      hosts:\n        hadoop-slave3:\n" if grouped else \
        "all:\n  hosts:\n    hadoop-slave3:\n"
    (path / "hosts.yml").write_text(hosts)
    (path / "host_vars" / "hadoop-slave3.yml").write_text("kafka_controller_id: 1004\n")
    return str(path)


@pytest.fixture(scope="module")
def fourth_controller(tmp_path_factory):
    return inventory(tmp_path_factory, grouped=True)


@pytest.fixture(scope="module")
def retired_controller(tmp_path_factory):
    return inventory(tmp_path_factory, grouped=False)


def voters():
    state = run_module(host("hadoop-master"), "kafka_quorum_state",
                       {"bootstrap": [*QUORUM.split(","), "hadoop-slave3:9093"], "timeout": 60})
    assert not state.get("failed"), state.get("msg")
    return sorted(voter["id"] for voter in state["voters"]), state


def test_a_controller_added_to_the_group_becomes_a_voter(fourth_controller):
    before = starts()
    result = run_playbook("cluster.yml", "-e", "cluster_verify=false", inventories=(fourth_controller,))
    assert result.returncode == 0, result.stdout[-3000:]
    ids, state = voters()
    assert ids == [1001, 1002, 1003, 1004]
    assert all(voter["caught_up"] for voter in state["voters"]), state["voters"]
    new = host("hadoop-slave3")
    assert new.service("kafka@controller").is_running
    cluster_id = properties(host("hadoop-master"), "/var/lib/kafka/server/meta.properties")["cluster.id"]
    assert properties(new, "/var/lib/kafka/controller/meta.properties")["cluster.id"] == cluster_id
    assert "hadoop-slave3:9093" in properties(host("hadoop-master"),
                                              "/etc/kafka/server.properties")["controller.quorum.bootstrap.servers"]
    assert starts() == before, "no other node may restart for a new voter"
    again = run_playbook("cluster.yml", "-e", "cluster_verify=false", inventories=(fourth_controller,))
    assert again.returncode == 0, again.stdout[-3000:]
    assert all(counters["changed"] == 0 for counters in recap(again.stdout).values()), again.stdout[-3000:]


def test_a_controller_taken_out_of_the_group_leaves_the_quorum_and_stops(retired_controller):
    before = starts()
    result = run_playbook("cluster.yml", "-e", "cluster_verify=false", inventories=(retired_controller,))
    assert result.returncode == 0, result.stdout[-3000:]
    ids, state = voters()
    assert ids == [1001, 1002, 1003]
    assert all(voter["caught_up"] for voter in state["voters"]), state["voters"]
    retired = host("hadoop-slave3").service("kafka@controller")
    assert not retired.is_running
    assert not retired.is_enabled
    assert host("hadoop-slave3").file("/var/lib/kafka/controller/meta.properties").exists, "data must stay"
    assert "hadoop-slave3" not in properties(host("hadoop-master"),
                                             "/etc/kafka/server.properties")["controller.quorum.bootstrap.servers"]
    assert starts() == before, "no other node may restart for a removed voter"


def test_a_formatted_broker_is_refused_as_a_combined_controller(tmp_path):
    """The edit that would make every course host's broker its controller too: each broker's
    storage was formatted for the broker role alone."""
    (tmp_path / "host_vars").mkdir()
    (tmp_path / "hosts.yml").write_text("all:\n  hosts:\n" + "".join(f"    {name}:\n" for name in group("kafka")))
    for name in group("kafka"):
        broker_id = hostvars(name)["kafka_broker_id"]
        (tmp_path / "host_vars" / f"{name}.yml").write_text(
            f"kafka_controller_combined: true\nkafka_controller_id: {broker_id}\n")
    before = starts()
    result = run_playbook("cluster.yml", inventories=(str(tmp_path),))
    assert result.returncode != 0, result.stdout[-3000:]
    broker_id = hostvars("hadoop-master")["kafka_broker_id"]
    assert (f"kafka_controller_combined on hadoop-master: server (id {broker_id}) runs with process.roles=broker, "
            f"and this inventory would write broker,controller") in " ".join((result.stdout + result.stderr).split()), \
        result.stderr[-3000:]
    assert all(counters["changed"] == 0 for counters in recap(result.stdout).values()), result.stdout[-3000:]
    assert starts() == before
    assert properties(host("hadoop-master"), "/etc/kafka/server.properties")["process.roles"] == "broker"


def combined_inventory(path):
    """hadoop-slave3 as a broker that is also a controller: a new node (the spare host's earlier
    broker and controller keep their own, stopped, data)."""
    (path / "host_vars").mkdir()
    (path / "hosts.yml").write_text("all:\n  children:\n    kafka:\n      hosts:\n        hadoop-slave3:\n"
                                    "    kafka_controllers:\n      hosts:\n        hadoop-slave3:\n")
    (path / "host_vars" / "hadoop-slave3.yml").write_text(
        "kafka_controller_combined: true\nkafka_brokers:\n  - {name: node, id: 5}\n")
    return str(path)


def test_a_combined_node_joins_the_quorum_and_retires_with_its_broker(tmp_path):
    extra = combined_inventory(tmp_path)
    before = starts()
    result = run_playbook("cluster.yml", "-e", "cluster_verify=false", inventories=(extra,))
    assert result.returncode == 0, result.stdout[-3000:]
    ids, state = voters()
    assert ids == [5, 1001, 1002, 1003]
    assert all(voter["caught_up"] for voter in state["voters"]), state["voters"]
    new = host("hadoop-slave3")
    assert new.service("kafka@node").is_running
    assert properties(new, "/etc/kafka/node.properties")["process.roles"] == "broker,controller"
    cluster_id = properties(host("hadoop-master"), "/var/lib/kafka/server/meta.properties")["cluster.id"]
    assert properties(new, "/var/lib/kafka/node/meta.properties")["cluster.id"] == cluster_id
    assert starts() == before, "no other node may restart for a new combined node"
    again = run_playbook("cluster.yml", "-e", "cluster_verify=false", inventories=(extra,))
    assert again.returncode == 0, again.stdout[-3000:]
    assert all(counters["changed"] == 0 for counters in recap(again.stdout).values()), again.stdout[-3000:]

    retired = run_playbook("decommission.yml", "-e", "decommission_broker_id=5", inventories=(extra,))
    assert retired.returncode == 0, retired.stdout[-3000:]
    assert "and the host from 'kafka_controllers'" in " ".join(retired.stdout.split()), retired.stdout[-3000:]
    ids, state = voters()
    assert ids == [1001, 1002, 1003]
    assert all(voter["caught_up"] for voter in state["voters"]), state["voters"]
    assert not new.service("kafka@node").is_running
    assert not new.service("kafka@node").is_enabled
    assert new.file("/var/lib/kafka/node/meta.properties").exists, "data must stay"
    registered = cluster_state(host("hadoop-master"), "hadoop-master:9092", expect="1,2,3", in_sync=True, timeout=60)
    assert not registered.get("failed"), registered.get("msg")
    assert 5 not in registered["brokers"], registered["brokers"]
    # The inventory without the spare host: the others' bootstrap list forgets it, and nothing restarts.
    after = run_playbook("cluster.yml", "-e", "cluster_verify=false")
    assert after.returncode == 0, after.stdout[-3000:]
    assert "hadoop-slave3" not in properties(host("hadoop-master"),
                                             "/etc/kafka/server.properties")["controller.quorum.bootstrap.servers"]
    assert starts() == before, "no other node may restart for a retired combined node"
