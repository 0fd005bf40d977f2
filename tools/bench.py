#!/usr/bin/env python3
"""Measure the toolkit on a lab: how long its operations take and how fast the cluster it leaves
behind is (make bench). Writes bench.json, bench.md (the table) and bench.svg (the plot).

The full form brings the lab down and up, then times a cold deploy (archives cached), a no-op
re-run of cluster.yml, a rolling restart of every broker under the verifier's continuous load,
adding one broker and retiring it. Between them it measures throughput (playbooks/bench.yml):
Kafka's perf tools with acks=all on replication factor 3 and min.insync.replicas 2, Kafka's
verifiable producer and consumer and the verifier on one topic; with the inventory's broker
settings, then with Kafka's stock ones (tools/bench-stock.yml) on the same hosts, then with the
inventory's again. --repeat N runs each throughput measurement N times and adds each tool's mean,
lowest and highest MB/s; --stock FILE compares the inventory with other settings than Kafka's
stock ones (one lever at a time). The short form (--short, CI) measures the deployed cluster as it
is: a no-op re-run and one throughput run with small counts."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

PROJECT = Path(__file__).resolve().parent.parent
PRODUCER_PERF = re.compile(
    r"(\d+) records sent, ([\d.]+) records/sec \(([\d.]+) MB/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, "
    r"(\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99.9th")
FULL = {"records": 100000, "messages": 20000}
SHORT = {"records": 5000, "messages": 2000}
LOAD_RATE = 200


class BenchError(Exception):
    """A step failed; the message says which and why."""


def recap(output: str) -> dict[str, dict[str, int]]:
    """Per host, the counters of a playbook's PLAY RECAP lines (ok, changed, skipped ...)."""
    counters = {}
    for line in output.splitlines():
        if ": ok=" in line:
            name, _, rest = line.partition(":")
            counters[name.strip()] = {k: int(v) for k, v in (item.split("=") for item in rest.split())}
    return counters


