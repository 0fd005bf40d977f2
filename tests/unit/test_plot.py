"""The timeline of a continuous run and its SVG plot: per-second counts and stalls recorded in
bounded memory, a well-formed drawing that shows the series, stalls and marks, and the command
line that asks for it."""

import json
import xml.etree.ElementTree as ET
from itertools import pairwise

import kafka
import pytest
from kafka.errors import NotEnoughReplicasError
from test_cli import TOPIC, FakeCluster, FakeWorkload
from test_verdict_verifier_sends import FakeProducer

from kafka_verify import cli, plot, workload
from kafka_verify.timeline import Timeline

SVG = "{http://www.w3.org/2000/svg}"


def timeline(acks=(), failures=(), seconds=10.0):
    """A run of `seconds` that started at 100.0, with acknowledgements and failures at the given
    offsets from its start."""
    line = Timeline()
    line.start(100.0)
    for moment in sorted(acks):
        line.ack(100.0 + moment)
    for moment in sorted(failures):
        line.fail(100.0 + moment)
    line.finish(100.0 + seconds)
    return line


def steady(rate, seconds, gaps=()):
    """Acknowledgement times at rate per second, none inside the (start, end) gaps."""
    moments = [index / rate for index in range(int(rate * seconds))]
    return [m for m in moments if not any(start <= m < end for start, end in gaps)]


def parse(svg):
    return ET.fromstring(svg.encode())


def draw(line, marks=(), report=None):
    title, subtitle = plot.caption(report or {"run_id": "r1", "result": "ok"})
    return parse(plot.render(line, list(marks), title, subtitle))


def ticks_of(root, axis):
    group = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "ticks")
    anchor = "end" if axis == "y" else "middle"
    return [(float(t.text), float(t.get(axis)) - (4 if axis == "y" else 0))
            for t in group.iter(f"{SVG}text") if t.get("text-anchor") == anchor]


def scale(root, axis):
    (v0, p0), (v1, p1) = ticks_of(root, axis)[:2]
    unit = (p1 - p0) / (v1 - v0)
    return p0 - v0 * unit, unit


def series(root, name):
    """The per-second values a drawn step series shows, read back through the axes' ticks."""
    line = next(p for p in root.iter(f"{SVG}polyline") if p.get("class") == f"series {name}")
    points = [tuple(float(n) for n in pair.split(",")) for pair in line.get("points").split()]
    (x0, x_unit), (y0, y_unit) = scale(root, "x"), scale(root, "y")
    values = []
    for (xa, ya), (xb, yb) in pairwise(points):
        if ya == yb:  # a level: one value over whole seconds
            seconds = round((xb - xa) / x_unit)
            values += [round((ya - y0) / y_unit)] * seconds
    assert points[0][0] == x0
    return values


def seconds_of(root, rect):
    """The (start, end) seconds a drawn band covers."""
    x0, unit = scale(root, "x")
    left, width = float(rect.get("x")), float(rect.get("width"))
    return round((left - x0) / unit, 1), round((left + width - x0) / unit, 1)


def stall_bands(root):
    return [seconds_of(root, r) for r in root.iter(f"{SVG}rect") if r.get("class") == "stall"]


# -- the timeline ----------------------------------------------------------------------------

def test_the_timeline_counts_each_second_and_covers_the_whole_run():
    line = timeline(acks=[0.1, 0.5, 2.2], failures=[2.9, 3.0], seconds=4.5)
    assert line.acked == [2, 0, 1, 0, 0]
    assert line.failed == [0, 0, 1, 1, 0]
    assert line.as_dict()["acked_per_s"] == [2, 0, 1, 0, 0]


def test_stalls_are_gaps_of_a_second_or_more_including_the_start_and_the_end():
    line = timeline(acks=[1.5, 1.9, 2.5, 5.0], seconds=6.0)
    assert line.stalls == [(0.0, 1.5), (2.5, 5.0), (5.0, 6.0)]
    assert timeline(acks=steady(50, 10), seconds=10.0).stalls == []


