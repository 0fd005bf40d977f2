"""A continuous run's timeline as a self-contained SVG: acknowledgements and failed sends per
second, the stalls between acknowledgements shaded, and the fault windows the caller marks.

SVG only, written with the standard library: hosts that run the bundle have no plotting library,
and a PNG would need one to draw text.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kafka_verify.timeline import Timeline

WIDTH, HEIGHT = 960, 500
LEFT, RIGHT, TOP, BOTTOM = 76, 24, 72, 104  # room for tick labels, titles and the legend
ACKED, FAILED, STALL, MARK, INK, GRID = "#1f77b4", "#d62728", "#7f7f7f", "#ff7f0e", "#222222", "#e3e3e3"
FONT = "font-family: sans-serif"
# Marks may overlap; their labels take turns on this many rows so they stay readable.
LABEL_ROWS = 3
# Counts every title shows; the other defects only when there are some, to keep it on one line.
ALWAYS_COUNTED = ("sent", "acked", "failed", "unresolved", "lost", "unavailable", "duplicated")
COUNTED_WHEN_ANY = ("reordered", "misplaced", "corrupted")
MARK_PATTERN = re.compile(r"(?P<label>.+)=(?P<start>\d+(?:\.\d*)?)-(?P<end>\d+(?:\.\d*)?)")


@dataclass(frozen=True)
class Mark:
    """A window of the run to mark, in seconds from the start of production."""

    label: str
    start: float
    end: float

    def as_dict(self) -> dict[str, Any]:
        return {"label": self.label, "start_s": self.start, "end_s": self.end}


def parse_mark(text: str) -> Mark:
    """LABEL=START-END, e.g. 'broker 2 stopped=20-45'; raises ValueError saying what is wrong."""
    match = MARK_PATTERN.fullmatch(text.strip())
    if not match or not match["label"].strip():
        raise ValueError(f"{text!r} is not LABEL=START-END (seconds from the start, e.g. 'broker 2 down=20-45')")
    start, end = float(match["start"]), float(match["end"])
    if end <= start:
        raise ValueError(f"{text!r} ends at {end:g} s, not after its start {start:g} s")
    return Mark(match["label"].strip(), start, end)


def refusal(path: str) -> str | None:
    """Why the plot cannot be written to path, or None."""
    target = Path(path)
    if target.suffix.lower() != ".svg":
        return f"{path!r}: the plot is written as SVG only (PNG would need an image library); name it *.svg"
    if not target.parent.is_dir():
        return f"{path!r}: directory {str(target.parent)!r} does not exist"
    return None


def caption(report: Mapping[str, Any]) -> tuple[str, str]:
    """The title (run and verdict) and the line of counts under it, from the run's report."""
    title = f"kafka_verify run {report.get('run_id', '?')}: {report.get('result', 'no verdict')}"
    counts = report.get("counts") or {}
    shown = [name for name in ALWAYS_COUNTED if name in counts]
    shown += [name for name in COUNTED_WHEN_ANY if counts.get(name)]
    parts = [f"{name} {counts[name]}" for name in shown]
    if report.get("longest_ack_stall_s") is not None:
        parts.append(f"longest ack stall {report['longest_ack_stall_s']:g} s")
    return title, " · ".join(parts) or "no counts: the run stopped before its verdict"


def render_report(report: Mapping[str, Any], marks: Sequence[Mark]) -> str:
    """The plot of a finished run from its JSON report alone (its 'timeline'), e.g. on the machine
    that collected the report rather than the host that ran it."""
    title, subtitle = caption(report)
    return render(Timeline.from_dict(report.get("timeline") or {}), marks, title, subtitle)


def write(path: str, svg: str) -> None:
    Path(path).write_text(svg, encoding="utf-8")


# -- drawing -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Frame:
    """Maps seconds and messages per second to pixels of the plotting area."""

    span: float
    top: float

    def x(self, seconds: float) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * min(max(seconds, 0.0), self.span) / self.span

    def y(self, rate: float) -> float:
        return HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * rate / self.top


