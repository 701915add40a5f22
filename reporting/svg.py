"""Small hand-written SVG charts: bar, grouped bar, line, waterfall and funnel.

Every chart is one ``<svg>`` string with no script and no external reference, so a page embedding it
needs no network. Each carries ``role="img"``, a ``<title>`` and a ``<desc>`` (referenced by
``aria-labelledby``), prints its numbers as text beside the marks, and keeps the exact value of each
mark in a ``data-value`` attribute. The SVG scales to its container (``viewBox``, width 100 %).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

Formatter = Callable[[float], str]

# Colour-blind-safe palette (Okabe-Ito), in series order.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#000000")
POSITIVE = "#009e73"
NEGATIVE = "#d55e00"
TOTAL = "#0072b2"
AXIS = "#888"
TEXT = "#222"
FONT = 12
_ids = itertools.count(1)


def compact(value: float) -> str:
    """``1234567.8`` -> ``1.23M``: short labels for chart marks (exact values are in data-value)."""
    sign = "-" if value < 0 else ""
    v = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if v >= limit:
            return f"{sign}{v / limit:.3g}{suffix}"
    if v == int(v):
        return f"{sign}{int(v)}"
    return f"{sign}{v:.3g}"


def percent(value: float) -> str:
    return f"{value * 100:.1f} %"


@dataclass(frozen=True)
class Scale:
    """Linear map from a data domain to pixels. A zero-width domain maps everything to ``range_min``."""

    domain_min: float
    domain_max: float
    range_min: float
    range_max: float

    def __call__(self, value: float) -> float:
        span = self.domain_max - self.domain_min
        if span == 0:
            return self.range_min
        return self.range_min + (value - self.domain_min) / span * (self.range_max - self.range_min)

    def ticks(self, count: int = 5) -> list[float]:
        """Round tick values (1, 2 or 5 x a power of ten) covering the domain."""
        return nice_ticks(self.domain_min, self.domain_max, count)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values from at most ``low`` to at least ``high`` (1, 2, 5 x 10^n steps)."""
    if high < low:
        low, high = high, low
    if high == low:
        return [low]
    raw = (high - low) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value < high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 10))
    return ticks


