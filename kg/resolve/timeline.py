"""Reference dates for articles that print none, so that their dates can still be read.

Scraped pages often lose their dateline. Without one, "January 9th" has no year, and `kg`
leaves it undated rather than guess. Two kinds of evidence can give the year back, both
taken from the corpus itself, never from the calendar of the machine:

* **The same event, dated elsewhere.** An undated article says the US killed Soleimani "two
  years ago"; another article says the US killed him "in 2020". Same kind of event, same
  target, compatible agent: the undated article was written around 2022. Each such pair is
  a vote; the year with most votes wins, and a tie between years decides nothing.
* **The pages a shared block was found on.** A teaser repeated across pages ("Popular posts")
  is read against the latest date of those pages; a weekday in the text then picks the
  right year ("Sunday, April 14" near 2023 is 2024-04-14).

An estimated reference is a year (or a host page's date), never more precise than the
evidence; it is used only to normalise the article's own expressions and is recorded in the
graph as `kg:referenceDate`, apart from the publication date `dcterms:date`.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Sequence
from functools import lru_cache

from kg import dates
from kg.dates import date_events
from kg.model import Article, Extraction
from kg.resolve import Resolution

__all__ = ["estimate_references", "redate"]

# (memoised here, per process: a corpus repeats its date expressions, ~20k of them read at
# 5,000 articles, and `kg.dates` is part of the extraction cache's fingerprint)
has_year = lru_cache(maxsize=65536)(dates.has_year)
years_before = lru_cache(maxsize=65536)(dates.years_before)


def _anchors(
    extractions: Sequence[Extraction], dated: set[str], resolution: Resolution
) -> dict[tuple[str, str], list[tuple[str | None, str]]]:
    """Events whose date stands on its own: from a dated article, or written with a year."""
    out: dict[tuple[str, str], list[tuple[str | None, str]]] = defaultdict(list)
    for ex in extractions:
        for ev in ex.events:
            if not ev.date:  # nine events in ten: no lookup for them
                continue
            target = resolution.of.get(ev.target)
            if target is None:
                continue
            if ex.doc_id in dated or has_year(ev.date_text or ""):
                out[(ev.kind, target)].append((resolution.of.get(ev.agent), ev.date))
    return out


def _vote(ex: Extraction, anchors: dict, resolution: Resolution) -> str | None:
    """The year an undated article was written in, from its "N years ago" events."""
    votes: Counter[int] | None = None  # made at the first vote: most articles cast none
    for ev in ex.events:
        if ev.timex is None:
            continue
        back = years_before(ex.timexes[ev.timex])
        if back is None:
            continue
        target = resolution.of.get(ev.target)
        if target is None:
            continue
        agent = resolution.of.get(ev.agent)
        for other_agent, date in anchors.get((ev.kind, target), []):
            if agent and other_agent and agent != other_agent:
                continue
            if votes is None:
                votes = Counter()
            votes[int(date[:4]) + back] += 1
    if votes is None:
        return None
    ranked = votes.most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return f"{ranked[0][0]:04d}"


def estimate_references(
    articles: Sequence[Article], extractions: Sequence[Extraction], resolution: Resolution
) -> dict[str, str]:
    """Estimated reference dates (ISO: a year, or a host page's date) of undated articles."""
    by_id = {a.id: a for a in articles}
    dated = {a.id for a in articles if a.date}
    anchors = _anchors(extractions, dated, resolution)
    refs: dict[str, str] = {}
    for ex in extractions:
        article = by_id.get(ex.doc_id)
        if article is None or article.date or article.derived_from:
            continue
        year = _vote(ex, anchors, resolution)
        if year is not None:
            refs[ex.doc_id] = year
    for article in articles:
        if article.date or not article.derived_from:
            continue
        hosts = [d for h in article.derived_from if h in by_id and (d := by_id[h].date)]
        hosts = hosts or [refs[h] for h in article.derived_from if h in refs]
        if hosts:
            refs[article.id] = max(hosts)
    return refs


def redate(extractions: Sequence[Extraction], refs: dict[str, str]) -> list[Extraction]:
    """The extractions with their events dated again against the estimated references."""
    return [
        dataclasses.replace(ex, events=tuple(date_events(ex.events, ex.timexes, refs[ex.doc_id])))
        if ex.doc_id in refs
        else ex
        for ex in extractions
    ]
