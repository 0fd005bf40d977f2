"""A changed ZooKeeper property restarts the nodes one at a time, followers first and the
leader last, with quorum after every restart; never two nodes down at once."""

import json

from scenario_support import group, host, process_started, recap, run_playbook, task_results, zookeeper_mode

NODES = group("zookeeper")
SAMPLES = "/root/zk-samples.jsonl"
# Polls every node's mode five times a second while the playbook runs; stops by itself.
SAMPLER = """
import json, os, socket, time
nodes = {nodes}
deadline = time.time() + 300
with open("{out}", "w") as out:
    while time.time() < deadline and not os.path.exists("{out}.stop"):
        modes = {{}}
        for node in nodes:
            try:
                with socket.create_connection((node, 2181), 1) as s:
                    s.sendall(b"srvr")
                    reply = s.makefile().read()
                modes[node] = next((l[6:] for l in reply.splitlines() if l.startswith("Mode:")), "not serving")
            except OSError:
                modes[node] = "down"
        out.write(json.dumps(modes) + "\\n")
        out.flush()
        time.sleep(0.2)
"""


def test_changed_property_restarts_one_node_at_a_time_leader_last():
    leader = next(name for name in NODES if zookeeper_mode(host(name)) == "leader")
    before = {name: process_started(host(name), "zookeeper") for name in NODES}
    sampler = host(NODES[0])
    script = SAMPLER.format(nodes=json.dumps(NODES), out=SAMPLES)
    sampler.run(f"rm -f {SAMPLES}.stop; nohup python3 -c '{script}' >/dev/null 2>&1 &")
    try:
        result = run_playbook("zookeeper.yml", "--extra-vars", '{"zookeeper_properties": {"maxClientCnxns": 100}}',
                              env={"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"})
    finally:
        sampler.run(f"touch {SAMPLES}.stop")
    assert result.returncode == 0, result.stdout[-3000:]
    after = {name: process_started(host(name), "zookeeper") for name in NODES}
    assert all(after[name] > before[name] for name in NODES), "every node has the new setting only after a restart"

    log = task_results(result.stdout, "show each node's mode after each restart")[0]["msg"]
    order = [entry["restarted"] for entry in log]
    print(f"\nrestart order {order} (leader before: {leader})")
    for entry in log:
        print(f"  after restarting {entry['restarted']}: {entry['modes']}")
        assert sorted(entry["modes"].values()) == ["follower", "follower", "leader"], entry
    assert sorted(order) == NODES
    assert order[-1] == leader, "the leader must be restarted last"

    samples = [json.loads(line) for line in sampler.file(SAMPLES).content_string.splitlines() if line]
    assert len(samples) > 10
    worst = max(sum(mode == "down" for mode in sample.values()) for sample in samples)
    print(f"  {len(samples)} samples of every node's mode; at most {worst} node down at a time")
    assert worst <= 1, "two nodes were down at the same time"

    again = run_playbook("zookeeper.yml", "--extra-vars", '{"zookeeper_properties": {"maxClientCnxns": 100}}')
    assert all(counters["changed"] == 0 for counters in recap(again.stdout).values())