def test_memory_follows_the_run_length_not_the_message_count():
    line = timeline(acks=steady(2000, 30, gaps=[(10, 12)]), seconds=30.0)
    assert len(line.acked) == len(line.failed) == 30
    assert line.stalls == [(pytest.approx(9.9995, abs=1e-3), 12.0)]


def test_the_producer_feeds_the_timeline_with_the_outcomes_it_books(monkeypatch):
    monkeypatch.setattr(kafka, "KafkaProducer", FakeProducer)
    sender = workload.Producer(["broker:9092"], "run1", 100, 10_000)
    sender.result.timeline.start(sender.result.started)
    for seq in range(4):
        sender.send("t", seq)
    FakeProducer.last.futures[0].ack(0)
    FakeProducer.last.futures[1].ack(1)
    FakeProducer.last.futures[2].fail(NotEnoughReplicasError())
    produced = sender.close(timeout=1)
    FakeProducer.last.futures[3].ack(2)  # after close: unresolved, and not on the timeline either
    assert sum(produced.timeline.acked) == len(produced.acks) == 2
    assert sum(produced.timeline.failed) == produced.failed == 1


# -- the drawing -----------------------------------------------------------------------------

def test_the_plot_is_well_formed_and_shows_both_series():
    acks = steady(40, 20, gaps=[(6, 9)])
    line = timeline(acks=acks, failures=[7.2, 7.4, 8.1], seconds=20.0)
    root = draw(line)
    assert root.tag == f"{SVG}svg"
    assert series(root, "acked") == line.acked
    assert series(root, "failed") == line.failed
    assert series(root, "acked")[6:9] == [0, 0, 0]


def test_stalls_are_shaded_where_they_happened():
    line = timeline(acks=steady(40, 20, gaps=[(6, 9), (14, 15.5)]), seconds=20.0)
    root = draw(line)
    assert stall_bands(root) == [(pytest.approx(6.0, abs=0.1), 9.0), (pytest.approx(14.0, abs=0.1), 15.5)]
    tooltips = [r.find(f"{SVG}title").text for r in root.iter(f"{SVG}rect") if r.get("class") == "stall"]
    assert tooltips[1].endswith("(1.5 s)")


def test_marks_are_drawn_with_their_labels_and_may_reach_past_the_run():
    marks = [plot.Mark("broker 2 <stopped> & back", 5.0, 9.0), plot.Mark("controller moved", 18.0, 25.0)]
    root = draw(timeline(acks=steady(10, 20), seconds=20.0), marks)
    windows = [g for g in root.iter(f"{SVG}g") if g.get("class") == "mark"]
    assert [w.find(f"{SVG}text").text for w in windows] == ["broker 2 <stopped> & back", "controller moved"]
    assert [seconds_of(root, w.find(f"{SVG}rect")) for w in windows] == [(5.0, 9.0), (18.0, 25.0)]
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legend")
    assert "marked window" in [t.text for t in legend.iter(f"{SVG}text")]


def test_the_title_carries_the_verdict_and_its_counts():
    report = {"run_id": "abc", "result": "messages lost or corrupted", "longest_ack_stall_s": 3.25,
              "counts": {"sent": 100, "acked": 90, "failed": 10, "unresolved": 0, "read": 90, "lost": 2,
                         "unavailable": 0, "duplicated": 0, "reordered": 0, "corrupted": 1}}
    root = draw(timeline(acks=steady(10, 10), seconds=10.0), report=report)
    texts = {t.get("class"): t.text for t in root.iter(f"{SVG}text") if t.get("class")}
    assert texts["title"] == "kafka_verify run abc: messages lost or corrupted"
    assert texts["subtitle"] == ("sent 100 · acked 90 · failed 10 · unresolved 0 · lost 2 · unavailable 0 · "
                                 "duplicated 0 · corrupted 1 · longest ack stall 3.25 s")


