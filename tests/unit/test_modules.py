"""The project's Ansible modules, on constructed input and through Ansible's module interface."""

import ast
import grp
import json
import os
import pwd
import socket
import struct
import subprocess
import sys

import kafka_cluster_defaults
import kafka_cluster_state
import pytest
import unit_records
import yaml
import zookeeper_ensemble
from conftest import ROOT

MODULES = ROOT / "plugins" / "modules"


def run_module(name, args, tmp_path, path=None):
    args_file = tmp_path / f"{name}.json"
    args_file.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    # Outside Ansible a module finds the project's module_utils the way the unit tests import them.
    env = {**os.environ, "PYTHONPATH": str(ROOT / "plugins" / "module_utils")}
    if path:
        env["PATH"] = f"{path}:{env['PATH']}"
    result = subprocess.run([sys.executable, str(MODULES / f"{name}.py"), str(args_file)], capture_output=True,
                            text=True, check=False, env=env)
    return json.loads(result.stdout)


# --- kafka_cluster_state: a Metadata v5 response built by hand ----------------------------

def string(text):
    if text is None:
        return struct.pack(">h", -1)
    return struct.pack(">h", len(text)) + text.encode()


def array(items, encode):
    return struct.pack(">i", len(items)) + b"".join(encode(item) for item in items)


def metadata_response(correlation_id, brokers, controller, topics):
    def broker(b):
        return struct.pack(">i", b[0]) + string(b[1]) + struct.pack(">i", b[2]) + string(None)

    def partition(p):
        index, leader, replicas, isr = p
        ints = lambda values: array(values, lambda v: struct.pack(">i", v))  # noqa: E731
        return struct.pack(">hii", 0, index, leader) + ints(replicas) + ints(isr) + ints([])

    def topic(t):
        name, partitions = t
        return struct.pack(">h", 0) + string(name) + struct.pack(">b", 0) + array(partitions, partition)

    return (struct.pack(">ii", correlation_id, 0) + array(brokers, broker) + string("cluster-x")
            + struct.pack(">i", controller) + array(topics, topic))


def test_metadata_request_is_well_formed():
    request = kafka_cluster_state.metadata_request(7)
    size, api_key, version, correlation = struct.unpack(">ihhi", request[:12])
    assert (api_key, version, correlation) == (3, 5, 7)
    assert size == len(request) - 4


def test_parse_and_summarize_a_healthy_cluster():
    data = metadata_response(7, [(1, "a", 9092), (2, "b", 9092), (3, "c", 9092)], 2,
                             [("t", [(0, 1, [1, 2, 3], [1, 2, 3]), (1, 2, [2, 3, 1], [2, 3, 1])])])
    state = kafka_cluster_state.summarize(kafka_cluster_state.parse_metadata(data, 7), None, 2)
    assert state["brokers"] == [1, 2, 3]
    assert state["controller"] == 2
    assert state["cluster_id"] == "cluster-x"
    assert state["partitions"] == 2
    assert kafka_cluster_state.problems(state, [1, 2, 3], True) == []


def test_missing_broker_offline_and_under_replicated_are_problems():
    data = metadata_response(1, [(1, "a", 9092), (2, "b", 9092)], -1,
                             [("t", [(0, -1, [3], []), (1, 1, [1, 2, 3], [1, 2])])])
    state = kafka_cluster_state.summarize(kafka_cluster_state.parse_metadata(data, 1), None, 2)
    found = kafka_cluster_state.problems(state, [1, 2, 3], True)
    assert any("[3] are not registered" in p for p in found)
    assert "no active controller" in found
    assert any("offline: t-0" in p for p in found)
    assert any("under-replicated: t-0, t-1" in p for p in found)


def test_stopping_a_broker_that_would_leave_too_few_in_sync_replicas():
    data = metadata_response(1, [(1, "a", 1), (2, "b", 1), (3, "c", 1)], 1,
                             [("t", [(0, 1, [1, 2, 3], [1, 2, 3])]), ("single", [(0, 2, [2], [2])])])
    metadata = kafka_cluster_state.parse_metadata(data, 1)
    assert kafka_cluster_state.summarize(metadata, 1, 2)["at_risk"] == []
    assert kafka_cluster_state.summarize(metadata, 2, 2)["at_risk"] == ["single-0 (isr [2])"]


