"""Score kg's event extraction against the PLOVER gold-standard records.

    python bench/plover_bench.py [PATH/TO/PLOVER_GSR_CAMEO.txt] [--errors N]

Each of the 322 gold sentences is one document: kg's extractor runs on it (the library,
composed directly: no files), its events are resolved, and the first event of the sentence
(one with a PLOVER type before a Statement, which PLOVER lacks; then highest confidence,
then earliest) is compared with the gold record:

- event type: kg's PLOVER type (the event's `plover`, else the type of its class) against the
  gold type translated from PLOVER 0.5b1 to the 2021 names (`GOLD_TO_2021`);
- source / target actor: the event's agent / target is right when its text overlaps a gold
  actorText (one contains the other, or they share a content word), or when it resolves to
  the country whose ISO-3 code the gold gives (`ISO3`).

Sentences where kg finds no event count as wrong (the accuracies are over all records that
have a gold value). The Markdown table is printed for the README; nothing is written.

Data: openeventdata/PLOVER, gold_standard_records/PLOVER_GSR_CAMEO.txt, CC BY-SA 4.0 (see
../shared/external/README.md). The sentences are edited CAMEO-manual examples of about
1990-2005 news, not the genre kg is tuned on; treat the figures as a check of generality.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["GOLD_TO_2021", "ISO3", "Outcome", "run", "main"]

DEFAULT_GOLD = Path(__file__).resolve().parents[2] / "shared/external/plover/PLOVER_GSR_CAMEO.txt"

#: PLOVER 0.5b1 (the gold file) -> PLOVER 2021 (kg's `ploverType`). CAMEO2PLOVER-2021.txt maps
#: CAMEO 10 (demand) to REQUEST, 11 (disapprove) to ACCUSE, and 18-20 (assault, fight,
#: mass violence) all to ASSAULT, so 0.5b1's FIGHT and ASSAULT both become ASSAULT. Every
#: other 0.5b1 name in the file is unchanged in 2021.
GOLD_TO_2021 = {"DEMAND": "REQUEST", "DISAPPROVE": "ACCUSE", "FIGHT": "ASSAULT"}

#: kg event class -> PLOVER 2021 type, for events that carry no `plover` of their own.
CLASS_TO_PLOVER = {
    "Attack": "ASSAULT", "Threat": "THREATEN", "Plot": "ASSAULT", "Negotiation": "CONSULT",
    "Meeting": "CONSULT", "Sanction": "SANCTION", "Funding": "AID", "Protest": "PROTEST",
    "Agreement": "AGREE", "Request": "REQUEST", "Accusation": "ACCUSE", "Rejection": "REJECT",
    "Support": "SUPPORT", "Concession": "CONCEDE", "Cooperation": "COOPERATE", "Aid": "AID",
    "Retreat": "RETREAT", "Mobilization": "MOBILIZE", "Coercion": "COERCE",
    "Investigation": "INVESTIGATE",
}

#: ISO-3166 alpha-3 code (and the few non-standard codes the file uses: JAP, ITL, VTN) ->
#: names a resolved country actor may carry. IGO/NGO/IMG codes name no country.
ISO3: dict[str, tuple[str, ...]] = {
    "USA": ("United States", "US", "America", "United States of America"),
    "PSE": ("Palestine", "Palestinian Territories", "State of Palestine", "Palestinian Authority"),
    "ISR": ("Israel",), "IRQ": ("Iraq",), "SRB": ("Serbia", "Yugoslavia"), "RUS": ("Russia",),
    "SDN": ("Sudan",), "LBN": ("Lebanon",), "GBR": ("United Kingdom", "Britain", "UK"),
    "DZA": ("Algeria",), "TUR": ("Turkey", "Türkiye"), "NGA": ("Nigeria",), "FRA": ("France",),
    "AFG": ("Afghanistan",), "CIV": ("Ivory Coast", "Côte d'Ivoire"), "UGA": ("Uganda",),
    "IRN": ("Iran",), "EGY": ("Egypt",), "SYR": ("Syria",),
    "BIH": ("Bosnia and Herzegovina", "Bosnia"), "LBR": ("Liberia",), "ALB": ("Albania",),
    "HTI": ("Haiti",), "PAK": ("Pakistan",), "MNE": ("Montenegro",), "LBY": ("Libya",),
    "PRK": ("North Korea",), "DEU": ("Germany",), "MKD": ("North Macedonia", "Macedonia"),
    "JOR": ("Jordan",), "GRC": ("Greece",), "SAU": ("Saudi Arabia",), "AZE": ("Azerbaijan",),
    "LKA": ("Sri Lanka",), "CHN": ("China",), "RWA": ("Rwanda",), "HRV": ("Croatia",),
    "IDN": ("Indonesia",), "ROU": ("Romania",), "JAP": ("Japan",), "JPN": ("Japan",),
    "MOZ": ("Mozambique",), "ARG": ("Argentina",), "ZMB": ("Zambia",), "AGO": ("Angola",),
    "ZWE": ("Zimbabwe",), "BDI": ("Burundi",), "TLS": ("East Timor", "Timor-Leste"),
    "MMR": ("Myanmar", "Burma"), "KHM": ("Cambodia",), "HUN": ("Hungary",), "POL": ("Poland",),
    "KGZ": ("Kyrgyzstan",), "VNM": ("Vietnam",), "FJI": ("Fiji",), "DNK": ("Denmark",),
    "SEN": ("Senegal",), "MAR": ("Morocco",), "ZAF": ("South Africa",),
    "CZE": ("Czech Republic", "Czechia"), "CHE": ("Switzerland",), "BEN": ("Benin",),
    "PER": ("Peru",), "PAN": ("Panama",), "SLE": ("Sierra Leone",), "BGD": ("Bangladesh",),
    "CHL": ("Chile",), "ITL": ("Italy",), "ITA": ("Italy",), "KOR": ("South Korea",),
    "KEN": ("Kenya",), "GHA": ("Ghana",), "LTU": ("Lithuania",), "SWE": ("Sweden",),
    "NPL": ("Nepal",), "NIC": ("Nicaragua",), "PHL": ("Philippines",), "PRT": ("Portugal",),
    "NOR": ("Norway",), "FIN": ("Finland",), "TZA": ("Tanzania",), "CUB": ("Cuba",),
    "ETH": ("Ethiopia",), "SVN": ("Slovenia",), "ARM": ("Armenia",), "GMB": ("Gambia",),
    "MRT": ("Mauritania",), "TWN": ("Taiwan",), "QAT": ("Qatar",),
    "ARE": ("United Arab Emirates", "UAE"), "BRA": ("Brazil",), "BGR": ("Bulgaria",),
    "LVA": ("Latvia",), "UZB": ("Uzbekistan",), "GEO": ("Georgia",), "NER": ("Niger",),
    "CAN": ("Canada",), "YEM": ("Yemen",), "IND": ("India",), "AUS": ("Australia",),
    "BLR": ("Belarus",), "TCD": ("Chad",), "COG": ("Congo", "Republic of the Congo"),
    "CRI": ("Costa Rica",), "TTO": ("Trinidad and Tobago",), "ECU": ("Ecuador",),
    "HKG": ("Hong Kong",), "COD": ("Democratic Republic of the Congo", "DR Congo", "Congo"),
    "MEX": ("Mexico",), "GIN": ("Guinea",), "VTN": ("Vatican", "Holy See"),
    "VAT": ("Vatican", "Holy See"),
}

_STOP = frozenset({"the", "of", "and", "a", "an", "in", "on", "for", "to", "s", "de", "al", "el",
                   "its", "his", "her", "their", "officials", "government", "forces",
                   "president", "minister", "leader"})
_WORD = re.compile(r"[a-z0-9]+")


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold().replace("’", "'").replace("'s", "")))


def _content(text: str) -> set[str]:
    return {w for w in _norm(text).split() if len(w) > 2 and w not in _STOP}


def overlaps(gold_text: str, mention_text: str) -> bool:
    """True when one text contains the other or they share a content word."""
    a, b = _norm(gold_text), _norm(mention_text)
    if not a or not b:
        return False
    return a in b or b in a or bool(_content(a) & _content(b))


def gold_type(record: dict[str, Any]) -> str:
    return GOLD_TO_2021.get(record["event"], record["event"])


def gold_actors(record: dict[str, Any], key: str) -> list[dict[str, str]]:
    value = record.get(key)
    return [a for a in value if isinstance(a, dict)] if isinstance(value, list) else []


@dataclass
class Outcome:
    """What kg produced for one record, and whether each part is right."""

    id: str
    gold_type: str
    predicted: str  # PLOVER type of the first event, "none" without events, "STATEMENT"
    any_types: set[str] = field(default_factory=set)
    source: str | None = None  # True/False rendered later; None when gold has no value
    source_ok: bool | None = None
    source_why: str = ""
    target_ok: bool | None = None
    target_why: str = ""
    source_mentioned: bool | None = None  # some kg mention overlaps a gold source actor


def _actor_ok(mention: Any, gold: list[dict[str, str]], resolution: Any) -> tuple[bool, str]:
    if mention is None:
        return False, "no actor"
    if any(overlaps(a.get("actorText", ""), mention.text) for a in gold):
        return True, "text"
    actor = resolution.actor(mention)
    if actor is not None and actor.kind == "Country":
        names = {_norm(n) for n in (actor.label, *actor.alt_labels)}
        for a in gold:
            if names & {_norm(n) for n in ISO3.get(a.get("code", ""), ())}:
                return True, "code"
    return False, "wrong actor"


def run(records: Sequence[dict[str, Any]]) -> list[Outcome]:
    """Extract every record's sentence with kg and compare with the gold record."""
    from kg.extract import Extractor
    from kg.lexicon import load_gazetteer, load_lexicon
    from kg.model import Article
    from kg.resolve import resolve

    gazetteer, lexicon = load_gazetteer(), load_lexicon()
    extractor = Extractor(gazetteer, lexicon)
    articles = [Article(id=r["id"], source=r["id"], text=r["text"]) for r in records]
    extractions = list(extractor.run(articles, batch_size=64))
    resolution = resolve(extractions, gazetteer, lexicon)

    outcomes = []
    for record, ex in zip(records, extractions, strict=True):
        # PLOVER has no "make statement" type, so an event with a PLOVER type comes first;
        # a Statement is kg's answer only when it found nothing else.
        def plover_of(e: Any) -> str | None:
            return e.plover or CLASS_TO_PLOVER.get(e.kind)

        events = sorted(ex.events, key=lambda e: (plover_of(e) is None, -e.confidence, e.sent))
        types = [plover_of(e) or e.kind.upper() for e in events]
        out = Outcome(id=record["id"], gold_type=gold_type(record),
                      predicted=types[0] if types else "none", any_types=set(types))
        first = events[0] if events else None
        sources, targets = gold_actors(record, "source"), gold_actors(record, "target")
        if sources:
            out.source_mentioned = any(overlaps(a.get("actorText", ""), m.text)
                                       for a in sources for m in ex.mentions)
            if first is None:
                out.source_ok, out.source_why = False, "no event"
            else:
                out.source_ok, out.source_why = _actor_ok(first.agent, sources, resolution)
        if targets:
            if first is None:
                out.target_ok, out.target_why = False, "no event"
            else:
                out.target_ok, out.target_why = _actor_ok(first.target, targets, resolution)
        outcomes.append(out)
    return outcomes


