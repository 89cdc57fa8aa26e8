"""Scores as text: a fixed-width table for people, errors listed for whoever tunes the build.

Returns strings; printing is the CLI's job.
"""

from __future__ import annotations

from kg.evaluate.score import PRF, Scores

__all__ = ["format_table", "format_errors"]


def _row(name: str, prf: PRF) -> str:
    return (f"{name:<10} {prf.precision:>9.3f} {prf.recall:>6.3f} {prf.f1:>6.3f} "
            f"{prf.gold:>5} {prf.found:>6} {prf.gold_matched:>8}")


def format_table(scores: Scores) -> str:
    """The headline figures, one category a line.

    `found` counts graph items, `matched` counts gold items found; a graph event is matched
    to at most one gold event.
    """
    lines = [f"{'':<10} {'precision':>9} {'recall':>6} {'f1':>6} {'gold':>5} {'found':>6} "
             f"{'matched':>8}",
             _row("actors", scores.actors), _row("relations", scores.relations),
             _row("events", scores.events)]
    acc = scores.date_accuracy
    lines.append(f"date accuracy: {'n/a' if acc is None else f'{acc:.3f}'} "
                 f"({scores.dates_correct}/{scores.dated} matched events with a gold date)")
    kinds = scores.kind_accuracy
    lines.append(f"actor kind accuracy: {'n/a' if kinds is None else f'{kinds:.3f}'} "
                 f"({scores.kinds_correct}/{scores.kinds_checked})")
    lines.append(f"split actors: {len(scores.split_actors)}"
                 + "".join(f"\n  {g}: {' | '.join(ns)}" for g, ns in scores.split_actors.items()))
    lines.append(f"merged actors: {len(scores.merged_actors)}"
                 + "".join(f"\n  {n}: {' | '.join(gs)}" for n, gs in scores.merged_actors.items()))
    if scores.event_types:
        lines.append("events by type (found/gold): " + ", ".join(
            f"{k} {f}/{g}" for k, (g, f) in scores.event_types.items()))
    return "\n".join(lines) + "\n"


def format_errors(scores: Scores) -> str:
    """Every missing and spurious item, grouped, for working on the extraction."""
    groups = [
        ("missing actors", scores.missing_actors), ("spurious actors", scores.spurious_actors),
        ("missing relations", scores.missing_relations),
        ("spurious relations", scores.spurious_relations),
        ("missing events", scores.missing_events), ("spurious events", scores.spurious_events),
        ("wrong dates", scores.wrong_dates),
    ]
    out = []
    for title, items in groups:
        out.append(f"{title} ({len(items)}):")
        out.extend(f"  {item}" for item in items)
    return "\n".join(out) + "\n"
