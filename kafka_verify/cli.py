"""Command line of the verifier: check the cluster, write with acks=all, read everything back,
and account for every acknowledged message."""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import signal
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

from kafka_verify import __version__, plot, security
from kafka_verify.accounting import (
    Accounting,
    Ack,
    Partition,
    account,
    acks_per_second,
    consume_targets,
    longest_stall,
    problems_per_second,
)
from kafka_verify.errors import BAD_ARGUMENTS, MEANING, OK, UNHEALTHY, UNREACHABLE, VerifyError
from kafka_verify.health import Health, assess, leader_spread
from kafka_verify.timeline import STALL_S, Timeline
from kafka_verify.topics import TopicSpec, describe, plan
from kafka_verify.topicspec import topic_name_collisions, topic_name_errors
from kafka_verify.verdict import SendPolicy, judge


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be 1 or more")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{value} must be more than 0")
    return value


def ratio(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise argparse.ArgumentTypeError(f"{text} must be between 0 and 1 (a fraction of the sends)")
    return value


def svg_path(text: str) -> str:
    reason = plot.refusal(text)
    if reason:
        raise argparse.ArgumentTypeError(reason)
    return text


def mark(text: str) -> plot.Mark:
    try:
        return plot.parse_mark(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def broker_ids(text: str) -> list[int]:
    try:
        return sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of broker ids") from None


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error and the bad-arguments exit code."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: bad arguments: {message} (see --help)\n")
        sys.exit(BAD_ARGUMENTS)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="python -m kafka_verify",
        description="Prove a Kafka cluster keeps every acknowledged message: check brokers and ISR, "
                    "write unique messages with acks=all and the idempotent producer, read them all "
                    "back and account for each one. Every send ends acknowledged, failed or unresolved "
                    "(no outcome before the producer closed); by default any failed or unresolved send "
                    "fails the run. Exit codes: 0 ok, 2 bad arguments, 3 cannot reach the cluster, "
                    "4 cluster unhealthy (or too many sends not acknowledged), 5 messages lost or corrupted "
                    "(or sent != acknowledged + failed + unresolved).")
    parser.add_argument("--version", action="version", version=f"kafka_verify {__version__}")
    parser.add_argument("--bootstrap-servers", default="localhost:9092", help="host:port[,host:port...]")
    parser.add_argument("--expect-brokers", type=broker_ids, default=[],
                        help="broker ids that must be registered, e.g. 1,2,3")
    parser.add_argument("--topics", type=positive_int, default=3, help="how many topics to write to (3)")
    parser.add_argument("--topic-prefix", default="kafka-verify", help="topics are named PREFIX-1, PREFIX-2 ...")
    parser.add_argument("--topic", action="append", default=[], help="explicit topic name (repeatable); "
                                                                     "replaces --topics/--topic-prefix")
    parser.add_argument("--partitions", type=positive_int, default=3, help="partitions of created topics (3)")
    parser.add_argument("--replication-factor", type=positive_int, default=3, help="of created topics (3)")
    parser.add_argument("--reuse-topics", action="store_true",
                        help="use existing topics even if their replication factor differs")
    parser.add_argument("--messages", type=positive_int, default=10000, help="messages per topic (10000)")
    parser.add_argument("--message-size", type=positive_int, default=200, help="bytes per message (200)")
    parser.add_argument("--duration", type=positive_float,
                        help="continuous mode: produce for this many seconds; SIGTERM ends the writing sooner, "
                             "and what was written is still read back and judged (the report's stopped_after_s)")
    parser.add_argument("--rate", type=positive_float, help="continuous mode: messages per second over all topics")
    parser.add_argument("--delivery-timeout", type=positive_float, default=60.0,
                        help="seconds a send may take before it counts as failed (60)")
    parser.add_argument("--max-failed-ratio", type=ratio, default=0.0, metavar="R",
                        help="fraction (0 to 1) of the sends that may end failed or unresolved before the run "
                             "fails with exit 4 (0: any such send fails the run)")
    parser.add_argument("--expect-failures", action="store_true",
                        help="the run causes send failures on purpose (e.g. most brokers stopped): failed and "
                             "unresolved sends do not fail it; acknowledged messages lost still do (exit 5)")
    parser.add_argument("--connect-timeout", type=positive_float, default=15.0,
                        help="seconds to reach the cluster before giving up (15)")
    parser.add_argument("--wait-healthy", type=float, default=30.0,
                        help="seconds to wait for a healthy cluster before starting (30); a read-back "
                             "(--consume-only) goes on after the wait even if it is not healthy")
    parser.add_argument("--settle", type=float, default=0.0,
                        help="seconds to wait, once writing is over, for the cluster to be healthy again before "
                             "judging it (0); for a run across a fault: the verdict is then on the healed cluster, "
                             "and the wait is reported")
    parser.add_argument("--consume-timeout", type=positive_float, default=60.0,
                        help="seconds without progress before reading gives up (60)")
    parser.add_argument("--produce-only", action="store_true", help="write and save the acknowledgements to --state")
    parser.add_argument("--consume-only", action="store_true", help="read back what --state says was acknowledged")
    parser.add_argument("--state", help="JSON file of a --produce-only run")
    parser.add_argument("--run-id", default=None, help="tag of this run's messages (random)")
    parser.add_argument("--plot", type=svg_path, metavar="FILE.svg",
                        help="continuous mode: draw the run's timeline to FILE.svg (SVG only): acknowledgements "
                             f"and failed sends per second, stalls of {STALL_S:g} s or more without an acknowledgement "
                             "shaded, the --mark windows, the verdict's counts in the title; drawn whatever the "
                             "verdict, and a plot that cannot be written does not change the exit code. The JSON "
                             "report gets the per-second series under 'timeline' and the file under 'plot'")
    parser.add_argument("--mark", type=mark, action="append", default=[], metavar="LABEL=START-END",
                        help="a window to mark on the --plot, in seconds from the start of production (the "
                             "report's produce_started_epoch), e.g. --mark 'broker 2 stopped=20-45'; repeatable")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    security.add_arguments(parser)
    return parser