def domain(values: Sequence[float], include_zero: bool = True) -> tuple[float, float]:
    """The (min, max) of ``values`` (with 0 when ``include_zero``); (0, 0) when there are none."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    if include_zero:
        finite.append(0.0)
    if not finite:
        return (0.0, 0.0)
    return (min(finite), max(finite))


def _svg(kind: str, title: str, desc: str, width: int, height: int, body: Sequence[str]) -> str:
    n = next(_ids)
    tid, did = f"chart-{n}-title", f"chart-{n}-desc"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="{kind}" role="img" '
        f'aria-labelledby="{tid} {did}" viewBox="0 0 {width} {height}" preserveAspectRatio="xMinYMin meet" '
        f'font-family="system-ui,sans-serif" font-size="{FONT}">'
        f'<title id="{tid}">{escape(title)}</title><desc id="{did}">{escape(desc)}</desc>'
        + "".join(body)
        + "</svg>"
    )


def _text(x: float, y: float, label: str, anchor: str = "start", cls: str = "", **attrs: object) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(str(v))}"' for k, v in attrs.items())
    klass = f' class="{cls}"' if cls else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{TEXT}"{klass}{extra}>'
        f"{escape(label)}</text>"
    )


def _empty(kind: str, title: str, width: int, message: str) -> str:
    return _svg(
        kind, title, message, width, 60, [_text(width / 2, 34, message, "middle", font_style="italic")]
    )


def _label_width(labels: Sequence[str], width: int) -> int:
    """Room for the longest label (about 0.6 em per character), at most 45 % of the chart."""
    return int(min(width * 0.45, max([len(s) for s in labels] + [4]) * FONT * 0.6 + 10))


def bar_chart(
    title: str,
    items: Sequence[tuple[str, float | None]],
    fmt: Formatter = compact,
    width: int = 560,
    desc: str = "",
    colors: Sequence[str] | None = None,
    empty: str = "No data for this period.",
) -> str:
    """Horizontal bars, one per (label, value), the value printed beside each bar. Negative values
    extend left of a zero line; ``None`` is shown as "n/a" without a bar; no items shows ``empty``."""
    if not items:
        return _empty("bar", title, width, empty)
    bar_h, gap, top = 22, 8, 8
    label_w = _label_width([label for label, _ in items], width)
    value_w = 90
    low, high = domain([v for _, v in items])
    x = Scale(low, high, label_w, width - value_w)
    height = top + len(items) * (bar_h + gap) + 4
    body = [f'<line x1="{x(0):.1f}" y1="{top - 4}" x2="{x(0):.1f}" y2="{height - 4}" stroke="{AXIS}"/>']
    for i, (label, value) in enumerate(items):
        y = top + i * (bar_h + gap)
        mid = y + bar_h / 2 + FONT / 3
        body.append(_text(label_w - 6, mid, label, "end"))
        if value is None:
            body.append(_text(x(0) + 4, mid, "n/a", data_value=""))
            continue
        x0, x1 = sorted((x(0), x(value)))
        color = colors[i % len(colors)] if colors else TOTAL
        body.append(
            f'<rect x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 1):.1f}" height="{bar_h}" fill="{color}" '
            f'data-value="{value!r}"><title>{escape(label)}: {escape(fmt(value))}</title></rect>'
        )
        if value < 0:
            body.append(
                _text(x0 - 4, mid, fmt(value), "end")
                if x0 - 4 > label_w + 40
                else _text(x1 + 4, mid, fmt(value))
            )
        else:
            body.append(_text(x1 + 4, mid, fmt(value)))
    return _svg("bar", title, desc or title, width, height, body)


def grouped_bar_chart(
    title: str,
    groups: Sequence[str],
    series: Sequence[str],
    values: dict[tuple[str, str], float],
    fmt: Formatter = compact,
    width: int = 560,
    desc: str = "",
) -> str:
    """Horizontal grouped bars: one block per group, one bar per series (legend on top), values as text.
    A missing (group, series) value is drawn as 0."""
    if not groups or not series:
        return _empty("grouped-bar", title, width, "No data for this period.")
    bar_h, inner, gap = 12, 2, 12
    legend_h = 18 * math.ceil(len(series) / 3) + 6
    label_w = _label_width(groups, width)
    value_w = 70
    low, high = domain(list(values.values()))
    x = Scale(low, high, label_w, width - value_w)
    block = len(series) * (bar_h + inner)
    height = legend_h + len(groups) * (block + gap)
    body = []
    col_w = (width - 10) / 3
    for j, name in enumerate(series):
        lx, ly = 10 + (j % 3) * col_w, 12 + 18 * (j // 3)
        body.append(f'<rect x="{lx:.1f}" y="{ly - 9}" width="10" height="10" fill="{PALETTE[j % 8]}"/>')
        body.append(_text(lx + 14, ly, name))
    body.append(
        f'<line x1="{x(0):.1f}" y1="{legend_h - 2}" x2="{x(0):.1f}" y2="{height - 4}" stroke="{AXIS}"/>'
    )
    for i, group in enumerate(groups):
        y0 = legend_h + i * (block + gap)
        body.append(_text(label_w - 6, y0 + block / 2 + FONT / 3, group, "end"))
        for j, name in enumerate(series):
            value = values.get((group, name), 0.0)
            y = y0 + j * (bar_h + inner)
            x0, x1 = sorted((x(0), x(value)))
            body.append(
                f'<rect x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 1):.1f}" height="{bar_h}" '
                f'fill="{PALETTE[j % 8]}" data-value="{value!r}" data-group="{escape(group)}" '
                f'data-series="{escape(name)}"><title>{escape(group)}, {escape(name)}: '
                f"{escape(fmt(value))}</title></rect>"
            )
            body.append(_text(x1 + 3, y + bar_h - 2, fmt(value), font_size=10))
    return _svg("grouped-bar", title, desc or title, width, height, body)


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    fmt: Formatter = compact,
    width: int = 560,
    height: int = 240,
    desc: str = "",
) -> str:
    """Lines over categorical x labels, one per series, every point labelled with its value.
    ``None`` breaks the line (no point)."""
    points = [v for values in series.values() for v in values if v is not None]
    if not x_labels or not points:
        return _empty("line", title, width, "No data for this period.")
    left, right, top = 58, 32, 14 + 18 * len(series)
    bottom = height - 34
    low, high = domain(points)
    ticks = nice_ticks(low, high, 4)
    y = Scale(ticks[0], ticks[-1], bottom, top)
    step = (width - left - right) / max(len(x_labels) - 1, 1)

    def xpos(i: int) -> float:
        return left + (i * step if len(x_labels) > 1 else (width - left - right) / 2)

    body = []
    for j, name in enumerate(series):
        body.append(f'<rect x="{left + j * 170}" y="4" width="10" height="10" fill="{PALETTE[j % 8]}"/>')
        body.append(_text(left + j * 170 + 14, 13, name))
    for t in ticks:
        body.append(
            f'<line x1="{left}" y1="{y(t):.1f}" x2="{width - right}" y2="{y(t):.1f}" stroke="#e3e3e3"/>'
        )
        body.append(_text(left - 4, y(t) + 4, fmt(t), "end", font_size=10))
    every = max(1, math.ceil(len(x_labels) / 8))
    for i, label in enumerate(x_labels):
        last = len(x_labels) - 1
        if (i % every == 0 and last - i >= every) or i == last:
            body.append(_text(xpos(i), height - 16, label, "middle", font_size=10))
    for j, (name, values) in enumerate(series.items()):
        color = PALETTE[j % 8]
        segments: list[list[str]] = [[]]
        for i, value in enumerate(values):
            if value is None:
                segments.append([])
                continue
            segments[-1].append(f"{xpos(i):.1f},{y(value):.1f}")
        for seg in segments:
            if len(seg) > 1:
                body.append(
                    f'<polyline points="{" ".join(seg)}" fill="none" stroke="{color}" stroke-width="2"/>'
                )
        for i, value in enumerate(values):
            if value is None:
                continue
            body.append(
                f'<circle cx="{xpos(i):.1f}" cy="{y(value):.1f}" r="3" fill="{color}" data-value="{value!r}" '
                f'data-series="{escape(name)}"><title>{escape(name)} {escape(x_labels[i])}: '
                f"{escape(fmt(value))}</title></circle>"
            )
            if (i % every == 0 and len(values) - 1 - i >= every) or i == len(values) - 1:
                # the highest value at this x is labelled above its point, the others below
                others = [v[i] for k, v in enumerate(series.values()) if k != j and v[i] is not None]
                below = y(value) + 15 < bottom - 2 and not all(value >= o for o in others)
                dy = 15 if below else -7
                anchor = "start" if i == 0 and len(values) > 1 else "middle"
                body.append(
                    _text(
                        xpos(i) - (4 if anchor == "start" else 0),
                        y(value) + dy,
                        fmt(value),
                        anchor,
                        font_size=10,
                    )
                )
    return _svg("line", title, desc or title, width, height, body)


def waterfall_chart(
    title: str,
    steps: Sequence[tuple[str, float, bool]],
    fmt: Formatter = compact,
    width: int = 560,
    height: int = 260,
    desc: str = "",
) -> str:
    """Vertical waterfall: (label, value, is_total). A total bar stands on 0; a change floats from the
    running total (up in green when positive, down in orange when negative). The running total restarts
    at each total bar."""
    if not steps:
        return _empty("waterfall", title, width, "No data for this period.")
    bars: list[tuple[str, float, float, float, bool]] = []  # label, value, start, end, is_total
    running = 0.0
    for label, value, is_total in steps:
        if is_total:
            bars.append((label, value, 0.0, value, True))
            running = value
        else:
            bars.append((label, value, running, running + value, False))
            running += value
    low, high = domain([b[2] for b in bars] + [b[3] for b in bars])
    ticks = nice_ticks(low, high, 4)
    left, right, top, bottom = 58, 10, 20, height - 30
    y = Scale(ticks[0], ticks[-1], bottom, top)
    slot = (width - left - right) / len(bars)
    bar_w = slot * 0.62
    body = []
    for t in ticks:
        body.append(
            f'<line x1="{left}" y1="{y(t):.1f}" x2="{width - right}" y2="{y(t):.1f}" stroke="#e3e3e3"/>'
        )
        body.append(_text(left - 4, y(t) + 4, fmt(t), "end", font_size=10))
    body.append(f'<line x1="{left}" y1="{y(0):.1f}" x2="{width - right}" y2="{y(0):.1f}" stroke="{AXIS}"/>')
    for i, (label, value, start, end, is_total) in enumerate(bars):
        x = left + i * slot + (slot - bar_w) / 2
        y_top, y_bottom = sorted((y(start), y(end)))
        color = TOTAL if is_total else (POSITIVE if value >= 0 else NEGATIVE)
        kind = "total" if is_total else ("increase" if value >= 0 else "decrease")
        shown = fmt(value) if is_total or value < 0 else "+" + fmt(value)
        body.append(
            f'<rect x="{x:.1f}" y="{y_top:.1f}" width="{bar_w:.1f}" height="{max(y_bottom - y_top, 1):.1f}" '
            f'fill="{color}" data-value="{value!r}" data-kind="{kind}">'
            f"<title>{escape(label)}: {escape(shown)}</title></rect>"
        )
        body.append(_text(x + bar_w / 2, y_top - 4, shown, "middle", font_size=11))
        if i + 1 < len(bars):
            body.append(
                f'<line x1="{x + bar_w:.1f}" y1="{y(end):.1f}" x2="{x + slot:.1f}" y2="{y(end):.1f}" '
                f'stroke="{AXIS}" stroke-dasharray="3 2"/>'
            )
        body.append(_text(x + bar_w / 2, height - 12, label, "middle", font_size=11))
    return _svg("waterfall", title, desc or title, width, height, body)


def funnel_chart(
    title: str,
    stages: Sequence[tuple[str, float]],
    steps: Sequence[tuple[float | None, float | None]] = (),
    width: int = 560,
    desc: str = "",
) -> str:
    """Centered bars, one per stage (label, count), widths proportional to the count. ``steps`` holds,
    between stage i and i+1, (conversion rate, median days), printed between the bars."""
    if not stages:
        return _empty("funnel", title, width, "No data for this period.")
    bar_h, gap = 24, 22
    label_w = _label_width([s for s, _ in stages], width)
    usable = width - label_w - 10
    high = max([v for _, v in stages] + [0])
    x = Scale(0, high, 0, usable)
    center = label_w + usable / 2
    height = len(stages) * (bar_h + gap) - gap + 8
    body = []
    for i, (label, count) in enumerate(stages):
        y = 4 + i * (bar_h + gap)
        w = max(x(count), 2)
        body.append(_text(label_w - 6, y + bar_h / 2 + FONT / 3, label, "end"))
        body.append(
            f'<rect x="{center - w / 2:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{PALETTE[i % 8]}" '
            f'data-value="{count!r}"><title>{escape(label)}: {count:,.0f}</title></rect>'
        )
        body.append(
            _text(
                center,
                y + bar_h / 2 + FONT / 3,
                f"{count:,.0f}",
                "middle",
                font_weight="600",
                stroke="#fff",
                stroke_width="3",
                paint_order="stroke",
            )
        )
        if i < len(steps) and i + 1 < len(stages):
            rate, days = steps[i]
            parts = ["conversion " + ("n/a" if rate is None else percent(rate))]
            parts.append("median " + ("n/a" if days is None else f"{days:g} days"))
            body.append(
                _text(
                    center,
                    y + bar_h + gap / 2 + 4,
                    " · ".join(parts),
                    "middle",
                    font_size=10,
                    data_value="" if rate is None else repr(rate),
                    cls="step",
                )
            )
    return _svg("funnel", title, desc or title, width, height, body)