def test_a_response_to_another_request_is_refused():
    with pytest.raises(ValueError, match="does not match"):
        kafka_cluster_state.parse_metadata(metadata_response(8, [], 1, []), 7)


# --- zookeeper_ensemble --------------------------------------------------------------------

@pytest.mark.parametrize(("modes", "healthy", "leader"), [
    ({"1": "follower", "2": "leader", "3": "follower"}, True, 2),
    ({"1": "standalone"}, True, 1),
    ({"1": "follower", "2": "follower", "3": "unreachable (refused)"}, False, None),
    ({"1": "leader", "2": "leader", "3": "follower"}, False, None),
    ({"1": "follower", "2": "leader", "3": "not serving (no quorum)"}, False, 2),
])
def test_ensemble_assessment(modes, healthy, leader):
    assert zookeeper_ensemble.assess(modes) == (healthy, leader)


def test_mode_of_an_unreachable_node():
    assert zookeeper_ensemble.mode_of("127.0.0.1", 1).startswith("unreachable")


# --- unit_state ----------------------------------------------------------------------------

def test_newest_input_ignores_missing_files_and_does_not_follow_links(tmp_path):
    old, new = tmp_path / "old", tmp_path / "new"
    old.write_text("a")
    new.write_text("b")
    os.utime(old, (1000, 1000))
    os.utime(new, (2000, 2000))
    link = tmp_path / "link"
    link.symlink_to(new)
    os.utime(link, (1500, 1500), follow_symlinks=False)
    path, mtime = unit_records.newest_input([str(old), str(link), str(tmp_path / "missing")])
    assert (path, mtime) == (str(link), 1500)


def test_process_start_ticks_of_this_process_and_of_none():
    assert unit_records.process_start_ticks(os.getpid()) > 0
    assert unit_records.process_start_ticks(2**22 + 12345) is None


def test_inputs_digest_follows_content_and_link_targets_not_times(tmp_path):
    config = tmp_path / "server.properties"
    config.write_text("a=1\n")
    link = tmp_path / "home"
    link.symlink_to("/opt/kafka_2.13-3.9.1")
    paths = [str(config), str(link), str(tmp_path / "missing")]
    first = unit_records.inputs_digest(paths)
    os.utime(config, (5, 5))
    assert unit_records.inputs_digest(paths) == first
    config.write_text("a=2\n")
    assert unit_records.inputs_digest(paths) != first
    config.write_text("a=1\n")
    link.unlink()
    link.symlink_to("/opt/kafka_2.13-3.9.2")
    assert unit_records.inputs_digest(paths) != first


@pytest.fixture
def running_unit(tmp_path, monkeypatch):
    """A fake active unit whose process started at tick 1000 of boot 'b1', one hour after boot."""
    config = tmp_path / "zoo.cfg"
    config.write_text("tickTime=2000\n")
    monkeypatch.setattr(unit_records, "systemctl_show", lambda unit: {
        "ActiveState": "active", "UnitFileState": "enabled", "MainPID": "42", "LoadState": "loaded"})
    monkeypatch.setattr(unit_records, "process_start_ticks", lambda pid: 1000)
    monkeypatch.setattr(unit_records, "boot_time", lambda: 0.0)
    monkeypatch.setattr(os, "sysconf", lambda name: 100)
    os.utime(config, (5, 5))  # before the process started (tick 1000 = 10 s after boot)
    return {"name": "zookeeper.service", "inputs": [str(config)]}, config, tmp_path / "records"


def describe(unit, records, record=False):
    return unit_records.describe(unit, str(records), record, False, "b1")


def test_a_process_without_record_is_judged_by_file_times_once_and_then_recorded(running_unit):
    unit, _config, records = running_unit
    result = describe(unit, records)
    assert (result["judged_by"], result["stale"]) == ("file times", False)
    assert unit_records.read_record(str(records), "zookeeper.service")["digest"] == result["digest"]


def test_touching_an_input_restarts_nothing_and_a_clock_step_changes_nothing(running_unit, monkeypatch):
    unit, config, records = running_unit
    describe(unit, records)
    os.utime(config, (10**10, 10**10))
    monkeypatch.setattr(unit_records, "boot_time", lambda: 10.0**9)
    result = describe(unit, records)
    assert (result["judged_by"], result["stale"]) == ("digest", False)