def check_arguments(args: argparse.Namespace) -> None:
    if args.rate and not args.duration:
        raise VerifyError(BAD_ARGUMENTS, "--rate needs --duration (continuous mode)")
    if args.produce_only and args.consume_only:
        raise VerifyError(BAD_ARGUMENTS, "--produce-only and --consume-only exclude each other")
    if (args.produce_only or args.consume_only) and not args.state:
        raise VerifyError(BAD_ARGUMENTS, "--produce-only and --consume-only need --state FILE")
    if args.duration and (args.produce_only or args.consume_only):
        raise VerifyError(BAD_ARGUMENTS, "continuous mode (--duration) cannot be split with --state")
    if args.plot and not args.duration:
        raise VerifyError(BAD_ARGUMENTS, "--plot needs --duration (continuous mode)")
    if args.mark and not args.plot:
        raise VerifyError(BAD_ARGUMENTS, "--mark needs --plot FILE.svg")
    check_topic_names(args)


def topic_names(args: argparse.Namespace) -> list[str]:
    if args.topic:
        return list(dict.fromkeys(args.topic))
    return [f"{args.topic_prefix}-{index}" for index in range(1, args.topics + 1)]


def check_topic_names(args: argparse.Namespace) -> None:
    """Refuse names Kafka would refuse, before anything is created or written."""
    names = topic_names(args)
    for name in names:
        errors = topic_name_errors(name)
        if errors:
            source = f"--topic {name!r}" if args.topic else f"--topic-prefix {args.topic_prefix!r} (topic {name!r})"
            raise VerifyError(BAD_ARGUMENTS, f"{source}: {'; '.join(errors)}")
    collisions = topic_name_collisions(names)
    if collisions:
        first, second = collisions[0]
        raise VerifyError(BAD_ARGUMENTS, f"topics {first!r} and {second!r} collide: Kafka treats '.' and '_' "
                                         f"alike in topic names; rename one")