def nice_step(raw: float) -> float:
    """The 1, 2 or 5 times a power of ten at or above raw: ticks a reader can add up."""
    if raw <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(raw))
    return next(factor * power for factor in (1, 2, 5, 10) if factor * power >= raw * (1 - 1e-9))


def ticks(limit: float, step: float) -> list[float]:
    return [index * step for index in range(int(limit / step + 1e-9) + 1)]


def render(timeline: Timeline, marks: Sequence[Mark], title: str, subtitle: str) -> str:
    """The whole SVG document."""
    # A tenth of headroom keeps the busiest second off the frame's top edge.
    peak = max([*timeline.acked, *timeline.failed, 1]) * 1.1
    # Counts are whole messages: a step under one would label the axis with fractions of one.
    y_step = max(nice_step(peak / 5), 1.0)
    span = max(float(len(timeline.acked)), timeline.seconds, *(mark.end for mark in marks), 1.0)
    frame = Frame(span=span, top=math.ceil(peak / y_step) * y_step)
    svg = ET.Element("svg", {"xmlns": "http://www.w3.org/2000/svg", "width": str(WIDTH), "height": str(HEIGHT),
                             "viewBox": f"0 0 {WIDTH} {HEIGHT}", "style": FONT})
    _element(svg, "title", {}, f"{title} — {subtitle}")
    _element(svg, "rect", {"width": WIDTH, "height": HEIGHT, "fill": "white"})
    _stalls(svg, frame, timeline.stalls)
    _marks(svg, frame, marks)
    _grid(svg, frame, nice_step(span / 10), y_step)
    _series(svg, frame, timeline.acked, "acked", ACKED)
    _series(svg, frame, timeline.failed, "failed", FAILED)
    _axes(svg, frame)
    _titles(svg, title, subtitle)
    _legend(svg, timeline.stall_s, bool(marks))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(svg, encoding="unicode") + "\n"


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _element(parent: ET.Element, tag: str, attributes: Mapping[str, object], text: str | None = None) -> ET.Element:
    element = ET.SubElement(parent, tag, {key: _number(value) if isinstance(value, float) else str(value)
                                          for key, value in attributes.items()})
    element.text = text
    return element


def _band(group: ET.Element, frame: Frame, start: float, end: float, fill: str, opacity: float,
          tooltip: str) -> ET.Element:
    left, right = frame.x(start), frame.x(end)
    band = _element(group, "rect", {"x": left, "y": float(TOP), "width": max(right - left, 1.0),
                                    "height": float(HEIGHT - TOP - BOTTOM), "fill": fill, "fill-opacity": opacity})
    _element(band, "title", {}, tooltip)
    return band


def _stalls(svg: ET.Element, frame: Frame, stalls: Sequence[tuple[float, float]]) -> None:
    group = _element(svg, "g", {"class": "stalls"})
    for start, end in stalls:
        band = _band(group, frame, start, end, STALL, 0.3, f"no acknowledgement from {start:g} s to {end:g} s "
                                                          f"({end - start:.1f} s)")
        band.set("class", "stall")


def _marks(svg: ET.Element, frame: Frame, marks: Sequence[Mark]) -> None:
    group = _element(svg, "g", {"class": "marks"})
    for index, mark in enumerate(marks):
        window = _element(group, "g", {"class": "mark"})
        _band(window, frame, mark.start, mark.end, MARK, 0.18, f"{mark.label}: {mark.start:g}–{mark.end:g} s")
        for edge in (mark.start, mark.end):
            _element(window, "line", {"x1": frame.x(edge), "x2": frame.x(edge), "y1": float(TOP),
                                      "y2": float(HEIGHT - BOTTOM), "stroke": MARK, "stroke-dasharray": "4 3"})
        _element(window, "text", {"x": frame.x(mark.start) + 4, "y": float(TOP + 14 + 14 * (index % LABEL_ROWS)),
                                  "font-size": 12, "fill": INK}, mark.label)