def test_a_run_without_a_single_acknowledgement_still_plots():
    line = timeline(failures=[3.0, 3.5, 4.0], seconds=5.0)
    assert line.stalls == [(0.0, 5.0)]
    root = draw(line, [plot.Mark("all brokers down", 0.0, 5.0)])
    assert series(root, "acked") == [0, 0, 0, 0, 0]
    assert series(root, "failed") == [0, 0, 0, 2, 1]
    assert stall_bands(root) == [(0.0, 5.0)]


def test_an_empty_timeline_still_plots():
    root = draw(Timeline())
    assert series(root, "acked") == [0]


@pytest.mark.parametrize(("raw", "step"), [(0, 1), (0.3, 0.5), (1, 1), (7, 10), (12, 20), (40, 50), (44, 50),
                                           (101, 200)])
def test_ticks_step_by_one_two_or_five(raw, step):
    assert plot.nice_step(raw) == step


# -- marks and the command line --------------------------------------------------------------

@pytest.mark.parametrize(("text", "mark"), [
    ("kill=20-45", plot.Mark("kill", 20.0, 45.0)),
    ("broker 2 stopped=0.5-3.25", plot.Mark("broker 2 stopped", 0.5, 3.25)),
    ("a=b=1-2", plot.Mark("a=b", 1.0, 2.0)),
])
def test_marks_parse(text, mark):
    assert plot.parse_mark(text) == mark


@pytest.mark.parametrize(("text", "reason"), [
    ("kill", "is not LABEL=START-END"), ("=1-2", "is not LABEL=START-END"), ("kill=20", "is not LABEL=START-END"),
    ("kill=-5-3", "is not LABEL=START-END"), ("kill=a-b", "is not LABEL=START-END"),
    ("kill=45-20", "not after its start"), ("kill=3-3", "not after its start"),
])
def test_bad_marks_say_why(text, reason):
    with pytest.raises(ValueError, match=reason):
        plot.parse_mark(text)


@pytest.mark.parametrize(("args", "fragment"), [
    (["--plot", "run.png"], "SVG only"),
    (["--plot", "run"], "SVG only"),
    (["--plot", "/nonexistent-dir/run.svg"], "does not exist"),
    (["--plot", "run.svg", "--mark", "kill"], "is not LABEL=START-END"),
])
def test_a_plot_it_cannot_write_is_refused_in_one_line(capsys, args, fragment):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["--duration", "5", *args])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert fragment in error


@pytest.mark.parametrize(("args", "reason"), [
    (["--plot", "run.svg"], "--plot needs --duration (continuous mode)"),
    (["--duration", "5", "--mark", "kill=1-2"], "--mark needs --plot FILE.svg"),
])
def test_plot_options_need_their_mode(capsys, args, reason):
    code = cli.main(["--json", *args])
    report = json.loads(capsys.readouterr().out)
    assert code == 2
    assert report["reason"] == reason


