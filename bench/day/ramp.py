"""The ramp: when a step of load counts as held, how the next step is chosen, and which load was
the largest held. Pure functions over a step's figures, so that the rule is tested on its own
(tests/foundation/test_day_bench.py).

A step is held when, for every request kind with enough answers to have a p95
(``MIN_SAMPLES``): its p95 is at most ``P95_LIMIT_MS`` and no request failed (any status outside
2xx/3xx, a refused or reset connection, a timeout). Two more conditions make a step *not held*
without blaming the server alone, and the report says which: the load generator fell behind
(it sent less than ``KEEP_UP`` of the offered rate — every connection waiting, or its own CPU),
or requests were still unanswered when the step ended (a backlog).
"""
from __future__ import annotations

from dataclasses import dataclass, field

P95_LIMIT_MS = 300.0
MIN_SAMPLES = 20
KEEP_UP = 0.9
GROWTH = 1.5


@dataclass
class KindFigures:
    n: int = 0
    errors: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None
    offered_per_s: float = 0.0
    sent_per_s: float = 0.0
    error_kinds: dict[str, int] = field(default_factory=dict)


@dataclass
class Verdict:
    held: bool
    reasons: list[str]


def judge(kinds: dict[str, KindFigures], *, unanswered: int = 0, limit_ms: float = P95_LIMIT_MS) -> Verdict:
    """Was the step held? The reasons list every limit passed, worst first (what broke first)."""
    reasons: list[tuple[float, str]] = []
    for name, figures in kinds.items():
        if figures.errors:
            detail = ", ".join(f"{what} ×{count}" for what, count in sorted(figures.error_kinds.items()))
            reasons.append((10_000 + figures.errors, f"{name}: {figures.errors} errors ({detail})" if detail else f"{name}: {figures.errors} errors"))
        if figures.n >= MIN_SAMPLES and figures.p95_ms is not None and figures.p95_ms > limit_ms:
            reasons.append((figures.p95_ms, f"{name}: p95 {figures.p95_ms:.0f} ms > {limit_ms:.0f} ms"))
    offered = sum(f.offered_per_s for f in kinds.values())
    sent = sum(f.sent_per_s for f in kinds.values())
    if offered and sent < KEEP_UP * offered:
        reasons.append((5_000, f"sent only {sent:.1f}/s of {offered:.1f}/s offered (every connection waiting, or the generator's CPU)"))
    if unanswered:
        reasons.append((5_000 + unanswered, f"{unanswered} requests still unanswered at the end of the step"))
    reasons.sort(key=lambda r: -r[0])
    return Verdict(held=not reasons, reasons=[text for _, text in reasons])


def next_workers(current: int, *, growth: float = GROWTH) -> int:
    """The next step's workers: ``growth`` times more, at least one more, rounded to a readable number."""
    target = max(current + 1, current * growth)
    return readable(target)


def readable(value: float) -> int:
    """Two significant figures (1,234 → 1,200; 87 → 87): steps a person reads easily."""
    value = int(round(value))
    if value < 100:
        return value
    digits = len(str(value)) - 2
    return int(round(value / 10**digits) * 10**digits)


def largest_held(steps: list[dict]) -> dict | None:
    """The step with the most workers among those held (``step["held"]``), or None."""
    held = [s for s in steps if s.get("held")]
    return max(held, key=lambda s: s["workers"]) if held else None


def first_broken(steps: list[dict]) -> dict | None:
    """The first step not held, in the order run."""
    return next((s for s in steps if not s.get("held")), None)
