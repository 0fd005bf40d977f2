"""KRaft mode in the cluster model, its checks, the formatting plan, Kafka's ids and the quorum
module's DescribeQuorum encoding."""

import base64
import struct
from pathlib import Path

import kafka_quorum_state
import pytest
import yaml
from conftest import ROOT
from kafka_model import kafka_cluster_model, kafka_model_errors, kafka_model_warnings
from kafka_toolkit import kafka_cluster_id_errors, kafka_host_errors, kafka_uuid, kraft_format_plan, kraft_voter_changes

HOSTS = ["hadoop-master", "hadoop-slave1", "hadoop-slave2"]
# The directory id each controller is formatted with, by node id.
DIRECTORIES = {1001: "d1", 1002: "d2", 1003: "d3"}
DEFAULTS = yaml.safe_load((ROOT / "roles" / "kafka" / "defaults" / "main.yml").read_text())
BASE = yaml.safe_load(Path(ROOT / "roles" / "kafka" / "vars" / "main.yml").read_text())["kafka_default_properties"]


def hostvars(**common):
    return {host: {"kafka_broker_id": index, "kafka_controller_id": 1000 + index, "kafka_mode": "kraft", **common}
            for index, host in enumerate(HOSTS, start=1)}


def model(variables=None, controllers=HOSTS, brokers=HOSTS):
    return kafka_cluster_model(brokers, variables or hostvars(), DEFAULTS, [], BASE, controllers)


def test_controllers_are_their_own_processes_with_a_dynamic_quorum():
    cluster = model()
    assert cluster["mode"] == "kraft"
    assert [node["role"] for node in cluster["nodes"]] == ["controller"] * 3 + ["broker"] * 3
    controller = cluster["controllers"][0]["properties"]
    assert controller["process.roles"] == "controller"
    assert controller["node.id"] == 1001
    assert controller["listeners"] == "CONTROLLER://:9093"
    assert controller["advertised.listeners"] == "CONTROLLER://hadoop-master:9093"
    assert controller["log.dirs"] == "/var/lib/kafka/controller"
    assert controller["controller.quorum.bootstrap.servers"] == \
        "hadoop-master:9093,hadoop-slave1:9093,hadoop-slave2:9093"
    assert "controller.quorum.voters" not in controller
    assert cluster["quorum_bootstrap_servers"] == ["hadoop-master:9093", "hadoop-slave1:9093", "hadoop-slave2:9093"]


def test_controllers_serve_metrics_on_their_own_port_and_a_clash_with_a_broker_is_refused():
    cluster = model(hostvars(kafka_metrics=True))
    assert [(target["role"], target["address"]) for target in cluster["metrics_targets"]][:4] == [
        ("controller", "hadoop-master:7070"), ("controller", "hadoop-slave1:7070"),
        ("controller", "hadoop-slave2:7070"), ("broker", "hadoop-master:7071")]
    assert kafka_model_errors(cluster) == []
    clash = model(hostvars(kafka_metrics=True, kafka_controller_metrics_port=7071))
    assert any(error.startswith("kafka_controller_metrics_port on hadoop-master: 7071 is also a port of broker server")
               and "Fix:" in error for error in kafka_model_errors(clash)), kafka_model_errors(clash)


def test_brokers_in_kraft_mode_carry_no_zookeeper_setting():
    broker = model()["brokers"][1]["properties"]
    assert broker["process.roles"] == "broker"
    assert broker["node.id"] == 2
    assert "broker.id" not in broker
    assert not [key for key in broker if key.startswith("zookeeper.") or key == "broker.id.generation.enable"]
    assert broker["controller.listener.names"] == "CONTROLLER"
    assert "CONTROLLER:PLAINTEXT" in broker["listener.security.protocol.map"].split(",")
    assert broker["min.insync.replicas"] == 2


def test_a_listener_map_of_the_user_keeps_its_protocols_and_gains_the_controller():
    variables = hostvars(kafka_properties={"listener.security.protocol.map": "CLIENT:SSL,PLAINTEXT:PLAINTEXT"})
    broker = model(variables)["brokers"][0]["properties"]
    assert broker["listener.security.protocol.map"] == "CLIENT:SSL,PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"


