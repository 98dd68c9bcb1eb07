"""The pipeline chart's geometry: bars per status and the moves between statuses, as SVG data."""

from __future__ import annotations

from dataclasses import dataclass

from storage import Status

STATUS_LABELS = {
    Status.APPLIED: "Applied",
    Status.INTERVIEWING: "Interviewing",
    Status.OFFER: "Offer Extended",
    Status.REJECTED: "Rejected",
}
BAR_AREA_LEFT = 120
MOVE_LABEL_WIDTH = 215
BAR_AREA_WIDTH = 250
ROW_HEIGHT = 34
BAR_HEIGHT = 22


@dataclass(frozen=True)
class ChartRow:
    """One horizontal bar: a label, a count and where to draw it."""

    label: str
    css_class: str
    count: int
    y: int
    width: int


@dataclass(frozen=True)
class PipelineChart:
    """Everything the template needs to draw an accessible SVG bar chart."""

    rows: tuple[ChartRow, ...]
    width: int
    height: int
    bar_left: int
    bar_height: int
    summary: str


def _bar_rows(items: list[tuple[str, str, int]]) -> tuple[ChartRow, ...]:
    largest = max((count for _, _, count in items), default=0) or 1
    rows = []
    for index, (label, css_class, count) in enumerate(items):
        width = round(BAR_AREA_WIDTH * count / largest) if count else 0
        rows.append(ChartRow(label, css_class, count, index * ROW_HEIGHT + 6, width))
    return tuple(rows)


def _chart(
    items: list[tuple[str, str, int]], summary: str, *, label_width: int = BAR_AREA_LEFT
) -> PipelineChart:
    rows = _bar_rows(items)
    return PipelineChart(
        rows=rows,
        width=label_width + BAR_AREA_WIDTH + 40,
        height=max(1, len(rows)) * ROW_HEIGHT + 8,
        bar_left=label_width,
        bar_height=BAR_HEIGHT,
        summary=summary,
    )


def status_chart(counts: dict[Status, int]) -> PipelineChart:
    """How many applications are in each status."""
    items = [(STATUS_LABELS[s], f"bar-{s.value}", counts.get(s, 0)) for s in Status]
    summary = ", ".join(f"{label}: {count}" for label, _, count in items)
    return _chart(items, f"Applications by status. {summary}.")


def moves_chart(moves: dict[tuple[Status | None, Status], int]) -> PipelineChart:
    """How applications moved: every applied status change, grouped by from → to."""
    ordered = sorted(moves.items(), key=lambda item: (_rank(item[0][0]), _rank(item[0][1])))
    items = [
        (_move_label(source, target), f"bar-{target.value}", count)
        for (source, target), count in ordered
    ]
    summary = ", ".join(f"{label}: {count}" for label, _, count in items) or "no moves yet"
    return _chart(items, f"Status changes. {summary}.", label_width=MOVE_LABEL_WIDTH)


def _rank(status: Status | None) -> int:
    return -1 if status is None else list(Status).index(status)


def _move_label(source: Status | None, target: Status) -> str:
    if source is None:
        return f"New → {STATUS_LABELS[target]}"
    return f"{STATUS_LABELS[source]} → {STATUS_LABELS[target]}"
