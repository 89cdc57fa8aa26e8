"""The evaluate stage: score a built graph against a hand-made gold file.

`kg eval GOLD.json GRAPH` is a thin skin over `score`; the gold format is documented in
docs/gold-format.md.

>>> from kg.evaluate import load_gold, score          # doctest: +SKIP
>>> scores = score(load_gold("tests/gold/seeds.json"), graph)  # doctest: +SKIP
>>> scores.relations.f1                                # doctest: +SKIP
"""

from __future__ import annotations

from kg.evaluate.gold import Gold, load_gold, parse_gold
from kg.evaluate.names import normalise
from kg.evaluate.report import format_errors, format_table
from kg.evaluate.score import PRF, Scores, assign_actors, score

__all__ = ["Gold", "PRF", "Scores", "assign_actors", "format_errors", "format_table",
           "load_gold", "normalise", "parse_gold", "score"]