def test_a_changed_input_makes_the_unit_stale_until_it_restarts(running_unit, monkeypatch):
    unit, config, records = running_unit
    describe(unit, records)
    config.write_text("tickTime=3000\n")
    assert describe(unit, records)["stale"] is True
    assert describe(unit, records)["stale"] is True, "a stale unit stays stale, its record untouched"
    monkeypatch.setattr(unit_records, "process_start_ticks", lambda pid: 2000)
    assert describe(unit, records, record=True)["stale"] is False
    assert describe(unit, records)["judged_by"] == "digest"
    assert describe(unit, records)["stale"] is False


def test_a_change_of_a_volatile_key_alone_restarts_nothing(running_unit):
    unit, config, records = running_unit
    config.write_text("node.id=1\ncontroller.quorum.bootstrap.servers=a:9093\n")
    unit = {**unit, "volatile_keys": ["controller.quorum.bootstrap.servers"]}
    describe(unit, records, record=True)
    config.write_text("node.id=1\ncontroller.quorum.bootstrap.servers = a:9093,b:9093\n")
    result = describe(unit, records)
    assert (result["judged_by"], result["stale"]) == ("digest", False)
    assert "volatile_keys" not in result
    config.write_text("node.id=2\ncontroller.quorum.bootstrap.servers=a:9093,b:9093\n")
    assert describe(unit, records)["stale"] is True, "any other line still counts"


def test_a_record_of_the_whole_content_is_still_accepted_and_then_rewritten(running_unit):
    # Records written before volatile keys were left out hold the digest of the whole content:
    # the unchanged process must not restart when volatile keys are first passed.
    unit, config, records = running_unit
    config.write_text("node.id=1\ncontroller.quorum.bootstrap.servers=a:9093\n")
    describe(unit, records, record=True)
    volatile = {**unit, "volatile_keys": ["controller.quorum.bootstrap.servers"]}
    assert describe(volatile, records)["stale"] is False
    assert unit_records.read_record(str(records), "zookeeper.service")["digest"] == \
        unit_records.inputs_digest(unit["inputs"], volatile["volatile_keys"])


def test_a_file_changed_after_an_unrecorded_start_is_stale(running_unit):
    unit, config, records = running_unit
    os.utime(config, (50, 50))
    assert describe(unit, records)["stale"] is True
    assert unit_records.read_record(str(records), "zookeeper.service") == {}


# --- host_probe and config_files through the module interface -------------------------------

def test_host_probe_reads_and_stats_without_changing_anything(tmp_path):
    (tmp_path / "myid").write_text("3\n")
    (tmp_path / "dir").mkdir(mode=0o750)
    result = run_module("host_probe", {"read": [str(tmp_path / "myid"), str(tmp_path / "none")],
                                       "stat": [str(tmp_path / "dir"), str(tmp_path / "none")],
                                       "users": ["root", "no-such-user-here"]}, tmp_path)
    assert result["changed"] is False
    assert result["files"] == {str(tmp_path / "myid"): "3\n", str(tmp_path / "none"): None}
    assert result["paths"][str(tmp_path / "dir")]["isdir"] is True
    assert result["paths"][str(tmp_path / "dir")]["mode"] == "0750"
    assert result["paths"][str(tmp_path / "none")] == {"exists": False}
    assert result["users"] == {"root": True, "no-such-user-here": False}
    assert result["mem_total_mb"] > 0


def test_host_probe_brings_back_only_the_keys_asked_for(tmp_path):
    props = tmp_path / "server.properties"
    props.write_text("# process.roles=controller\nprocess.roles=broker\nssl.key.password=s3cret\n"
                     "sasl.jaas.config=Login \\\n  password=\"s3cret\";\n  node.id : 1\nnode.id.extra=2\n")
    result = run_module("host_probe", {"read_keys": [str(props), str(tmp_path / "none")],
                                       "keys": ["process.roles", "node.id"]}, tmp_path)
    assert result["files"] == {str(props): "process.roles=broker\n  node.id : 1\n", str(tmp_path / "none"): None}


def test_config_files_writes_only_what_differs(tmp_path):
    owner = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    same, other = tmp_path / "same.cfg", tmp_path / "other.cfg"
    same.write_text("a=1\n")
    os.chmod(same, 0o640)
    os.utime(same, (1000, 1000))
    files = [{"path": str(same), "content": "a=1\n", "owner": owner, "group": group, "mode": "0640"},
             {"path": str(other), "content": "b=2\n", "owner": owner, "group": group, "mode": "0600"}]
    result = run_module("config_files", {"files": files}, tmp_path)
    assert result["changed"] is True
    assert result["changed_files"] == [str(other)]
    assert other.read_text() == "b=2\n"
    assert oct(other.stat().st_mode & 0o777) == "0o600"
    assert same.stat().st_mtime == 1000
    again = run_module("config_files", {"files": files}, tmp_path)
    assert again["changed"] is False
    assert (again["units"], again["stale"], again["need_daemon_reload"]) == ([], [], False)