class Verifier:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.bootstrap = [server.strip() for server in args.bootstrap_servers.split(",") if server.strip()]
        self.run_id = args.run_id or uuid.uuid4().hex[:12]
        self.report: dict[str, Any] = {"run_id": self.run_id, "bootstrap_servers": self.bootstrap}
        self.admin: Any = None
        self.timeline: Timeline | None = None
        # kafka-python's security settings, given to every client this run makes.
        self.client_settings: dict[str, Any] = {}

    def secure(self) -> None:
        chosen = security.resolve(self.args)
        self.client_settings = chosen.kwargs()
        if self.client_settings:
            self.report["security"] = chosen.describe()

    # -- cluster ---------------------------------------------------------------------------
    def connect(self) -> None:
        from kafka import KafkaAdminClient
        from kafka.errors import KafkaError

        with security.watch_failures(self.client_settings) as watch:
            try:
                self.admin = KafkaAdminClient(bootstrap_servers=self.bootstrap, client_id="kafka-verify",
                                              request_timeout_ms=15000,
                                              bootstrap_timeout_ms=int(self.args.connect_timeout * 1000),
                                              **self.client_settings)
                self.cluster = self.admin.describe_cluster()
            except (KafkaError, OSError) as error:
                raise VerifyError(UNREACHABLE, watch.unreachable(",".join(self.bootstrap), error)) from error

    def health(self, topics: list[str], replication: dict[str, int]) -> Health:
        from kafka.errors import KafkaError

        try:
            self.cluster = self.admin.describe_cluster()
            described = self.admin.describe_topics(topics) if topics else []
        except (KafkaError, OSError) as error:
            return Health(cluster_id=None, controller=-1, brokers=[],
                          error=f"the cluster did not describe itself ({error.__class__.__name__})")
        return assess(self.cluster, described, self.args.expect_brokers, replication)

    def wait_healthy(self, topics: list[str], replication: dict[str, int], seconds: float) -> Health:
        deadline = time.monotonic() + seconds
        while True:
            health = self.health(topics, replication)
            if health.ok or time.monotonic() >= deadline:
                return health
            time.sleep(1)

    # -- topics ----------------------------------------------------------------------------
    def prepare_topics(self, names: list[str]) -> dict[str, int]:
        """Create the missing topics; returns the replication factor each topic must show."""
        broker_count = len(self.cluster.get("brokers", []))
        if self.args.replication_factor > broker_count:
            raise VerifyError(BAD_ARGUMENTS, f"--replication-factor {self.args.replication_factor} exceeds the "
                                             f"{broker_count} registered brokers; lower it or start more brokers")
        specs = [TopicSpec(name, self.args.partitions, self.args.replication_factor) for name in names]
        existing = describe(self.admin, names)
        result = plan(specs, existing, {}, broker_count)
        replication = dict.fromkeys(names, self.args.replication_factor)
        for name, topic in existing.items():
            have = len(topic["partitions"][0]["replica_nodes"]) if topic.get("partitions") else 0
            if have != self.args.replication_factor:
                if not self.args.reuse_topics:
                    raise VerifyError(BAD_ARGUMENTS, f"topic {name} exists with replication factor {have}, not "
                                                     f"{self.args.replication_factor}; pass --reuse-topics to use it "
                                                     f"as it is, or pick another --topic-prefix")
                replication[name] = have
        if result.create:
            self.refuse_collisions([spec.name for spec in result.create])
            self.admin.create_topics({spec.name: {"num_partitions": spec.partitions,
                                                  "replication_factor": spec.replication_factor}
                                      for spec in result.create}, wait_for_metadata=True)
        self.report["topics_created"] = [spec.name for spec in result.create]
        return replication

    def refuse_collisions(self, creating: list[str]) -> None:
        """Kafka refuses a topic whose name collides with an existing one ('.' and '_' alike);
        say so as bad input rather than as a failed creation."""
        present = [name for name in self.admin.list_topics() if name not in creating]
        clashes = [(old, new) for old, new in topic_name_collisions([*present, *creating]) if old in present]
        if clashes:
            old, new = clashes[0]
            raise VerifyError(BAD_ARGUMENTS, f"topic {new!r} would collide with the existing topic {old!r}: Kafka "
                                             f"treats '.' and '_' alike in topic names; pick another name")

    # -- phases ----------------------------------------------------------------------------
    def run(self) -> int:
        from kafka_verify import workload

        self.secure()
        self.connect()
        names = topic_names(self.args)
        if self.args.consume_only:
            state = load_state(self.args.state)
            self.run_id = state["run_id"]
            self.report["run_id"] = self.run_id
            names = state["topics"]
            replication = state["replication"]
        else:
            replication = self.prepare_topics(names)
        self.report["topics"] = names
        before = self.wait_healthy(names, replication, max(self.args.wait_healthy, 0))
        self.report["cluster_before"] = before.as_dict()
        if not before.ok and not self.args.consume_only:
            raise VerifyError(UNHEALTHY, "cluster unhealthy before writing: " + "; ".join(before.problems()))

        if self.args.consume_only:
            produced = produced_from_state(state, workload)
        else:
            produced, consumed = self.produce_and_consume(names, workload)
            if self.args.produce_only:
                save_state(self.args.state, self.run_id, names, replication, produced)
                self.report["state"] = self.args.state
        if self.args.consume_only:
            first, last = consume_targets(produced.acks)
            consumed = workload.consume(self.bootstrap, self.run_id, f"kafka-verify-{self.run_id}", first, last,
                                        self.args.consume_timeout, security=self.client_settings)
        settle_started = time.monotonic()
        after = self.wait_healthy(names, replication, max(self.args.settle, 0))
        self.report["settled_after_s"] = round(time.monotonic() - settle_started, 1)
        self.report["cluster_after"] = after.as_dict()

        accounting = self.tally(produced, consumed, after)
        if produced.started:
            self.report["produce"] = rates(len(produced.acks), produced.bytes_acked, produced.seconds)
            self.report["produce_started_epoch"] = round(produced.started_epoch, 3)
            self.report["acks_per_second"] = acks_per_second(produced.started, [a.acked_at for a in produced.acks])
            # By the second each acknowledged send was made: an acknowledgement that arrives late
            # belongs to the moment its record was written, which is what a fault window judges.
            self.report["acked_sends_per_second"] = acks_per_second(produced.started,
                                                                    [a.sent_at for a in produced.acks])
        self.report["failures"] = produced.failures
        self.report["producers_replaced"] = produced.replaced
        self.report["max_failed_ratio"] = self.args.max_failed_ratio
        self.report["expect_failures"] = self.args.expect_failures
        self.report["longest_ack_stall_s"] = round(
            longest_stall(produced.started, [a.acked_at for a in produced.acks], produced.finished), 3) \
            if produced.started else None
        self.report["leader_spread"] = round(leader_spread(after.leaders), 2)
        self.report["counts"] = accounting.counts()
        self.report["examples"] = examples(accounting)
        return self.verdict(accounting, after, produced)

    def tally(self, produced: Any, consumed: Any, after: Health) -> Accounting:
        if consumed is None:  # --produce-only: the read-back is a later run's
            return Accounting(sent=produced.sent, acked=len(produced.acks), failed=produced.failed, read=0,
                              unresolved=produced.unresolved)
        unreadable = unreadable_partitions(consumed, after)
        accounting = account(self.run_id, produced.sent, produced.acks, produced.failed, consumed.reads,
                             unreadable, unresolved=produced.unresolved, read_up_to=unreadable)
        if "timeline" in self.report:
            self.report["timeline"]["problems_per_s"] = problems_per_second(accounting, produced.acks,
                                                                            produced.timeline.started)
        self.report["pending_partitions"] = consumed.pending
        self.report["readers_replaced"] = consumed.replaced
        self.report["read_from_start"] = consumed.read_from_start
        self.report["unreadable_partitions"] = sorted(f"{topic}-{partition}" for topic, partition in unreadable)
        self.report["consume"] = rates(accounting.read, consumed.bytes_read, consumed.seconds)
        self.report["group_offsets_committed"] = getattr(consumed, "group_committed", False)
        return accounting

    def produce_and_consume(self, names: list[str], workload: Any) -> tuple[Any, Any]:
        start = workload.end_offsets(self.bootstrap, names, security=self.client_settings)
        delivery_ms = int(self.args.delivery_timeout * 1000)
        group = f"kafka-verify-{self.run_id}"
        if self.args.duration:
            done, final_targets, box = threading.Event(), [], {}

            def reader() -> None:
                box["consumed"] = workload.consume(self.bootstrap, self.run_id, group, start, None,
                                                   self.args.consume_timeout, done, final_targets,
                                                   security=self.client_settings)

            thread = threading.Thread(target=reader, daemon=True)
            thread.start()
            with stop_on_sigterm() as stop:
                produced = workload.produce(self.bootstrap, self.run_id, names, 0, self.args.message_size,
                                            delivery_ms, rate=self.args.rate, duration=self.args.duration, stop=stop,
                                            security=self.client_settings)
            if stop.is_set():
                self.report["stopped_after_s"] = round(produced.finished - produced.started, 1)
            # Kept before reading back, so that a read-back that fails still leaves the timeline.
            self.timeline = produced.timeline
            self.report["timeline"] = produced.timeline.as_dict()
            final_targets.append(consume_targets(produced.acks)[1])
            done.set()
            thread.join(self.args.consume_timeout * 3 + 60)
            if "consumed" not in box:
                raise VerifyError(UNHEALTHY, "reading did not finish in time; check the cluster's health")
            return produced, box["consumed"]
        produced = workload.produce(self.bootstrap, self.run_id, names, self.args.messages, self.args.message_size,
                                    delivery_ms, security=self.client_settings)
        if self.args.produce_only:
            return produced, None
        first, last = consume_targets(produced.acks)
        consumed = workload.consume(self.bootstrap, self.run_id, group, first, last, self.args.consume_timeout,
                                    security=self.client_settings)
        return produced, consumed

    def verdict(self, accounting: Accounting, after: Health, produced: Any) -> int:
        # A read-back (--consume-only) made no sends: they were judged by the run that made them.
        policy = SendPolicy(self.args.max_failed_ratio, self.args.expect_failures, judged=not self.args.consume_only)
        result = judge(accounting, after, policy, produced.failures, read_back=not self.args.produce_only)
        return self.finish(result.code, result.reason)

    def draw(self) -> None:
        """Plot the timeline whatever the verdict: a failed run is the one worth looking at."""
        if not self.args.plot or self.timeline is None:
            return
        self.report["marks"] = [item.as_dict() for item in self.args.mark]
        title, subtitle = plot.caption(self.report)
        try:
            plot.write(self.args.plot, plot.render(self.timeline, self.args.mark, title, subtitle))
        except OSError as error:
            self.report["plot_error"] = f"cannot write {self.args.plot}: {error.strerror or error}"
            return
        self.report["plot"] = self.args.plot

    def finish(self, code: int, reason: str) -> int:
        self.report["exit_code"] = code
        self.report["result"] = MEANING[code]
        self.report["reason"] = reason
        return code