def test_the_help_documents_the_plot(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--plot FILE.svg" in text
    assert "--mark LABEL=START-END" in text
    assert "SVG only" in text


# -- whole continuous runs, against the stand-in cluster -------------------------------------

class TimedWorkload(FakeWorkload):
    """The stand-in workload with a timeline: acknowledgements at 10 per second over 6 s with a
    silence from 2 s to 4 s, and a failure at 3 s."""

    def produce(self, bootstrap, run_id, topics, per_topic, size, delivery_ms, rate=None, duration=None,
                stop=None, security=None):
        produced = super().produce(bootstrap, run_id, topics, per_topic, size, delivery_ms, rate, duration,
                                   security=security)
        produced.started = 100.0
        produced.finished = 106.0
        produced.timeline = timeline(acks=steady(10, 6, gaps=[(2, 4)]), failures=[3.0] * self.failed, seconds=6.0)
        return produced

    def consume(self, bootstrap, run_id, group, first, last, timeout, done=None, final_targets=None, security=None):
        if done is not None:  # the continuous reader starts before anything is produced
            done.wait(10)
        return super().consume(bootstrap, run_id, group, first, last, timeout, done, final_targets, security)


@pytest.fixture
def timed(monkeypatch):
    cluster = FakeCluster()
    load = TimedWorkload(cluster)

    def connect(self):
        self.admin = cluster
        self.cluster = cluster.describe_cluster()

    monkeypatch.setattr(cli.Verifier, "connect", connect)
    for name in ("end_offsets", "produce", "consume"):
        monkeypatch.setattr(workload, name, getattr(load, name))
    return load


def continuous(capsys, *args):
    code = cli.main(["--json", "--topics", "1", "--wait-healthy", "0", "--duration", "6", "--rate", "10", *args])
    return code, json.loads(capsys.readouterr().out)


def test_a_continuous_run_reports_its_timeline_and_writes_the_plot(timed, capsys, tmp_path):
    path = tmp_path / "run.svg"
    timed.failed = 1
    code, report = continuous(capsys, "--plot", str(path), "--mark", "broker 2 stopped=2-4", "--expect-failures")
    assert code == 0, report["reason"]
    assert report["plot"] == str(path)
    assert report["marks"] == [{"label": "broker 2 stopped", "start_s": 2.0, "end_s": 4.0}]
    assert report["timeline"]["acked_per_s"] == [10, 10, 0, 0, 10, 10]
    assert report["timeline"]["failed_per_s"] == [0, 0, 0, 1, 0, 0]
    assert report["timeline"]["stalls"] == [[pytest.approx(1.9), 4.0]]
    root = parse(path.read_text(encoding="utf-8"))
    assert series(root, "acked") == [10, 10, 0, 0, 10, 10]
    assert len(stall_bands(root)) == 1
    subtitle = next(t.text for t in root.iter(f"{SVG}text") if t.get("class") == "subtitle")
    assert subtitle.startswith("sent 31 · acked 30 · failed 1 · unresolved 0 · lost 0")


def test_a_failed_run_is_plotted_too(timed, capsys, tmp_path):
    path = tmp_path / "loss.svg"
    timed.stopped = {(TOPIC, 0): 0}
    code, report = continuous(capsys, "--plot", str(path))
    assert code == 5, report["reason"]
    title = next(t.text for t in parse(path.read_text()).iter(f"{SVG}text") if t.get("class") == "title")
    assert title.endswith(": messages lost or corrupted")


def test_a_plot_that_cannot_be_written_leaves_the_verdict_alone(timed, capsys, tmp_path):
    path = tmp_path / "taken.svg"
    path.mkdir()
    code, report = continuous(capsys, "--plot", str(path))
    assert code == 0, report["reason"]
    assert "plot" not in report
    assert report["plot_error"].startswith(f"cannot write {path}")


def test_the_table_names_the_plot(timed, capsys, tmp_path):
    path = tmp_path / "run.svg"
    code = cli.main(["--topics", "1", "--wait-healthy", "0", "--duration", "6", "--plot", str(path)])
    assert code == 0
    assert f"  plot         {path}" in capsys.readouterr().out


def test_a_batch_run_reports_no_timeline(timed, capsys):
    code = cli.main(["--json", "--topics", "1", "--wait-healthy", "0"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0, report["reason"]
    assert "timeline" not in report


def test_a_report_alone_plots_the_same_as_the_run_that_wrote_it():
    timeline = Timeline()
    timeline.start(100.0)
    for now in (100.2, 100.4, 101.5, 104.0):
        timeline.ack(now)
    timeline.fail(102.0)
    timeline.finish(105.0)
    report = {"run_id": "r1", "result": "PASS", "counts": {"acked": 4, "failed": 1},
              "timeline": json.loads(json.dumps(timeline.as_dict()))}
    marks = [plot.Mark("broker 2 stopped", 1.0, 3.0)]
    title, subtitle = plot.caption(report)
    assert plot.render_report(report, marks) == plot.render(timeline, marks, title, subtitle)