def test_config_files_reports_the_state_of_the_units_that_read_the_files(tmp_path):
    """One round trip writes the files and then reads the units, so the state reflects the new files."""
    owner = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    systemctl = fake_bin / "systemctl"
    systemctl.write_text("#!/bin/sh\nprintf 'ActiveState=inactive\\nUnitFileState=disabled\\nMainPID=0\\n"
                         "NeedDaemonReload=yes\\nLoadState=loaded\\n'\n")
    systemctl.chmod(0o755)
    config = tmp_path / "zoo.cfg"
    files = [{"path": str(config), "content": "tickTime=2000\n", "owner": owner, "group": group, "mode": "0640"}]
    units = [{"name": "zookeeper.service", "inputs": [str(config)], "instance": "zk"}]
    result = run_module("config_files", {"files": files, "units": units, "record_dir": str(tmp_path / "records")},
                        tmp_path, path=fake_bin)
    assert result["changed_files"] == [str(config)]
    [unit] = result["units"]
    assert (unit["name"], unit["instance"]) == ("zookeeper.service", "zk")
    assert (unit["active"], unit["enabled"]) == (False, False)
    assert unit["digest"] == unit_records.inputs_digest([str(config)])
    assert (result["stale"], result["need_daemon_reload"]) == ([], True)
    assert not (tmp_path / "records").exists(), "a stopped unit gets no record"


def test_a_broker_that_still_holds_replicas_is_reported():
    data = metadata_response(1, [(1, "a", 1), (2, "b", 1), (4, "d", 1)], 1,
                             [("t", [(0, 1, [1, 4], [1, 4]), (1, 2, [2, 1], [2, 1])])])
    metadata = kafka_cluster_state.parse_metadata(data, 1)
    assert kafka_cluster_state.summarize(metadata, None, 1, 4)["held"] == ["t-0"]
    assert kafka_cluster_state.summarize(metadata, None, 1, 2)["held"] == ["t-1"]
    assert kafka_cluster_state.summarize(metadata, None, 1, 3)["held"] == []


# --- kafka_cluster_state: forwarding through every broker ---------------------------------

def test_the_forwarding_probe_is_a_validate_only_create_topics():
    request = kafka_cluster_state.create_topics_probe(9, 5000)
    (size,) = struct.unpack_from(">i", request)
    assert size == len(request) - 4
    api, version, correlation = struct.unpack_from(">hhi", request, 4)
    assert (api, version, correlation) == (19, 4, 9)
    # The request ends with the timeout and validate_only = true.
    assert struct.unpack(">ib", request[-5:]) == (5000, 1)
    assert kafka_cluster_state.PROBE_TOPIC.encode() in request


def create_topics_response(correlation_id, code):
    return struct.pack(">ii", correlation_id, 0) + array([("probe", code)], lambda t: string(t[0]) + struct.pack(
        ">h", t[1]) + string(None))


@pytest.fixture
def broker_stub():
    """A local socket that answers one CreateTopics with a chosen error code, or never answers."""
    import socket
    import threading

    servers = []

    def start(code):
        server = socket.create_server(("127.0.0.1", 0))
        servers.append(server)

        def serve():
            conn, _ = server.accept()
            with conn:
                (size,) = struct.unpack(">i", conn.recv(4))
                request = conn.recv(size)
                (correlation,) = struct.unpack_from(">i", request, 4)
                if code is None:
                    conn.recv(1)  # hangs until the client gives up, like a stuck forwarding channel
                    return
                response = create_topics_response(correlation, code)
                conn.sendall(struct.pack(">i", len(response)) + response)

        threading.Thread(target=serve, daemon=True).start()
        return {"id": len(servers), "host": "127.0.0.1", "port": server.getsockname()[1]}

    yield start
    for server in servers:
        server.close()