def test_static_voters_on_request():
    cluster = model(hostvars(kafka_quorum="static"))
    for node in cluster["nodes"]:
        assert node["properties"]["controller.quorum.voters"] == \
            "1001@hadoop-master:9093,1002@hadoop-slave1:9093,1003@hadoop-slave2:9093"
        assert "controller.quorum.bootstrap.servers" not in node["properties"]


def test_a_host_taken_out_of_the_controllers_group_is_a_retired_controller():
    variables = hostvars()
    variables["hadoop-slave3"] = {"kafka_controller_id": 1004, "kafka_advertised_host": "slave3.example",
                                  "kafka_controller_port": 19093, "kafka_mode": "kraft"}
    variables["client"] = {"kafka_mode": "kraft"}
    cluster = model(variables)
    assert cluster["retired_controllers"] == [
        {"host": "hadoop-slave3", "id": 1004, "bootstrap": "slave3.example:19093"}]
    assert model()["retired_controllers"] == []
    assert kafka_cluster_model(HOSTS, hostvars(kafka_mode="zookeeper"), DEFAULTS, HOSTS, BASE, HOSTS[:2])[
        "retired_controllers"] == []


def test_a_retired_controller_whose_id_a_controller_of_the_group_took_is_refused():
    variables = hostvars()
    variables["hadoop-slave3"] = {"kafka_controller_id": 1003, "kafka_mode": "kraft"}
    errors = kafka_model_errors(model(variables, controllers=HOSTS), "kafka", "kafka_controllers")
    assert [error for error in errors if error.startswith("kafka_controller_id on hadoop-slave3: 1003 is also the id "
                                                          "of the controller on hadoop-slave2")], errors
    assert all("Fix:" in error for error in errors)
    variables["hadoop-slave3"]["kafka_controller_id"] = 1004
    assert kafka_model_errors(model(variables, controllers=HOSTS), "kafka", "kafka_controllers") == []


def test_a_controller_that_ran_here_with_an_empty_metadata_dir_is_refused_as_a_controller():
    controller = model()["controllers"][:1]
    error = kafka_host_errors(controller, {}, [], {"controller": True})[0]
    assert error.startswith("kafka_controllers metadata dir on hadoop-master: /var/lib/kafka/controller holds no")
    assert "new voter" in error
    assert "broker" not in error
    assert '"kafka_replaced_disks": [1001]' in error
    assert kafka_host_errors(controller, {}, [], {"controller": True}, [1001]) == []


def test_several_brokers_per_host_in_kraft_mode_each_have_their_own_identity():
    variables = {host: {"kafka_mode": "kraft", "kafka_controller_id": 1000 + index, "kafka_controller_port": 9193,
                        "kafka_brokers": [{"name": "server", "id": index}, {"name": "server-two", "id": 10 + index}]}
                 for index, host in enumerate(HOSTS, start=1)}
    cluster = model(variables)
    assert kafka_model_errors(cluster) == []
    brokers = cluster["brokers"]
    assert [(b["host"], b["properties"]["node.id"]) for b in brokers[:2]] == \
        [("hadoop-master", 1), ("hadoop-master", 11)]
    assert [b["properties"]["listeners"] for b in brokers[:2]] == ["PLAINTEXT://:9092", "PLAINTEXT://:9093"]
    assert [b["properties"]["log.dirs"] for b in brokers[:2]] == ["/var/lib/kafka/server", "/var/lib/kafka/server-two"]
    assert len({b["properties"]["node.id"] for b in brokers}) == 6
    for broker in brokers:
        assert broker["properties"]["process.roles"] == "broker"
        assert broker["properties"]["controller.quorum.bootstrap.servers"] == \
            "hadoop-master:9193,hadoop-slave1:9193,hadoop-slave2:9193"
    # Left at 9093, the controller port is the second broker's: refused with the way out.
    for host in variables.values():
        del host["kafka_controller_port"]
    errors = " ".join(kafka_model_errors(model(variables)))
    assert "kafka_controller_port on hadoop-master: 9093 is also a port of broker server-two" in errors
    assert "e.g. 9193" in errors


def test_zookeeper_mode_is_unchanged_by_controllers_in_the_inventory():
    variables = hostvars(kafka_mode="zookeeper")
    cluster = kafka_cluster_model(HOSTS, variables, DEFAULTS, HOSTS, BASE, HOSTS)
    assert cluster["controllers"] == []
    broker = cluster["brokers"][0]["properties"]
    assert broker["broker.id"] == 1
    assert broker["zookeeper.connect"].startswith("hadoop-master:2181")
    assert not {"process.roles", "node.id", "controller.quorum.bootstrap.servers"} & set(broker)


