"""The benchmark's result rows: ratio against the baseline, whether the goal is met, and the printed table."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

# Times are in seconds; a row's label names any other unit (peak memory in MB).
HEADERS = ("what", "ours", "baseline", "ratio", "goal", "met")


@dataclass(frozen=True)
class Result:
    """One measured row: our figure and the baseline's, and the most ``ours / baseline`` may be."""

    what: str
    ours: float
    baseline: float | None
    goal: float | None  # None: measured to explain another row, with no goal of its own
    # "ratio": the goal bounds ours / baseline; "limit": it bounds ours itself (e.g. megabytes).
    goal_kind: str = "ratio"
    # How to print the goal when it is not a plain "≤ Nx".
    goal_text: str = ""

    @property
    def ratio(self) -> float | None:
        """``ours / baseline``; None without a baseline (or one that took no time) or for a limit row."""
        if self.baseline is None or self.baseline <= 0 or self.goal_kind == "limit":
            return None
        return self.ours / self.baseline

    @property
    def met(self) -> bool | None:
        """Whether the row reaches its goal; None for a row without one."""
        if self.goal is None:
            return None
        if self.goal_kind == "limit":
            return self.ours < self.goal
        ratio = self.ratio
        return ratio is not None and ratio <= self.goal

    def goal_label(self) -> str:
        """The goal as the table prints it."""
        if self.goal is None:
            return "—"
        return self.goal_text or f"≤ {self.goal:g}x"

    def cells(self) -> tuple[str, ...]:
        """The row's cells, as texts."""
        ratio = self.ratio
        return (
            self.what,
            _number(self.ours),
            "—" if self.baseline is None else _number(self.baseline),
            "—" if ratio is None else f"{ratio:.2f}x",
            self.goal_label(),
            {True: "yes", False: "no", None: "—"}[self.met],
        )

    def to_dict(self) -> dict[str, object]:
        """The row for ``--json``: the measured figures, the ratio and the verdict."""
        return {**asdict(self), "ratio": self.ratio, "met": self.met}


def _number(value: float) -> str:
    return f"{value:.3f}" if value < 10 else f"{value:.1f}"


def table(results: Sequence[Result]) -> str:
    """The rows as a Markdown table (readable in a terminal, pasteable into the README)."""
    lines = [tuple(HEADERS), *(r.cells() for r in results)]
    widths = [max(len(line[column]) for line in lines) for column in range(len(HEADERS))]

    def draw(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([draw(lines[0]), rule, *(draw(line) for line in lines[1:])])


def as_json(results: Sequence[Result], extra: dict[str, object]) -> str:
    """Every row and the untimed figures as one JSON document."""
    return json.dumps({"rows": [r.to_dict() for r in results], **extra}, indent=2)
