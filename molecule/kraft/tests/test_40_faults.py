"""Faults in KRaft mode under acks=all load (replication factor 3, min.insync.replicas 2): the
quorum's leader (the active controller) SIGKILLed, then a partition's leader broker SIGKILLed.
Each reports messages acknowledged, lost (must be 0), the longest acknowledgement stall and the
time until the quorum (or the ISR) is whole again; systemd brings the killed process back."""

import time

from scenario_support import (
    cluster_state,
    group,
    host,
    hostvars,
    plot_run,
    process_started,
    run_module,
    start_verifier,
    wait_verifier,
)

BOOTSTRAP = "hadoop-master:9092,hadoop-slave1:9092,hadoop-slave2:9092"
QUORUM = "hadoop-master:9093,hadoop-slave1:9093,hadoop-slave2:9093"


def client():
    return host("hadoop-master")


def quorum(timeout=0):
    return run_module(client(), "kafka_quorum_state", {"bootstrap": QUORUM.split(","), "timeout": timeout})


def host_of(node_id, key):
    return next(name for name in group("kafka") if hostvars(name)[key] == node_id)


def killed_and_back(name, unit):
    target = host(name)
    started = process_started(target, unit)
    killed_at = time.monotonic()
    target.check_output(f"systemctl kill -s SIGKILL {unit}")
    deadline = killed_at + 120
    while process_started(target, unit) == started and time.monotonic() < deadline:
        time.sleep(1)
    return killed_at


def run_under_load(name, fault):
    state = cluster_state(client(), BOOTSTRAP, expect="1,2,3", in_sync=True, timeout=180)
    assert not state.get("failed"), state.get("msg")
    start_verifier(client(), name, "--bootstrap-servers", BOOTSTRAP, "--topic-prefix", f"kraft-{name}",
                   "--topics", "1", "--partitions", "6", "--duration", "60", "--rate", "200",
                   "--consume-timeout", "120", "--settle", "180")
    time.sleep(5)
    fault_from = time.time()
    details = fault()
    fault_until = time.time()
    rc, report = wait_verifier(client(), name, timeout=500)
    plot_run(report, f"kraft-fault-{name}", [(name, fault_from, fault_until)])
    print(f"\nkraft {name}: {report.get('counts')}, longest ack stall {report.get('longest_ack_stall_s')} s, "
          f"readers replaced {report.get('readers_replaced')}, {details}")
    assert rc == 0, report.get("reason")
    assert report["counts"]["lost"] == 0
    assert report["counts"]["unavailable"] == 0
    assert report["counts"]["duplicated"] == 0
    return report, details


def test_sigkill_the_active_controller():
    def fault():
        leader = quorum(60)["leader"]
        killed_at = killed_and_back(host_of(leader, "kafka_controller_id"), "kafka@controller")
        after = quorum(120)
        assert not after.get("failed"), after.get("msg")
        return {"killed_controller": leader, "new_leader": after["leader"],
                "quorum_whole_after_s": round(time.monotonic() - killed_at, 1)}

    _, details = run_under_load("controller", fault)
    assert details["new_leader"] in (1001, 1002, 1003)


def test_sigkill_a_partition_leader_broker():
    def fault():
        described = client().check_output(f"kafka-topics.sh --bootstrap-server {BOOTSTRAP} --describe "
                                          "--topic kraft-broker-1")
        line = next(line for line in described.splitlines() if "Partition: 0" in line)
        leader = int(line.split("Leader: ")[1].split()[0])
        killed_at = killed_and_back(host_of(leader, "kafka_broker_id"), "kafka@server")
        state = cluster_state(client(), BOOTSTRAP, expect="1,2,3", in_sync=True, timeout=180)
        assert not state.get("failed"), state.get("msg")
        return {"killed_broker": leader, "isr_full_after_s": round(time.monotonic() - killed_at, 1)}

    report, _ = run_under_load("broker", fault)
    # A KRaft broker is fenced after broker.session.timeout.ms (9 s), where ZooKeeper mode waits for
    # its 18 s session timeout.
    assert report["longest_ack_stall_s"] < 18