def rates(count: int, size: int, seconds: float) -> dict[str, float]:
    seconds = max(seconds, 1e-9)
    return {"messages": count, "seconds": round(seconds, 3), "messages_per_s": round(count / seconds, 1),
            "mb_per_s": round(size / seconds / 1e6, 3)}


def unreadable_partitions(consumed: Any, after: Health) -> dict[Partition, int]:
    """The partitions reading stopped short on that nobody could read at the end, each with the
    offset reading had reached (0 when unknown). Only a partition without a leader counts, in the
    cluster's description after the run or in the reader's own metadata: whatever is missing on a
    led partition, under-replicated or not, is lost."""
    stuck = set(consumed.stopped_at)
    cannot = after.unreadable(stuck) | (consumed.leaderless & stuck)
    return {partition: consumed.stopped_at[partition] or 0 for partition in cannot}


@contextlib.contextmanager
def stop_on_sigterm() -> Iterator[threading.Event]:
    """While writing continuously, SIGTERM ends the writing early (--duration is then the longest
    it runs) and the run is read back and judged as usual: a caller that knows when its operation
    is over stops the writing then."""
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        yield stop
    finally:
        signal.signal(signal.SIGTERM, previous)


def examples(accounting: Accounting) -> dict[str, list]:
    return {name: [list(item) for item in getattr(accounting, name)[:5]]
            for name in ("lost", "unavailable", "duplicated", "reordered", "misplaced", "corrupted")
            if getattr(accounting, name)}


