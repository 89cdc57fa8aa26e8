"""Ingest: read article files, clean them, read their metadata and find shared text.

Files -> decoded text (`read`) -> plain paragraphs (`formats` for HTML and Markdown) ->
boilerplate removed (`clean`, patterns in `kg/data/boilerplate.toml`) -> shared blocks and
near-duplicates (`dedup`) -> title, author, date, outlet (`metadata`) -> `Article` records.

>>> from kg.ingest import load_corpus
>>> corpus = load_corpus(["seeds"])  # doctest: +SKIP
"""

from __future__ import annotations

from kg.ingest.corpus import Corpus, content_hash, load_corpus, slugify

__all__ = ["Corpus", "load_corpus", "slugify", "content_hash"]