def _grid(svg: ET.Element, frame: Frame, x_step: float, y_step: float) -> None:
    group = _element(svg, "g", {"class": "ticks", "font-size": 11, "fill": INK})
    for rate in ticks(frame.top, y_step):
        y = frame.y(rate)
        _element(group, "line", {"x1": float(LEFT), "x2": float(WIDTH - RIGHT), "y1": y, "y2": y, "stroke": GRID})
        _element(group, "text", {"x": float(LEFT - 6), "y": y + 4, "text-anchor": "end"}, f"{rate:g}")
    for second in ticks(frame.span, x_step):
        x = frame.x(second)
        bottom = float(HEIGHT - BOTTOM)
        _element(group, "line", {"x1": x, "x2": x, "y1": bottom, "y2": bottom + 5, "stroke": INK})
        _element(group, "text", {"x": x, "y": bottom + 18, "text-anchor": "middle"}, f"{second:g}")


def _series(svg: ET.Element, frame: Frame, values: Sequence[int], name: str, color: str) -> None:
    # Steps, not a line through points: each count belongs to a whole second. A corner only
    # where the count changes keeps a steady hour-long run small.
    levels = list(values) or [0]
    points = [(frame.x(0), frame.y(levels[0]))]
    for second, (before, value) in enumerate(zip(levels, levels[1:]), start=1):
        if value != before:
            points += [(frame.x(second), frame.y(before)), (frame.x(second), frame.y(value))]
    points.append((frame.x(len(levels)), frame.y(levels[-1])))
    _element(svg, "polyline", {"class": f"series {name}", "fill": "none", "stroke": color, "stroke-width": 1.5,
                               "points": " ".join(f"{_number(x)},{_number(y)}" for x, y in points)})


def _axes(svg: ET.Element, frame: Frame) -> None:
    bottom, middle = float(HEIGHT - BOTTOM), (TOP + HEIGHT - BOTTOM) / 2
    group = _element(svg, "g", {"class": "axes", "stroke": INK})
    _element(group, "line", {"x1": float(LEFT), "x2": float(WIDTH - RIGHT), "y1": bottom, "y2": bottom})
    _element(group, "line", {"x1": float(LEFT), "x2": float(LEFT), "y1": float(TOP), "y2": bottom})
    labels = _element(svg, "g", {"class": "axis-labels", "font-size": 12, "fill": INK})
    _element(labels, "text", {"x": (LEFT + WIDTH - RIGHT) / 2, "y": bottom + 36, "text-anchor": "middle"},
             "seconds since production started")
    _element(labels, "text", {"x": 18.0, "y": middle, "text-anchor": "middle",
                              "transform": f"rotate(-90 18 {_number(middle)})"}, "messages per second")


def _titles(svg: ET.Element, title: str, subtitle: str) -> None:
    _element(svg, "text", {"class": "title", "x": float(LEFT), "y": 24.0, "font-size": 15, "font-weight": "bold",
                           "fill": INK}, title)
    _element(svg, "text", {"class": "subtitle", "x": float(LEFT), "y": 44.0, "font-size": 12, "fill": INK}, subtitle)


def _legend(svg: ET.Element, stall_s: float, with_marks: bool) -> None:
    entries = [("line", ACKED, "acknowledged/s"),
               ("line", FAILED, "failed sends/s (when reported)"),
               ("band", STALL, f"stall: no ack for ≥ {stall_s:g} s")]
    if with_marks:
        entries.append(("band", MARK, "marked window"))
    group = _element(svg, "g", {"class": "legend", "font-size": 12, "fill": INK})
    x, y = float(LEFT), float(HEIGHT - 24)
    for kind, color, label in entries:
        if kind == "line":
            _element(group, "line", {"x1": x, "x2": x + 18, "y1": y - 4, "y2": y - 4, "stroke": color,
                                     "stroke-width": 2})
        else:
            _element(group, "rect", {"x": x, "y": y - 10, "width": 18, "height": 12, "fill": color,
                                     "fill-opacity": 0.4})
        _element(group, "text", {"x": x + 24, "y": y}, label)
        # Without a font at hand, the width of a label is estimated from its length.
        x += 24 + 6.6 * len(label) + 20