def tasks_of(counts: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    """Tasks run (ok, changed, failed or skipped) on the busiest host and on all hosts, and changes."""
    per_host = [c["ok"] + c["changed"] + c["failed"] + c["skipped"] for c in counts.values()]
    return {"tasks_max_host": max(per_host, default=0), "tasks_all_hosts": sum(per_host),
            "changed": sum(c["changed"] for c in counts.values()),
            "changed_hosts": sorted(host for host, c in counts.items() if c["changed"])}


def producer_perf(output: str) -> dict[str, float]:
    """kafka-producer-perf-test's final line."""
    match = PRODUCER_PERF.search(output)
    if not match:
        raise BenchError(f"kafka-producer-perf-test printed no summary: {output.strip()[-300:]!r}")
    records, rate, mb, avg, peak, p50, p95, p99, p999 = (float(v) for v in match.groups())
    return {"records": int(records), "records_per_s": round(rate, 1), "mb_per_s": mb, "latency_avg_ms": avg,
            "latency_max_ms": peak, "latency_p50_ms": p50, "latency_p95_ms": p95, "latency_p99_ms": p99,
            "latency_p999_ms": p999}


def consumer_perf(output: str) -> dict[str, float]:
    """kafka-consumer-perf-test's CSV line, under its header: the rate once the consumer had
    joined its group (fetch.*; its overall rate counts the group's join delay too)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    for index, line in enumerate(lines[:-1]):
        if line.startswith("start.time"):
            header = [name.strip() for name in line.split(",")]
            values = [value.strip() for value in lines[index + 1].split(",")]
            row = dict(zip(header, values, strict=False))
            try:
                return {"records": int(row["data.consumed.in.nMsg"]),
                        "records_per_s": round(float(row["fetch.nMsg.sec"]), 1),
                        "mb_per_s": round(float(row["fetch.MB.sec"]), 3), "join_ms": int(row["rebalance.time.ms"])}
            except (KeyError, ValueError) as error:
                raise BenchError(f"kafka-consumer-perf-test's line is not as expected: {lines[index + 1]!r}") from error
    raise BenchError(f"kafka-consumer-perf-test printed no result: {output.strip()[-300:]!r}")


def _events(output: str) -> list[dict[str, Any]]:
    events = []
    for line in output.splitlines():
        if line.startswith("{"):
            try:
                events.append(json.loads(line))
            except ValueError:
                continue
    return events


def verifiable_producer(output: str, size: int) -> dict[str, float]:
    """kafka-verifiable-producer's tool_data event (its values are short numbers: size is theirs)."""
    summary = next((e for e in _events(output) if e.get("name") == "tool_data"), None)
    if summary is None:
        raise BenchError(f"kafka-verifiable-producer printed no tool_data: {output.strip()[-300:]!r}")
    rate = float(summary["avg_throughput"])
    return {"records": int(summary["acked"]), "sent": int(summary["sent"]), "records_per_s": round(rate, 1),
            "mb_per_s": round(rate * size / 1e6, 3)}


def verifiable_consumer(output: str) -> dict[str, float]:
    """kafka-verifiable-consumer's records_consumed events: the rate from its first batch's time to
    its last (the group join before the first is not reading)."""
    batches = [e for e in _events(output) if e.get("name") == "records_consumed"]
    if not batches:
        raise BenchError(f"kafka-verifiable-consumer read nothing: {output.strip()[-300:]!r}")
    total = sum(int(e["count"]) for e in batches)
    span = (batches[-1]["timestamp"] - batches[0]["timestamp"]) / 1000
    rate = (total - int(batches[0]["count"])) / span if span > 0 else float(total)
    return {"records": total, "records_per_s": round(rate, 1)}


def verifier(report: Mapping[str, Any]) -> dict[str, Any]:
    """The verifier's own figures: its verdict, and how fast it wrote and read."""
    produce, consume = report.get("produce") or {}, report.get("consume") or {}
    return {"result": report.get("result"), "lost": (report.get("counts") or {}).get("lost"),
            "records": produce.get("messages"), "records_per_s": produce.get("messages_per_s"),
            "mb_per_s": produce.get("mb_per_s"), "read_per_s": consume.get("messages_per_s")}


def throughput(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Every tool's figures from playbooks/bench.yml's report."""
    return {"setup": {key: raw[key] for key in ("release", "mode", "security", "brokers", "partitions",
                                                  "replication_factor", "records", "record_size", "messages")},
            "producer_perf": producer_perf(raw["producer_perf"]), "consumer_perf": consumer_perf(raw["consumer_perf"]),
            "verifiable_producer": verifiable_producer(raw["verifiable_producer"], 8),
            "verifiable_consumer": verifiable_consumer(raw["verifiable_consumer"]),
            "verifier": verifier(raw["verifier"])}


def as_runs(runs: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """A settings' throughput runs as a list (a single run is written as one mapping)."""
    return [runs] if isinstance(runs, Mapping) else list(runs)


def ratio(inventory: Sequence[Mapping[str, Any]], stock: Sequence[Mapping[str, Any]] | Mapping[str, Any]
          ) -> dict[str, float]:
    """The inventory's settings against stock, per perf tool (the mean of each side's runs)."""
    result = {}
    for tool in ("producer_perf", "consumer_perf"):
        mine = spread(inventory, tool)["mean"]
        theirs = spread(as_runs(stock), tool)["mean"]
        result[tool] = round(mine / theirs, 3) if theirs else 0.0
    return result


def spread(runs: Sequence[Mapping[str, Any]], tool: str) -> dict[str, float]:
    """Mean, lowest and highest MB/s of one tool over runs: one run is a sample, several a figure."""
    values = [float(run[tool]["mb_per_s"]) for run in runs if run[tool].get("mb_per_s") is not None]
    if not values:
        return {"runs": 0, "mean": 0.0, "min": 0.0, "max": 0.0}
    return {"runs": len(values), "mean": round(sum(values) / len(values), 3), "min": min(values), "max": max(values)}


def spreads(throughputs: Mapping[str, Any]) -> dict[str, dict[str, dict[str, float]]]:
    """spread() of every settings label and MB/s tool."""
    return {label: {tool: spread(as_runs(runs), tool) for tool in ("producer_perf", "consumer_perf", "verifier")}
            for label, runs in throughputs.items()}


class Lab:
    """Runs the project's playbooks against one inventory and keeps their output in a log."""

    def __init__(self, inventory: str, log: Path, echo: Callable[[str], None], extra: Sequence[str] = ()) -> None:
        self.inventory = inventory
        self.log = log
        self.echo = echo
        self.extra = [arg for value in extra for arg in ("-e", value)]

    def playbook(self, name: str, *args: str, inventory: str | None = None) -> tuple[float, str]:
        command = ["ansible-playbook", "-i", inventory or self.inventory, *self.extra, f"playbooks/{name}", *args]
        started = time.monotonic()
        result = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, check=False,
                                env={**os.environ, "ANSIBLE_FORCE_COLOR": "0", "ANSIBLE_NOCOLOR": "1"})
        seconds = round(time.monotonic() - started, 1)
        with self.log.open("a") as log:
            log.write(f"### {' '.join(command)}: rc {result.returncode}, {seconds} s\n{result.stdout}{result.stderr}\n")
        if result.returncode != 0:
            lines = result.stdout.splitlines()
            failed = [" ".join(part.strip() for part in lines[index:index + 4])
                      for index, line in enumerate(lines) if line.startswith(("fatal:", "failed:"))]
            raise BenchError(f"{name} failed (rc {result.returncode}): {(failed or [result.stderr.strip()])[-1][:500]}"
                             f" (full output in {self.log})")
        self.echo(f"{name} {' '.join(args)}: {seconds} s")
        return seconds, result.stdout

    def timed(self, name: str, *args: str, inventory: str | None = None) -> dict[str, Any]:
        seconds, output = self.playbook(name, *args, inventory=inventory)
        return {"seconds": seconds, **tasks_of(recap(output))}

    def throughput(self, out: Path, label: str, counts: Mapping[str, int], repeat: int = 1) -> list[dict[str, Any]]:
        runs = []
        for index in range(repeat):
            path = out / f"throughput-{label}{f'-{index + 1}' if repeat > 1 else ''}.raw.json"
            self.playbook("bench.yml", "-e", f"bench_report_path={path}", "-e", f"bench_records={counts['records']}",
                          "-e", f"bench_messages={counts['messages']}")
            runs.append(throughput(json.loads(path.read_text())))
        return runs

    def host_vars(self, host: str) -> dict[str, Any]:
        result = subprocess.run(["ansible-inventory", "-i", self.inventory, "--host", host], cwd=PROJECT,
                                capture_output=True, text=True, check=True)
        return json.loads(result.stdout)

    def groups(self) -> dict[str, Any]:
        result = subprocess.run(["ansible-inventory", "-i", self.inventory, "--list"], cwd=PROJECT,
                                capture_output=True, text=True, check=True)
        return json.loads(result.stdout)


def restart_under_load(lab: Lab, out: Path) -> dict[str, Any]:
    """A rolling restart of every broker while the verifier writes LOAD_RATE messages/s: its time,
    the longest the writers went without an acknowledgement, and the verdict."""
    report = out / "restart-load.json"
    report.unlink(missing_ok=True)
    load_args = json.dumps({"verify_extra_args": ["--duration", "600", "--rate", str(LOAD_RATE), "--reuse-topics"]})
    failure: list[BaseException] = []

    def load() -> None:
        try:
            lab.playbook("verify.yml", "-e", "verify_topics=1", "-e", "verify_partitions=6", "-e", load_args,
                         "-e", f"verify_report_path={report}", "-e", "verify_messages=1")
        except BenchError as error:
            failure.append(error)

    writer = threading.Thread(target=load, daemon=True)
    writer.start()
    time.sleep(20)  # the verifier's health check and its first acknowledgements
    restart = lab.timed("rolling-restart.yml", "-e", "rolling_restart=kafka")
    time.sleep(5)
    # SIGTERM ends the writing; what was written is then read back and judged. The bracket keeps
    # the pattern from matching the shell that runs pkill.
    subprocess.run(["ansible", "-i", lab.inventory, *lab.extra, "kafka[0]", "-b", "-m", "ansible.builtin.shell", "-a",
                    "pkill -TERM -f 'kafka-verif[y] .*--rate' || true"], cwd=PROJECT, capture_output=True, check=False)
    writer.join(900)
    if failure or not report.exists():
        raise BenchError(f"the verifier under the restart failed: {failure[0] if failure else 'no report'}")
    verdict = json.loads(report.read_text())
    return {**restart, "result": verdict.get("result"), "acknowledged": verdict["counts"]["acked"],
            "lost": verdict["counts"]["lost"], "longest_ack_stall_s": verdict.get("longest_ack_stall_s")}


def grow_and_shrink(lab: Lab, out: Path) -> dict[str, Any]:
    """Add one broker (a second one on the last broker host, in a copy of the inventory), then
    retire it with decommission.yml."""
    hosts = lab.groups()["kafka"]["hosts"]
    host = hosts[-1]
    found = lab.host_vars(host)
    brokers = found.get("kafka_brokers") or [{"name": "server", "id": found["kafka_broker_id"],
                                              "port": found.get("kafka_port", 9092)}]
    new_id = max(int(lab.host_vars(h).get("kafka_broker_id") or 0) for h in hosts) + 100
    # Well above the host's brokers: the next port up may be its KRaft controller's (9093 by
    # default), which the inventory contract refuses to share.
    grown = [*brokers, {"name": "server-bench", "id": new_id, "port": max(int(b["port"]) for b in brokers) + 100}]
    inventory = out / "inventory-grown"
    shutil.rmtree(inventory, ignore_errors=True)
    shutil.copytree(PROJECT / lab.inventory, inventory)
    with (inventory / "host_vars" / f"{host}.yml").open("a") as extra:
        extra.write(f"\n# Added by tools/bench.py: one more broker.\nkafka_brokers: {json.dumps(grown)}\n")
    added = lab.timed("cluster.yml", inventory=str(inventory))
    retired = lab.timed("decommission.yml", "-e", f"decommission_broker_id={new_id}", inventory=str(inventory))
    return {"host": host, "broker_id": new_id, "add_broker": added, "retire_broker": retired}


def run(args: argparse.Namespace, echo: Callable[[str], None]) -> dict[str, Any]:
    # Absolute: the playbooks write their reports from their own directory.
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    lab = Lab(args.inventory, out / "bench.log", echo, args.extra_vars)
    lab.log.write_text("")
    counts = SHORT if args.short else FULL
    result: dict[str, Any] = {"form": "short" if args.short else "full", "inventory": args.inventory,
                              "extra_vars": args.extra_vars,
                              "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "machine": machine(), "operations": {}}
    operations = result["operations"]
    # Ansible runs a playbook on an inventory it cannot read as on an empty one, "successfully".
    if not lab.groups().get("kafka", {}).get("hosts"):
        raise BenchError(f"--inventory {args.inventory}: no host in its kafka group (a missing or mistyped "
                         "inventory). Fix: point --inventory (INVENTORY= for make bench) at the lab's inventory.")
    if not args.short:
        lab.playbook("lab-down.yml")
        lab.playbook("lab-up.yml")
        operations["cold_deploy"] = lab.timed("cluster.yml")
    operations["no_op"] = lab.timed("cluster.yml")
    if operations["no_op"]["changed"]:
        raise BenchError(f"the re-run of cluster.yml made {operations['no_op']['changed']} change(s), on "
                         f"{', '.join(operations['no_op']['changed_hosts'])}: the cluster was not as its inventory "
                         f"says. Fix: run cluster.yml once (see {lab.log} for what it changed), then the bench.")
    runs = lab.throughput(out, "inventory", counts, args.repeat)
    result["throughput"] = {"inventory": runs}
    if not args.short:
        operations["rolling_restart_under_load"] = restart_under_load(lab, out)
        stock_vars = f"@{Path(args.stock).resolve()}"
        result["stock_settings"] = args.stock
        operations["to_stock_settings"] = lab.timed("cluster.yml", "-e", stock_vars, "-e", "cluster_verify=false")
        result["throughput"]["stock"] = lab.throughput(out, "stock", counts, args.repeat)
        operations["back_to_inventory_settings"] = lab.timed("cluster.yml", "-e", "cluster_verify=false")
        runs.extend(lab.throughput(out, "inventory-again", counts, args.repeat))
        result["ratio_inventory_to_stock"] = ratio(runs, result["throughput"]["stock"])
        operations.update(grow_and_shrink(lab, out))
    result["spread_mb_per_s"] = spreads(result["throughput"])
    return result


def machine() -> dict[str, Any]:
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:")), "0")
    return {"cpus": os.cpu_count(), "memory_gib": round(int(memory) / 2**20, 1), "host": os.uname().nodename}


def table(result: Mapping[str, Any]) -> str:
    """The result as Markdown tables."""
    lines = [f"Bench ({result['form']}) on {result['inventory']}, {result['date']}, "
             f"{result['machine']['cpus']} CPUs, {result['machine']['memory_gib']} GiB", "",
             "| operation | seconds | tasks (busiest host) | changed | notes |", "|---|---|---|---|---|"]
    if result.get("stock_settings") and Path(result["stock_settings"]).name != "bench-stock.yml":
        lines[1:1] = [f"'stock' below: the settings of {result['stock_settings']}, not Kafka's stock ones.", ""]
    for name, op in result["operations"].items():
        if not isinstance(op, Mapping) or "seconds" not in op:
            continue
        notes = (f"{op['acknowledged']} acknowledged, {op['lost']} lost, longest stall {op['longest_ack_stall_s']} s"
                 if "lost" in op else "")
        lines.append(f"| {name.replace('_', ' ')} | {op['seconds']} | {op['tasks_max_host']} | {op['changed']} "
                     f"| {notes} |")
    lines += ["", "| settings | tool | records/s | MB/s | latency avg / p99 ms |", "|---|---|---|---|---|"]
    for label, runs in result["throughput"].items():
        for index, run_ in enumerate(as_runs(runs)):
            name = label if index == 0 else f"{label} ({index + 1})"
            for tool, figures in run_.items():
                if tool == "setup":
                    continue
                latency = (f"{figures['latency_avg_ms']} / {figures['latency_p99_ms']}"
                           if "latency_avg_ms" in figures else "")
                lines.append(f"| {name} | {tool.replace('_', ' ')} | {figures.get('records_per_s')} | "
                             f"{figures.get('mb_per_s', '')} | {latency} |")
    if any(spread_["producer_perf"]["runs"] > 1 for spread_ in result.get("spread_mb_per_s", {}).values()):
        lines += ["", "| settings | tool | runs | MB/s mean | lowest | highest |", "|---|---|---|---|---|---|"]
        for label, tools in result["spread_mb_per_s"].items():
            for tool, figures in tools.items():
                lines.append(f"| {label} | {tool.replace('_', ' ')} | {figures['runs']} | {figures['mean']} | "
                             f"{figures['min']} | {figures['max']} |")
    if "ratio_inventory_to_stock" in result:
        lines += ["", "Inventory's settings / stock (MB/s): " + ", ".join(
            f"{tool.replace('_', ' ')} {value}" for tool, value in result["ratio_inventory_to_stock"].items())]
    return "\n".join(lines) + "\n"


def svg(result: Mapping[str, Any]) -> str:
    """Two bar charts: the operations' seconds, and MB/s per tool and settings."""
    bars: list[tuple[str, str, float]] = [
        ("seconds", name.replace("_", " "), float(op["seconds"])) for name, op in result["operations"].items()
        if isinstance(op, Mapping) and "seconds" in op]
    for label, runs in result["throughput"].items():
        for index, run_ in enumerate(as_runs(runs)):
            for tool in ("producer_perf", "consumer_perf", "verifier"):
                value = run_[tool].get("mb_per_s")
                if value is not None:
                    name = f"{tool.replace('_', ' ')}, {label}{f' ({index + 1})' if index else ''}"
                    bars.append(("MB/s", name, float(value)))
    width, row, left = 760, 22, 300
    height = 40 + row * (len(bars) + 2)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" '
             f'font-size="12"><rect width="100%" height="100%" fill="white"/>',
             f'<text x="10" y="20" font-size="14">{escape(table(result).splitlines()[0])}</text>']
    y = 40
    for unit in ("seconds", "MB/s"):
        group = [b for b in bars if b[0] == unit]
        peak = max((b[2] for b in group), default=1.0) or 1.0
        parts.append(f'<text x="10" y="{y + 14}" font-weight="bold">{unit}</text>')
        y += row
        for _, name, value in group:
            length = (width - left - 80) * value / peak
            parts.append(f'<text x="10" y="{y + 14}">{escape(name)}</text>'
                         f'<rect x="{left}" y="{y + 3}" width="{length:.1f}" height="{row - 6}" fill="#4477aa"/>'
                         f'<text x="{left + length + 5:.1f}" y="{y + 14}">{value:g}</text>')
            y += row
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="Exit codes: 0 done, 1 a step failed, 2 bad arguments (the reason on "
                                            "stderr).")
    parser.add_argument("--inventory", default="inventories/lab", help="the lab's inventory (inventories/lab)")
    parser.add_argument("--out", default="build/bench", help="directory of bench.json, bench.md, bench.svg")
    parser.add_argument("--short", action="store_true",
                        help="the deployed cluster as it is: a no-op re-run and one small throughput run")
    parser.add_argument("--extra-vars", "-e", action="append", default=[], metavar="VARS",
                        help="passed to every playbook (repeatable), e.g. lab_name=kafkalab-other")
    parser.add_argument("--repeat", type=int, default=1, metavar="N",
                        help="throughput runs per settings and round (1); the tables give each run and the spread")
    parser.add_argument("--stock", default=str(PROJECT / "tools" / "bench-stock.yml"), metavar="FILE",
                        help="the settings the inventory's are compared with (Kafka's stock ones); another file "
                             "measures one lever against the inventory")
    parser.add_argument("--json", action="store_true", help="print bench.json instead of the table")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat {args.repeat}: at least one run. Fix: --repeat 1 or more.")
    if not Path(args.stock).is_file():
        parser.error(f"--stock {args.stock}: no such file. Fix: point it at a YAML file of variables, as "
                     "tools/bench-stock.yml.")

    def echo(line: str) -> None:
        print(f"bench: {line}", file=sys.stderr, flush=True)

    try:
        result = run(args, echo)
    except (BenchError, subprocess.CalledProcessError, KeyError, ValueError, OSError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    out = Path(args.out)
    (out / "bench.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "bench.md").write_text(table(result))
    (out / "bench.svg").write_text(svg(result))
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
