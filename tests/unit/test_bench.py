"""tools/bench.py: what it reads from Kafka's tools and Ansible, and what it writes."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

SPEC = importlib.util.spec_from_file_location("bench", Path(__file__).resolve().parents[2] / "tools" / "bench.py")
bench = importlib.util.module_from_spec(SPEC)
sys.modules["bench"] = bench
SPEC.loader.exec_module(bench)

PRODUCER = """\
38401 records sent, 7680.2 records/sec (7.50 MB/sec), 1402.1 ms avg latency, 2467.0 ms max latency.
100000 records sent, 9870.9 records/sec (9.64 MB/sec), 2304.27 ms avg latency, 3127.00 ms max latency, 2460 ms 50th, \
2978 ms 95th, 3063 ms 99th, 3116 ms 99.9th.
"""
CONSUMER = """\
WARNING: option [threads] and [num-fetch-threads] have been deprecated
start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, \
fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
2026-12-07 21:00:01:123, 2026-12-07 21:00:05:456, 97.6562, 22.5378, 100000, 23078.6895, 3120, 1213, 80.5077, \
82440.2308
"""
VERIFIABLE_PRODUCER = """\
{"timestamp":1796677000000,"name":"startup_complete"}
{"timestamp":1796677004000,"name":"shutdown_complete"}
{"timestamp":1796677004001,"name":"tool_data","sent":20000,"acked":20000,"target_throughput":-1,"avg_throughput":5012.5}
"""
VERIFIABLE_CONSUMER = """\
{"timestamp":1796677010000,"name":"startup_complete"}
{"timestamp":1796677013000,"name":"partitions_assigned","partitions":[]}
{"timestamp":1796677013100,"name":"records_consumed","count":500,"partitions":[]}
{"timestamp":1796677014100,"name":"records_consumed","count":10000,"partitions":[]}
{"timestamp":1796677015100,"name":"records_consumed","count":9500,"partitions":[]}
{"timestamp":1796677015200,"name":"shutdown_complete"}
"""
RECAP = """\
PLAY RECAP *********************************************************************
hadoop-master              : ok=45   changed=0    unreachable=0    failed=0    skipped=72   rescued=0    ignored=0
hadoop-slave1              : ok=27   changed=1    unreachable=0    failed=0    skipped=44   rescued=0    ignored=0
"""


def test_the_producer_summary_is_the_final_line_not_a_progress_line():
    figures = bench.producer_perf(PRODUCER)
    assert figures["records"] == 100000
    assert figures["mb_per_s"] == 9.64
    assert figures["latency_p99_ms"] == 3063


def test_a_producer_that_printed_no_summary_is_an_error():
    with pytest.raises(bench.BenchError, match="no summary"):
        bench.producer_perf(PRODUCER.splitlines()[0])


def test_the_consumer_rate_is_the_one_after_joining_its_group():
    assert bench.consumer_perf(CONSUMER) == {"records": 100000, "records_per_s": 82440.2, "mb_per_s": 80.508,
                                             "join_ms": 3120}


def test_a_consumer_without_its_csv_is_an_error():
    with pytest.raises(bench.BenchError, match="no result"):
        bench.consumer_perf("ERROR something\n")


def test_the_verifiable_tools_rates():
    assert bench.verifiable_producer(VERIFIABLE_PRODUCER, 8)["records_per_s"] == 5012.5
    # 19500 records after the first batch, over the 2 s from the first batch to the last
    assert bench.verifiable_consumer(VERIFIABLE_CONSUMER) == {"records": 20000, "records_per_s": 9750.0}
    with pytest.raises(bench.BenchError):
        bench.verifiable_consumer('{"name":"startup_complete"}\n')


def test_tasks_count_the_busiest_host_and_changes():
    assert bench.tasks_of(bench.recap(RECAP)) == {"tasks_max_host": 117, "tasks_all_hosts": 189, "changed": 1,
                                                  "changed_hosts": ["hadoop-slave1"]}


def test_the_ratio_is_the_mean_of_the_inventory_runs_over_stock():
    runs = [{"producer_perf": {"mb_per_s": 9.0}, "consumer_perf": {"mb_per_s": 20.0}},
            {"producer_perf": {"mb_per_s": 11.0}, "consumer_perf": {"mb_per_s": 22.0}}]
    stock = {"producer_perf": {"mb_per_s": 8.0}, "consumer_perf": {"mb_per_s": 21.0}}
    assert bench.ratio(runs, stock) == {"producer_perf": 1.25, "consumer_perf": 1.0}


def test_table_and_plot_of_a_result():
    raw = {"release": "3.9.2", "mode": "zookeeper", "security": "PLAINTEXT", "brokers": 3, "partitions": 6,
           "replication_factor": 3, "records": 100000, "record_size": 1024, "messages": 20000,
           "producer_perf": PRODUCER, "consumer_perf": CONSUMER, "verifiable_producer": VERIFIABLE_PRODUCER,
           "verifiable_consumer": VERIFIABLE_CONSUMER,
           "verifier": {"result": "ok", "counts": {"lost": 0}, "produce": {"messages": 20000, "messages_per_s": 3000.0,
                                                                           "mb_per_s": 0.6}}}
    figures = bench.throughput(raw)
    restart = {"seconds": 37.0, "tasks_max_host": 90, "changed": 3, "acknowledged": 9000, "lost": 0,
               "longest_ack_stall_s": 0.6}
    result = {"form": "full", "inventory": "inventories/lab", "date": "2026-12-07",
              "machine": {"cpus": 2, "memory_gib": 24},
              "operations": {"no_op": {"seconds": 16.2, "tasks_max_host": 117, "changed": 0},
                             "rolling_restart_under_load": restart},
              "throughput": {"inventory": [figures], "stock": figures},
              "ratio_inventory_to_stock": bench.ratio([figures], figures)}
    text = bench.table(result)
    assert "| no op | 16.2 | 117 | 0 |" in text
    assert "9000 acknowledged, 0 lost, longest stall 0.6 s" in text
    assert "| stock | producer perf | 9870.9 | 9.64 | 2304.27 / 3063.0 |" in text
    assert "producer perf 1.0, consumer perf 1.0" in text
    plot = bench.svg(result)
    assert plot.startswith("<svg")
    assert "rolling restart under load" in plot
    json.dumps(result)


def test_a_failed_step_exits_1_with_its_reason(tmp_path, capsys, monkeypatch):
    def failing(args, echo):
        raise bench.BenchError("cluster.yml failed (rc 2): fatal: [hadoop-master]: UNREACHABLE")

    monkeypatch.setattr(bench, "run", failing)
    assert bench.main(["--short", "--out", str(tmp_path)]) == 1
    assert "bench: cluster.yml failed (rc 2)" in capsys.readouterr().err


def test_an_inventory_without_kafka_hosts_is_refused_before_any_playbook(tmp_path, capsys):
    assert bench.main(["--short", "--inventory", str(tmp_path / "missing"), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "no host in its kafka group" in err
    assert "cluster.yml" not in err

MACHINE = {"cpus": 2, "memory_gib": 24}


def test_repeated_runs_give_each_tools_mean_lowest_and_highest():
    runs = [{"producer_perf": {"mb_per_s": 6.6}, "consumer_perf": {"mb_per_s": 150.0}, "verifier": {"mb_per_s": 1.8}},
            {"producer_perf": {"mb_per_s": 10.8}, "consumer_perf": {"mb_per_s": 170.0}, "verifier": {"mb_per_s": 1.9}},
            {"producer_perf": {"mb_per_s": 8.1}, "consumer_perf": {"mb_per_s": 160.0}, "verifier": {"mb_per_s": None}}]
    assert bench.spread(runs, "producer_perf") == {"runs": 3, "mean": 8.5, "min": 6.6, "max": 10.8}
    # A run that measured nothing for a tool does not pull its mean to zero.
    assert bench.spread(runs, "verifier") == {"runs": 2, "mean": 1.85, "min": 1.8, "max": 1.9}
    stock = runs[:1]
    assert bench.ratio(runs, stock) == {"producer_perf": round(8.5 / 6.6, 3), "consumer_perf": round(160 / 150, 3)}
    result = {"form": "full", "inventory": "inventories/lab", "date": "2026-12-08", "machine": MACHINE,
              "operations": {}, "throughput": {"inventory": runs, "stock": stock},
              "spread_mb_per_s": bench.spreads({"inventory": runs, "stock": stock})}
    text = bench.table(result)
    assert "| inventory (3) | producer perf | None | 8.1 |  |" in text
    assert "| inventory | producer perf | 3 | 8.5 | 6.6 | 10.8 |" in text


def test_one_run_per_settings_adds_no_spread_table():
    runs = [{"producer_perf": {"mb_per_s": 6.6}, "consumer_perf": {"mb_per_s": 150.0}, "verifier": {"mb_per_s": 1.8}}]
    result = {"form": "short", "inventory": "inventories/lab", "date": "2026-12-08", "machine": MACHINE,
              "operations": {}, "throughput": {"inventory": runs},
              "spread_mb_per_s": bench.spreads({"inventory": runs})}
    assert "lowest" not in bench.table(result)


@pytest.mark.parametrize(("args", "reason"), [
    (["--repeat", "0"], "--repeat 0: at least one run. Fix:"),
    (["--stock", "no-such-settings.yml"], "--stock no-such-settings.yml: no such file. Fix:"),
])
def test_bad_repeat_or_stock_settings_are_refused_before_any_playbook(tmp_path, capsys, args, reason):
    with pytest.raises(SystemExit) as exit_:
        bench.main([*args, "--out", str(tmp_path)])
    assert exit_.value.code == 2
    assert reason in capsys.readouterr().err
    assert not (tmp_path / "bench.log").exists()


def test_settings_other_than_stock_are_named_above_the_tables():
    result = {"form": "full", "inventory": "inventories/lab", "date": "2026-12-08", "machine": MACHINE,
              "operations": {}, "throughput": {}, "stock_settings": "levers/socket-buffers.yml"}
    assert "'stock' below: the settings of levers/socket-buffers.yml, not Kafka's stock ones." in bench.table(result)
    result["stock_settings"] = "tools/bench-stock.yml"
    assert "'stock' below" not in bench.table(result)