def test_a_fit_kraft_inventory_passes():
    assert kafka_model_errors(model()) == []


@pytest.mark.parametrize(("case", "variables", "controllers", "expected"), [
    ("no controllers", {}, [], ["group 'kafka_controllers' on all hosts", "Fix: list three hosts"]),
    ("unknown mode", {"kafka_mode": "kraf"}, HOSTS, ["kafka_mode on all hosts: 'kraf'", "Fix:"]),
    ("controller port on the broker's", {"kafka_controller_port": 9092}, HOSTS,
     ["kafka_controller_port on hadoop-master: 9092 is also a port of broker server", "Fix:"]),
    ("identity in controller properties", {"kafka_controller_properties": {"process.roles": "broker,controller"}},
     HOSTS, ["kafka_controller_properties on hadoop-master: sets process.roles", "Fix: remove"]),
    ("newline in controller properties", {"kafka_controller_properties": {"a": "1\nb=2"}}, HOSTS,
     ["kafka_controller_properties.a on hadoop-master", "control character"]),
    ("controller heap below the floor", {"kafka_controller_heap": "64m"}, HOSTS,
     ["kafka_controller_heap on hadoop-master: 64m is below", "Fix:"]),
    ("broker listening as the controller", {"kafka_brokers": [{"name": "server", "id": 1,
                                                               "listeners": "CONTROLLER://:9092"}]},
     HOSTS, ["CONTROLLER is the controllers' listener", "Fix:"]),
])
def test_kraft_inventories_that_cannot_work_are_refused(case, variables, controllers, expected):
    errors = " ".join(kafka_model_errors(model(hostvars(**variables), controllers)))
    for text in expected:
        assert text in errors, (case, errors)


def test_an_even_quorum_is_said_but_accepted():
    cluster = model(controllers=HOSTS[:2])
    assert kafka_model_errors(cluster) == []
    assert "kafka controllers: 2" in " ".join(kafka_model_warnings(cluster))


def test_controller_ids_must_not_be_broker_ids():
    variables = hostvars()
    variables["hadoop-slave2"]["kafka_controller_id"] = 1
    errors = " ".join(kafka_model_errors(model(variables)))
    assert "kafka_controller_id on hadoop-slave2: 1 is already the id of the broker on hadoop-master" in errors


def test_controller_ids_must_be_set_and_unique():
    variables = hostvars()
    del variables["hadoop-master"]["kafka_controller_id"]
    variables["hadoop-slave2"]["kafka_controller_id"] = 1002
    errors = " ".join(kafka_model_errors(model(variables)))
    assert "kafka_controller_id on hadoop-master: not set" in errors
    assert "kafka_controller_id on hadoop-slave2: 1002 is already the id of the controller on hadoop-slave1" in errors


# --- formatting -------------------------------------------------------------------------------

def meta(node_id, cluster="c1"):
    return f"node.id={node_id}\ncluster.id={cluster}\nversion=1\n"


def test_a_new_quorum_formats_every_controller_with_every_voter():
    plan = kraft_format_plan(model()["nodes"], {}, False, DIRECTORIES)
    assert plan["new_quorum"] is True
    voters = "1001@hadoop-master:9093:d1,1002@hadoop-slave1:9093:d2,1003@hadoop-slave2:9093:d3"
    controllers = [node for node in plan["nodes"] if node["role"] == "controller"]
    assert [node["flags"] for node in controllers] == [["--initial-controllers", voters]] * 3
    assert [node["flags"] for node in plan["nodes"] if node["role"] == "broker"] == [[], [], []]


def test_formatted_nodes_are_left_alone_and_a_new_controller_joins():
    files = {host: {"/var/lib/kafka/controller/meta.properties": meta(1000 + index),
                    "/var/lib/kafka/server/meta.properties": meta(index)}
             for index, host in enumerate(HOSTS[:2], start=1)}
    plan = kraft_format_plan(model()["nodes"], files, True, DIRECTORIES)
    assert plan["new_quorum"] is False
    assert [(node["host"], node["name"], node["flags"]) for node in plan["nodes"]] == [
        ("hadoop-slave2", "controller", ["--no-initial-controllers"]), ("hadoop-slave2", "server", [])]
    assert plan["nodes"][0]["joins_quorum"] is True