def test_brokers_that_do_not_reach_the_controller_are_named(broker_stub):
    answering, exists, stuck, refusing = broker_stub(0), broker_stub(36), broker_stub(None), broker_stub(41)
    found = kafka_cluster_state.not_forwarding({"brokers": [answering, exists, stuck, refusing]}, timeout=0.2)
    assert [line.split(":")[0] for line in found] == ["3 127.0.0.1", "4 127.0.0.1"]
    assert "no answer" in found[0]
    assert found[1].endswith("error code 41")
    state = {"brokers": [1, 2, 3, 4], "controller": 1, "offline": [], "under_replicated": [], "not_forwarding": found}
    assert "restart those brokers one at a time" in kafka_cluster_state.problems(state, [1, 2, 3, 4], True)[0]


# --- kafka_cluster_defaults: DescribeConfigs v1 / IncrementalAlterConfigs v0 by hand --------

def describe_configs_response(correlation_id, configs, code=0):
    def entry(config):
        name, value, source = config
        return string(name) + string(value) + struct.pack(">bbb", 0, source, 0) + struct.pack(">i", 0)

    result = struct.pack(">h", code) + string(None) + struct.pack(">b", 4) + string("") + array(configs, entry)
    return struct.pack(">ii", correlation_id, 0) + array([result], lambda item: item)


def test_only_values_set_on_the_cluster_wide_entity_count():
    data = describe_configs_response(5, [("min.insync.replicas", "1", 3), ("num.partitions", "3", 4)])
    assert kafka_cluster_defaults.parse_describe(data, 5) == {"min.insync.replicas": "1"}
    with pytest.raises(ValueError, match="error 42"):
        kafka_cluster_defaults.parse_describe(describe_configs_response(5, [], code=42), 5)


def test_a_missing_or_different_default_is_set_and_an_equal_one_left_alone():
    wanted = {"min.insync.replicas": "2"}
    assert kafka_cluster_defaults.differences({"min.insync.replicas": "1"}, wanted) == \
        {"min.insync.replicas": {"old": "1", "new": "2"}}
    assert kafka_cluster_defaults.differences({}, wanted) == {"min.insync.replicas": {"old": None, "new": "2"}}
    assert kafka_cluster_defaults.differences({"min.insync.replicas": "2"}, wanted) == {}


def test_the_alter_request_sets_the_cluster_wide_broker_entity():
    request = kafka_cluster_defaults.alter_request(3, {"min.insync.replicas": "2"})
    assert struct.unpack_from(">ihhi", request) == (len(request) - 4, 44, 0, 3)
    body = request[4 + 8 + 2 + len("kafka-toolkit"):]
    # one resource: BROKER (4) with the empty name, one config SET (0) to "2", validate_only false
    assert body == struct.pack(">ibh", 1, 4, 0) + struct.pack(">i", 1) + string("min.insync.replicas") + \
        struct.pack(">b", 0) + string("2") + struct.pack(">b", 0)


def test_cluster_defaults_that_cannot_be_read_name_the_brokers_and_the_fix(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run_module("kafka_cluster_defaults", {"bootstrap": [f"127.0.0.1:{port}"],
                                                   "settings": {"min.insync.replicas": 2}}, tmp_path)
    assert result["failed"]
    assert result["msg"].startswith("cluster-wide broker defaults (min.insync.replicas) could not be read or set")
    assert f"brokers at 127.0.0.1:{port} run and answer" in result["msg"]
    assert "Fix:" in result["msg"]


# --- every module's documentation is what ansible-doc can show -------------------------------

def text_fields(node, path=""):
    """Every description and short_description in a documentation tree, with where it is."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("description", "short_description"):
                yield f"{path}.{key}", value
            yield from text_fields(value, f"{path}.{key}")


@pytest.mark.parametrize("path", sorted(MODULES.glob("*.py")), ids=lambda path: path.stem)
def test_documentation_parses_and_every_description_is_text(path):
    blocks = {node.targets[0].id: node.value.value for node in ast.parse(path.read_text()).body
              if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") in ("DOCUMENTATION", "RETURN")}
    assert "DOCUMENTATION" in blocks, f"{path.name} has no DOCUMENTATION"
    for name, text in blocks.items():
        tree = yaml.safe_load(text)  # a ": " inside a plain sentence fails here, or turns it into a mapping below
        for where, value in text_fields(tree, name):
            items = value if isinstance(value, list) else [value]
            assert all(isinstance(item, str) for item in items), f"{path.name} {where} is not text: {value!r}"