def save_state(path: str, run_id: str, topics: list[str], replication: dict[str, int], produced: Any) -> None:
    state = {"run_id": run_id, "topics": topics, "replication": replication, "sent": produced.sent,
             "failures": produced.failures, "unresolved": produced.unresolved,
             "acks": [[a.topic, a.partition, a.offset, a.seq, 0.0] for a in produced.acks]}
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(state, handle)


def produced_from_state(state: dict[str, Any], workload: Any) -> Any:
    produced = workload.Produced(sent=state["sent"], failures=state["failures"])
    produced.acks = [Ack(*row) for row in state["acks"]]
    # A state file from before unresolved sends were counted: they are whatever the rest leaves.
    produced.unresolved = state.get("unresolved", produced.sent - len(produced.acks) - produced.failed)
    return produced


def load_state(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as handle:
            state = json.load(handle)
        for key in ("run_id", "topics", "replication", "sent", "failures", "acks"):
            state[key]
    except (OSError, ValueError, KeyError) as error:
        raise VerifyError(BAD_ARGUMENTS, f"cannot use --state {path}: {error}") from error
    return state


def sends_line(report: dict[str, Any]) -> str:
    counts = report["counts"]
    outcomes = (f"{counts.get('sent', 0)} sent = {counts.get('acked', 0)} acked + {counts.get('failed', 0)} failed "
                f"+ {counts.get('unresolved', 0)} unresolved")
    if report.get("expect_failures"):
        return f"{outcomes}; --expect-failures"
    return f"{outcomes}; --max-failed-ratio {report.get('max_failed_ratio', 0.0):g}"


def render_table(report: dict[str, Any]) -> str:
    counts = report.get("counts", {})
    lines = [f"kafka_verify run {report['run_id']} against {','.join(report['bootstrap_servers'])}"]
    before = report.get("cluster_before")
    if before:
        lines.append(f"  cluster      id {before['cluster_id']}, controller {before['controller']}, "
                     f"brokers {before['brokers']}, {before['partitions']} partitions checked")
    if report.get("topics"):
        lines.append(f"  topics       {', '.join(report['topics'])}")
    if counts:
        lines.append("  messages     " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        lines.append(f"  sends        {sends_line(report)}")
    for phase in ("produce", "consume"):
        if report.get(phase):
            r = report[phase]
            lines.append(f"  {phase:<12} {r['messages']} in {r['seconds']} s: {r['messages_per_s']} msg/s, "
                         f"{r['mb_per_s']} MB/s")
    if report.get("longest_ack_stall_s") is not None:
        lines.append(f"  ack stall    longest {report['longest_ack_stall_s']} s without an acknowledgement")
    after = report.get("cluster_after")
    if after:
        lines.append(f"  leaders      per broker {after['leaders_per_broker']} (spread {report.get('leader_spread')})")
    if report.get("failures"):
        lines.append(f"  failed sends {report['failures']}")
    for replaced in report.get("producers_replaced") or []:
        lines.append(f"  producer     replaced at {replaced['at_s']} s: {replaced['held_sends']} sends held past "
                     f"the delivery timeout")
    for replaced in report.get("readers_replaced") or []:
        lines.append(f"  reader       replaced at {replaced['at_s']} s after reading nothing for "
                     f"{replaced['idle_s']} s")
    if report.get("read_from_start"):
        lines.append(f"  read whole   {', '.join(report['read_from_start'])} (not in the metadata when reading "
                     f"began)")
    if report.get("plot") or report.get("plot_error"):
        lines.append(f"  plot         {report.get('plot') or report.get('plot_error')}")
    if report.get("pending_partitions"):
        lines.append(f"  unread       {report['pending_partitions']}")
    if report.get("unreadable_partitions"):
        lines.append(f"  no leader    {', '.join(report['unreadable_partitions'])} (what is unread there is "
                     f"unavailable, not lost)")
    for name, items in (report.get("examples") or {}).items():
        lines.append(f"  {name:<12} e.g. {items}")
    status = "OK" if report.get("exit_code") == OK else "FAIL"
    lines.append(f"{status}: {report.get('reason', '')}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    verifier = Verifier(args)
    try:
        check_arguments(args)
        code = verifier.run()
    except VerifyError as error:
        code = verifier.finish(error.code, error.message)
    except KeyboardInterrupt:
        code = verifier.finish(BAD_ARGUMENTS, "interrupted")
    except Exception as error:  # noqa: BLE001 - one line, never a traceback
        code = verifier.finish(UNHEALTHY, security.redact(f"unexpected {error.__class__.__name__}: {error}; check "
                                                          f"the cluster and the bootstrap servers",
                                                          verifier.client_settings))
    finally:
        if verifier.admin is not None:
            with contextlib.suppress(Exception):
                verifier.admin.close()
    verifier.draw()
    if args.json:
        print(json.dumps(verifier.report, sort_keys=True, default=str))
    else:
        print(render_table(verifier.report))
    return code