def test_a_formatted_controller_means_the_quorum_exists_even_when_it_is_down():
    files = {"hadoop-master": {"/var/lib/kafka/controller/meta.properties": meta(1001)}}
    plan = kraft_format_plan(model()["nodes"], files, False, DIRECTORIES)
    assert plan["new_quorum"] is False


def test_node_ids_on_disk_are_compared_with_the_inventory():
    node = model()["controllers"][0]
    errors = kafka_host_errors([node], {"/var/lib/kafka/controller/meta.properties": meta(1005)})
    assert errors
    assert errors[0].startswith("kafka_controller_id on hadoop-master (controller)")
    assert "holds node.id=1005" in errors[0]


def test_data_of_another_cluster_than_the_running_one_is_refused():
    files = {"hadoop-master": {"/var/lib/kafka/server/meta.properties": meta(1, "other")}}
    assert kafka_cluster_id_errors(files) == []
    errors = kafka_cluster_id_errors(files, "running")
    assert errors
    assert "the running cluster is running" in errors[0]
    assert "cluster other" in errors[0]


@pytest.mark.parametrize("seed", ["", "a", "seed-1", "x" * 100, "ü"])
def test_kafka_ids_are_16_bytes_in_canonical_url_safe_base64(seed):
    text = kafka_uuid(seed)
    assert len(text) == 22
    assert not text.startswith("-")
    raw = base64.urlsafe_b64decode(text + "==")
    assert len(raw) == 16
    assert base64.urlsafe_b64encode(raw).decode().rstrip("=") == text


def test_kafka_ids_differ_by_seed():
    assert len({kafka_uuid(str(number)) for number in range(200)}) == 200


# --- DescribeQuorum ---------------------------------------------------------------------------

def uvarint(value):
    return kafka_quorum_state.uvarint(value)


def replica(node_id, offset):
    directory = bytes([node_id % 256]) * 16
    return struct.pack(">i", node_id) + directory + struct.pack(">qqq", offset, -1, -1) + uvarint(0)


def response(correlation_id, leader, high_watermark, voters, observers=(), partition_error=0):
    """A DescribeQuorum v2 answer as Kafka 4 writes it: null error messages (uvarint 0) after
    each error code, and the voters' endpoints (here none) after the topics."""
    name = b"__cluster_metadata"
    partition = (struct.pack(">ih", 0, partition_error) + uvarint(0) + struct.pack(">iiq", leader, 7, high_watermark)
                 + uvarint(len(voters) + 1) + b"".join(replica(*item) for item in voters)
                 + uvarint(len(observers) + 1) + b"".join(replica(*item) for item in observers)
                 + uvarint(0))
    topic = uvarint(len(name) + 1) + name + uvarint(2) + partition + uvarint(0)
    return (struct.pack(">i", correlation_id) + uvarint(0) + struct.pack(">h", 0) + uvarint(0)
            + uvarint(2) + topic + uvarint(1) + uvarint(0))


def test_the_request_is_describe_quorum_v2_for_the_metadata_partition():
    request = kafka_quorum_state.describe_quorum_request(42)
    size, api_key, version, correlation = struct.unpack_from(">ihhi", request)
    assert (size, api_key, version, correlation) == (len(request) - 4, 55, 2, 42)
    assert b"__cluster_metadata" in request


def test_a_response_gives_the_leader_and_the_lag_of_every_voter():
    data = response(9, 1002, 500, [(1001, 500), (1002, 500), (1003, 100)], [(1, 499)])
    state = kafka_quorum_state.summarize(kafka_quorum_state.parse_describe_quorum(data, 9), max_lag=50)
    assert (state["leader"], state["epoch"], state["high_watermark"]) == (1002, 7, 500)
    assert [(voter["id"], voter["lag"], voter["caught_up"]) for voter in state["voters"]] == [
        (1001, 0, True), (1002, 0, True), (1003, 400, False)]
    assert state["observers"][0]["id"] == 1
    assert state["voters"][0]["directory_id"] == base64.urlsafe_b64encode(bytes([1001 % 256]) * 16).decode().rstrip("=")
    assert kafka_quorum_state.problems(state, [1001, 1002, 1003], None) == ["voters [1003] are behind the leader"]
    assert "no majority" in " ".join(kafka_quorum_state.problems(state, [], 1001))


