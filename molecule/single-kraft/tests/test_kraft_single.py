"""Kafka 4.4.0 deployed fresh in KRaft mode on one host, its controller a role of broker 'server'
(kafka_controller_combined, the one node of Kafka's quickstart), every listener on TLS
(kafka_security: tls): every feature finalized at the level the release maps to (kraft.version 1:
the quorum is dynamic); playbooks/rolling-restart.yml under acks=all load restarts each node once,
one at a time, the quorum's leader (server) last, with nothing acknowledged lost; a certificate
due for renewal is re-issued by a re-run, which rolls every node the same way, its key never
printed. The listeners' refusals are the shared suite's (tests/single_host_suite.py)."""

import itertools
import time

from scenario_support import (
    assert_nothing_lost,
    client_args,
    features,
    host,
    hostvars,
    plot_run,
    process_started,
    recap,
    run_playbook,
    start_verifier,
    stop_began,
    stop_verifier,
    wait_verifier,
)

BOOTSTRAP = "hadoop-master:9092,hadoop-master:9093,hadoop-master:9094"
UNITS = ["kafka@server", "kafka@server-one", "kafka@server-two"]
CLIENT = client_args("hadoop-master")
CA_DIR = hostvars("hadoop-master")["kafka_tls_ca_dir"]


def test_a_fresh_deploy_finalizes_every_feature_at_the_releases_level():
    client = host("hadoop-master")
    # "metadata.version=33 (4.4-IV2)", "kraft.version=1", ...: what the installed release maps to.
    mapping = client.check_output(f"kafka-features.sh --bootstrap-server {BOOTSTRAP} {' '.join(CLIENT)} "
                                  "version-mapping")
    expected = dict(line.split("=", 1) for line in mapping.split() if "=" in line)
    expected["metadata.version"] = mapping.split("(")[1].split(")")[0]
    finalized = features(client, BOOTSTRAP, *CLIENT)
    print(f"\nthe release maps to {expected}; finalized: {finalized}")
    assert expected["metadata.version"].startswith("4.4-")
    assert expected["kraft.version"] == "1"
    assert {name: finalized.get(name) for name in expected} == expected


def roll_under_load(name, playbook, *args):
    """Run a playbook that restarts every node while the verifier writes with acks=all; check that
    each node restarted once, one at a time, the quorum's leader (server) last, and nothing
    acknowledged was lost. Returns the playbook's result."""
    client = host("hadoop-master")
    before = {unit: process_started(client, unit) for unit in UNITS}
    start_verifier(client, name, "--bootstrap-servers", BOOTSTRAP, *CLIENT, "--topic-prefix", name, "--topics", "1",
                   "--partitions", "6", "--duration", "600", "--rate", "200", "--consume-timeout", "120",
                   "--settle", "180")
    time.sleep(5)
    began = time.time()
    result = run_playbook(playbook, *args)
    ended = time.time()
    time.sleep(5)
    stop_verifier(client, name)
    assert result.returncode == 0, result.stdout[-3000:]
    after = {unit: process_started(client, unit) for unit in UNITS}
    print(f"\n{playbook}: {ended - began:.0f} s; restarted (monotonic us): {after}")
    assert all(after[unit] > before[unit] for unit in UNITS), (before, after)
    # The quorum's leader last; each asked to stop only once the one before was running again, and
    # started once.
    order = sorted(UNITS, key=after.get)
    assert order[-1] == "kafka@server", order
    for previous, unit in itertools.pairwise(order):
        assert stop_began(client, unit) > after[previous], f"{unit} stopped before {previous} was back"
    for unit in UNITS:
        starts = client.check_output(f"journalctl -u {unit} --since @{int(began)} -o cat | grep -c '^Started' || true")
        assert starts == "1", f"{unit} started {starts} times during the rolling restart"
    rc, report = wait_verifier(client, name, timeout=600)
    plot_run(report, f"single-kraft-{name}", [(playbook, began, ended)])
    assert_nothing_lost(rc, report, f"single KRaft host, every node restarted under load by {playbook}")
    return result


def test_a_rolling_restart_under_load_restarts_each_node_once_the_quorum_leader_last():
    roll_under_load("rolling", "rolling-restart.yml")


def test_a_certificate_due_for_renewal_is_reissued_and_every_node_rolled_without_loss():
    client = host("hadoop-master")
    before = client.check_output("openssl x509 -in /etc/kafka/tls/host.pem -noout -serial")
    # Renew when fewer than 400 days are left: every certificate of 365 days is due.
    result = roll_under_load("renewal", "cluster.yml", "--diff", "-e", "kafka_tls_renew_days=400")
    after = client.check_output("openssl x509 -in /etc/kafka/tls/host.pem -noout -serial")
    assert after != before
    served = client.check_output("openssl s_client -connect hadoop-master:9093 -CAfile /etc/kafka/tls/ca.crt "
                                 "</dev/null 2>/dev/null | openssl x509 -noout -serial")
    assert served == after, "the broker still serves the old certificate"
    output = result.stdout + result.stderr
    assert "PRIVATE KEY" not in output, "a key reached the playbook's output"
    assert "PRIVATE KEY" not in client.check_output("cat /etc/kafka/*.properties /etc/kafka/*.env")


def test_the_only_controller_is_not_retired():
    result = run_playbook("decommission.yml", "-e", "decommission_broker_id=0")
    assert result.returncode != 0
    assert ("decommission_broker_id on all hosts: broker 0 (server on hadoop-master) is also a controller, the "
            "quorum's only one") in " ".join((result.stdout + result.stderr).split()), result.stderr[-3000:]
    assert all(counters["changed"] == 0 for counters in recap(result.stdout).values()), result.stdout[-3000:]
    assert host("hadoop-master").service("kafka@server").is_running
