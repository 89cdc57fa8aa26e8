"""A synthetic news corpus of any size, made by varying the five seed articles.

The benchmark needs thousands of news-like articles and no public news data set installs
offline here, so this generator recombines the seeds (this is *not* real news, and its
figures are about speed, not extraction quality):

* sentences are shuffled across all seeds into new paragraphs of 3-4 sentences, 4-8
  paragraphs an article, with a headline made from the start of one of them;
* every person of the gazetteer found in the text is, per article, kept (20%), swapped for
  another gazetteer person (40%, so the entity ruler and resolution still see known names)
  or replaced by a made-up name (40%), full name and surname consistently;
* four-digit years are shifted by -5..+5 years per article.

It is deterministic: the same `seed` and `n` give byte-identical files. Paragraphs are
random combinations, so they rarely repeat verbatim between articles, and ingest's shared
block and near-duplicate detection sees about what it would in a real feed.

    python -m bench.corpus 5000 /tmp/kg-bench/corpus-5000
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

__all__ = ["generate", "write_corpus", "seed_sentences"]

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

_SENT = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(]?[A-Z])")
_YEAR = re.compile(r"\b(19[5-9]\d|20[0-4]\d)\b")
#: Made-up names (40 x 40) so that replaced people rarely repeat between articles.
_FIRST = [
    "Amir",
    "Sara",
    "Daniel",
    "Leila",
    "Omar",
    "Hannah",
    "Reza",
    "Miriam",
    "Yusuf",
    "Nadia",
    "Farid",
    "Elena",
    "Kamal",
    "Rachel",
    "Tariq",
    "Laura",
    "Hamid",
    "Noor",
    "Javad",
    "Eva",
    "Karim",
    "Dana",
    "Samir",
    "Ines",
    "Pavel",
    "Maya",
    "Hossein",
    "Clara",
    "Bashir",
    "Lina",
    "Nasser",
    "Irene",
    "Majid",
    "Sofia",
    "Faisal",
    "Aylin",
    "Dariush",
    "Naomi",
    "Mehdi",
    "Zainab",
]
_LAST = [
    "Karimi",
    "Haddad",
    "Levin",
    "Moradi",
    "Nasseri",
    "Cohen",
    "Rahimi",
    "Mansour",
    "Tehrani",
    "Ansari",
    "Friedman",
    "Jafari",
    "Saleh",
    "Bauer",
    "Hosseini",
    "Darwish",
    "Klein",
    "Sadeghi",
    "Abbasi",
    "Weiss",
    "Rostami",
    "Khalil",
    "Shapiro",
    "Farahani",
    "Yazdi",
    "Barak",
    "Sharif",
    "Novak",
    "Ghorbani",
    "Azizi",
    "Mendez",
    "Rahman",
    "Taheri",
    "Kaplan",
    "Najafi",
    "Habibi",
    "Dror",
    "Bakr",
    "Amini",
    "Rossi",
]


def seed_sentences(seeds: Path = SEEDS) -> list[str]:
    """Every sentence of the seed articles (ingested and cleaned as `kg build` does)."""
    from kg.ingest import load_corpus

    out = []
    for article in load_corpus([seeds]).articles:
        for para in article.text.split("\n"):
            out.extend(s.strip() for s in _SENT.split(para) if len(s.split()) >= 4)
    return out


def _people() -> list[list[str]]:
    """Gazetteer people as [label, *aliases], plain names only (no @handles)."""
    from kg.resources import data_file

    data = json.loads(data_file("gazetteer.json").read_text(encoding="utf-8"))
    return [
        [n for n in dict.fromkeys([a["label"], *a.get("aliases", [])]) if n[:1].isalpha()]
        for a in data["actors"]
        if a.get("kind") == "Person"
    ]


def _renamer(rng: random.Random, people: list[list[str]]) -> list[tuple[re.Pattern[str], str]]:
    """(pattern, replacement) pairs mapping each gazetteer person for one article."""
    subs: list[tuple[str, str]] = []
    for names in people:
        roll = rng.random()
        if roll < 0.2:
            continue
        if roll < 0.6:
            other = rng.choice(people)[0].split()
            first, last = other[0], other[-1]
        else:
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
        for name in names:
            words = name.split()
            subs.append((name, f"{first} {last}" if len(words) > 1 else last))
    subs.sort(key=lambda s: -len(s[0]))  # full names before the surnames inside them
    return [(re.compile(rf"\b{re.escape(old)}\b"), new) for old, new in subs]


def generate(n: int, *, seed: int = 13, seeds: Path = SEEDS) -> Iterator[tuple[str, str]]:
    """Yield `n` (file name, text) pairs of news-like articles, deterministically."""
    pool = seed_sentences(seeds)
    people = _people()
    for i in range(n):
        rng = random.Random(f"{seed}-{i}")
        subs = _renamer(rng, people)
        shift = rng.randint(-5, 5)
        paragraphs = []
        for _ in range(rng.randint(4, 8)):
            paragraphs.append(" ".join(rng.choice(pool) for _ in range(rng.randint(3, 4))))
        headline = " ".join(rng.choice(pool).rstrip(".").split()[: rng.randint(6, 11)])
        text = "\n\n".join([headline, *paragraphs])
        for pattern, new in subs:
            text = pattern.sub(new, text)
        text = _YEAR.sub(lambda m, d=shift: str(int(m.group()) + d), text)
        yield f"{i:05d}.txt", text + "\n"


def write_corpus(n: int, folder: Path, *, seed: int = 13) -> Path:
    """Write the corpus of `n` articles into `folder` (created; existing files replaced)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in generate(n, seed=seed):
        (folder / name).write_text(text, encoding="utf-8")
    return folder


if __name__ == "__main__":
    write_corpus(int(sys.argv[1]), Path(sys.argv[2]))