@pytest.mark.parametrize("voters", [[(1001, 500)], [(1001, 500), (1002, 500)]])
def test_a_quorum_too_small_to_keep_a_majority_lets_a_caught_up_voter_restart(voters):
    """One or two voters have no majority with any of them down, however long the gate waits: a
    caught-up quorum lets the voter go (the module warns)."""
    state = kafka_quorum_state.summarize(kafka_quorum_state.parse_describe_quorum(
        response(9, 1001, 500, voters, []), 9), max_lag=50)
    assert kafka_quorum_state.problems(state, [], 1001) == []


def test_a_two_voter_quorum_still_waits_for_a_voter_behind_the_leader():
    state = kafka_quorum_state.summarize(kafka_quorum_state.parse_describe_quorum(
        response(9, 1001, 500, [(1001, 500), (1002, 100)], []), 9), max_lag=50)
    assert kafka_quorum_state.problems(state, [], 1001) == ["voters [1002] are behind the leader"]


def test_a_quorum_without_leader_or_with_a_missing_voter_is_unhealthy():
    data = response(3, -1, 10, [(1001, 10), (1002, 10)])
    state = kafka_quorum_state.summarize(kafka_quorum_state.parse_describe_quorum(data, 3), max_lag=5)
    found = kafka_quorum_state.problems(state, [1001, 1002, 1003], None)
    assert "the quorum has no leader" in found
    assert "controllers [1003] are not voters (voters: [1001, 1002])" in found


def test_a_response_to_another_request_is_refused():
    with pytest.raises(ValueError, match="does not match"):
        kafka_quorum_state.parse_describe_quorum(response(1, 1, 1, [(1, 1)]), 2)


def test_a_controller_that_is_not_the_leader_says_so():
    # partition error code 6: NOT_LEADER_OR_FOLLOWER, the answer of every controller but the leader
    data = response(4, 1002, 10, [(1001, 10)], partition_error=6)
    with pytest.raises(ValueError, match="not the quorum's leader"):
        kafka_quorum_state.parse_describe_quorum(data, 4)


def test_a_voter_that_stopped_fetching_is_not_caught_up_even_at_the_high_watermark():
    def voter(node_id, caught_up_ms):
        return {"id": node_id, "log_end_offset": 10, "last_fetch_ms": caught_up_ms, "last_caught_up_ms": caught_up_ms}

    quorum = {"leader": 1, "epoch": 3, "high_watermark": 10, "observers": [],
              "voters": [voter(1, 100_000), voter(2, 99_000), voter(3, 90_000)]}
    state = kafka_quorum_state.summarize(quorum, max_lag=5, max_lag_ms=5000)
    assert [(item["id"], item["caught_up_ms_ago"], item["caught_up"]) for item in state["voters"]] == [
        (1, 0, True), (2, 1000, True), (3, 10_000, False)]
    assert kafka_quorum_state.problems(state, [1, 2, 3], None) == ["voters [3] are behind the leader"]


def test_a_controller_that_does_not_listen_does_not_answer():
    assert kafka_quorum_state.answers("127.0.0.1:1") is False


def test_controllers_carry_the_brokers_cluster_wide_topic_defaults():
    # A KRaft controller creates topics with its own defaults and, with eligible leader replicas,
    # makes its min.insync.replicas the cluster's: without these it would be Kafka's 1.
    controller = model()["controllers"][0]["properties"]
    assert controller["min.insync.replicas"] == 2
    assert controller["default.replication.factor"] == 3
    assert controller["num.partitions"] == 3
    assert controller["unclean.leader.election.enable"] == "false"


def test_controllers_take_the_strictest_broker_value_and_their_own_setting_wins():
    variables = hostvars()
    variables["hadoop-slave2"]["kafka_host_properties"] = {"min.insync.replicas": 3, "num.partitions": 6,
                                                           "unclean.leader.election.enable": True}
    controller = model(variables)["controllers"][0]["properties"]
    assert controller["min.insync.replicas"] == 3
    assert controller["num.partitions"] == 6
    assert controller["unclean.leader.election.enable"] == "false"
    variables["hadoop-master"]["kafka_controller_properties"] = {"num.partitions": 1}
    assert model(variables)["controllers"][0]["properties"]["num.partitions"] == 1