def _share(values: list[bool]) -> str:
    return f"{sum(values) / len(values):.3f} ({sum(values)}/{len(values)})" if values else "n/a"


def report(outcomes: Sequence[Outcome], *, errors: int = 0, seconds: float = 0.0) -> str:
    """The Markdown summary: headline table, per-type table, where the errors fall."""
    typed = [o.predicted == o.gold_type for o in outcomes]
    anytyped = [o.gold_type in o.any_types for o in outcomes]
    with_event = [o for o in outcomes if o.predicted != "none"]
    src = [o.source_ok for o in outcomes if o.source_ok is not None]
    tgt = [o.target_ok for o in outcomes if o.target_ok is not None]
    mentioned = [o.source_mentioned for o in outcomes if o.source_mentioned is not None]
    lines = [
        f"PLOVER gold-standard records: {len(outcomes)} sentences, {seconds:.1f}s",
        "",
        "| measure | kg |",
        "|---|---|",
        f"| event-type accuracy (first event) | {_share(typed)} |",
        f"| event-type accuracy (any event of the sentence) | {_share(anytyped)} |",
        f"| source actor accuracy | {_share(src)} |",
        f"| target actor accuracy (records with a gold target) | {_share(tgt)} |",
        "| sentences with at least one kg event | "
        f"{_share([o.predicted != 'none' for o in outcomes])} |",
        f"| event-type accuracy where kg found an event | "
        f"{_share([o.predicted == o.gold_type for o in with_event])} |",
        f"| gold source actor among kg's mentions | {_share(mentioned)} |",
        "",
        "| gold type | records | type right | source right |",
        "|---|---|---|---|",
    ]
    by_type: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by_type.setdefault(o.gold_type, []).append(o)
    for kind, group in sorted(by_type.items(), key=lambda kv: -len(kv[1])):
        lines.append(f"| {kind} | {len(group)} | {sum(o.predicted == kind for o in group)} | "
                     f"{sum(bool(o.source_ok) for o in group)} |")
    confusion = Counter((o.gold_type, o.predicted) for o in outcomes if o.predicted != o.gold_type)
    why_src = Counter(o.source_why for o in outcomes if o.source_ok is False)
    why_tgt = Counter(o.target_why for o in outcomes if o.target_ok is False)
    lines += ["", "Where the type errors fall (gold -> kg, most frequent first): " + ", ".join(
        f"{g}->{p} {n}" for (g, p), n in confusion.most_common(12)) if confusion else "",
        "Source errors: " + ", ".join(f"{w} {n}" for w, n in why_src.most_common()),
        "Target errors: " + ", ".join(f"{w} {n}" for w, n in why_tgt.most_common())]
    if errors:
        lines += ["", "First errors:"]
        bad = [o for o in outcomes if o.predicted != o.gold_type or o.source_ok is False]
        lines += [f"- {o.id}: gold {o.gold_type}, kg {o.predicted}; source {o.source_why or 'ok'}"
                  for o in bad[:errors]]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("gold", nargs="?", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--errors", type=int, default=0, help="list this many failed records")
    args = parser.parse_args(argv)
    data = json.loads(args.gold.read_text(encoding="utf-8"))
    records = [r for r in data if r.get("event") != "DOCUMENT" and r.get("text")]
    started = time.perf_counter()
    outcomes = run(records)
    sys.stdout.write(report(outcomes, errors=args.errors, seconds=time.perf_counter() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