def test_a_controller_setting_that_weakens_the_brokers_durability_is_refused():
    variables = hostvars()
    variables["hadoop-slave1"]["kafka_controller_properties"] = {"min.insync.replicas": 1,
                                                                 "unclean.leader.election.enable": "true"}
    errors = " ".join(kafka_model_errors(model(variables)))
    assert "kafka_controller_properties.min.insync.replicas on hadoop-slave1: 1 is below the brokers' 2" in errors
    assert "kafka_controller_properties.unclean.leader.election.enable on hadoop-slave1: true" in errors
    # Stricter than the brokers, or the same, is the operator's choice.
    variables["hadoop-slave1"]["kafka_controller_properties"] = {"min.insync.replicas": 3,
                                                                 "unclean.leader.election.enable": False}
    assert kafka_model_errors(model(variables)) == []


@pytest.mark.parametrize("setting", [{"min.insync.replicas": "abc"}, {"min.insync.replicas": 0},
                                     {"default.replication.factor": "3.0"}, {"num.partitions": True},
                                     {"unclean.leader.election.enable": "yes"}])
def test_a_controller_setting_kafka_cannot_read_is_refused(setting):
    variables = hostvars()
    variables["hadoop-slave2"]["kafka_controller_properties"] = setting
    errors = kafka_model_errors(model(variables))
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"kafka_controller_properties.{next(iter(setting))} on hadoop-slave2: ")
    assert "Fix: remove it from kafka_controller_properties" in errors[0]


def test_the_clusters_min_insync_replicas_is_the_controllers_default():
    variables = hostvars()
    variables["hadoop-slave2"]["kafka_host_properties"] = {"min.insync.replicas": 3}
    cluster = model(variables)
    assert cluster["min_insync_replicas"] == cluster["controllers"][0]["properties"]["min.insync.replicas"] == 3


CONTROLLERS = [{"id": 1001, "host": "a"}, {"id": 1002, "host": "b"}, {"id": 1003, "host": "c"}]


def quorum(*voters):
    return {"reachable": True, "voters": [{"id": voter} for voter in voters]}


def test_a_quorum_that_matches_the_inventory_changes_nothing():
    assert kraft_voter_changes(CONTROLLERS, quorum(1001, 1002, 1003)) == \
        {"add": [], "remove": [], "errors": []}


def test_without_a_running_quorum_there_is_nothing_to_compare():
    assert kraft_voter_changes(CONTROLLERS, {"reachable": False})["add"] == []
    assert kraft_voter_changes(CONTROLLERS, None)["errors"] == []


def test_one_new_controller_is_added():
    changes = kraft_voter_changes([*CONTROLLERS, {"id": 1004, "host": "d"}], quorum(1001, 1002, 1003))
    assert changes == {"add": [1004], "remove": [], "errors": []}


def test_two_new_controllers_are_refused_naming_the_first_to_add():
    changes = kraft_voter_changes(CONTROLLERS, quorum(1001))
    assert changes["add"] == []
    assert "one at a time" in changes["errors"][0]
    assert "add only 1002 (b)" in changes["errors"][0]


def test_a_static_quorum_changes_no_voter():
    changes = kraft_voter_changes(CONTROLLERS, quorum(1001, 1002), quorum_mode="static")
    assert changes["add"] == []
    assert "static quorum" in changes["errors"][0]
    assert "[1003]" in changes["errors"][0]


def test_one_voter_missing_from_the_inventory_is_removed_with_its_directory_id():
    found = {"reachable": True, "voters": [{"id": 1001, "directory_id": "a"}, {"id": 1002, "directory_id": "b"},
                                           {"id": 1003, "directory_id": "c"}]}
    assert kraft_voter_changes(CONTROLLERS[:2], found) == {
        "add": [], "remove": [{"id": 1003, "directory_id": "c"}], "errors": []}


def test_two_voters_missing_are_refused_naming_the_first_to_remove():
    changes = kraft_voter_changes(CONTROLLERS[:1], quorum(1001, 1002, 1003))
    assert changes["remove"] == []
    assert "take only 1002 out" in changes["errors"][0]


def test_adding_and_removing_in_one_run_is_refused():
    changes = kraft_voter_changes([*CONTROLLERS[:2], {"id": 1004, "host": "d"}], quorum(1001, 1002, 1003))
    assert changes["add"] == []
    assert changes["remove"] == []
    assert "one voter per run" in changes["errors"][0]
