"""The extract stage: spaCy docs -> mentions, relations and events per article."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from kg.dates import date_events
from kg.extract.entities import find_mentions
from kg.extract.events import events, quote_speakers
from kg.extract.hedges import doc_attributions, doc_hedges
from kg.extract.pipeline import DEFAULT_MODEL, descriptor_matcher, load_nlp
from kg.extract.relations import relations
from kg.extract.timex import doc_timexes
from kg.lexicon import EventLexicon, Gazetteer, Lexicon, load_event_lexicon
from kg.model import Article, Extraction

__all__ = ["DEFAULT_MODEL", "Extractor", "extract_doc", "load_nlp"]


def extract_doc(
    doc: Doc,
    doc_id: str,
    gazetteer: Gazetteer,
    lexicon: Lexicon,
    matcher: PhraseMatcher | None = None,
    *,
    date: str | None = None,
    event_lexicon: EventLexicon | None = None,
    text: str | None = None,
) -> Extraction:
    """Mentions, relations and events of one parsed article (`date`: the article's, ISO;
    `text`: the text it was parsed from, when at hand, which saves rebuilding `doc.text`)."""
    sents = list(doc.sents)
    whole = doc.text if text is None else text  # `doc.text` joins every token: once at most
    texts = [whole[s.start_char : s.end_char] for s in sents]  # == s.text, without a Token each
    index = find_mentions(doc, doc_id, gazetteer, lexicon, matcher)
    hedges = doc_hedges(doc, sents, texts, index.sent_of, lexicon)
    rels = relations(doc, doc_id, index, lexicon, hedges)
    speakers = quote_speakers(doc, index, whole)
    # a relation inside a quotation is the speaker's claim, not the article's
    rels = [
        r._replace(claimed_by=speakers[r.sent]) if r.sent in speakers else r
        for r in rels
    ]
    evs = events(doc, doc_id, index, event_lexicon or load_event_lexicon(), hedges, speakers)
    sources = doc_attributions(doc, index.sent_of)
    rels = [
        r._replace(attributed_to=sources[r.sent]) if sources.get(r.sent) else r
        for r in rels
    ]
    evs = [
        e._replace(attributed_to=sources[e.sent]) if sources.get(e.sent) else e
        for e in evs
    ]
    timexes = tuple(t.text for t in doc_timexes(doc))
    return Extraction(
        doc_id=doc_id,
        sentences=tuple(t.strip() for t in texts),
        mentions=tuple(index.mentions),
        relations=tuple(rels),
        events=tuple(date_events(evs, timexes, date)),
        timexes=timexes,
    )


class Extractor:
    """The loaded pipeline and data, reused for every article of a build."""

    def __init__(self, gazetteer: Gazetteer, lexicon: Lexicon, model: str = DEFAULT_MODEL):
        self.gazetteer = gazetteer
        self.lexicon = lexicon
        self.nlp: Language = load_nlp(gazetteer, model)
        self.matcher = descriptor_matcher(self.nlp, gazetteer)
        self.event_lexicon = load_event_lexicon()

    def run(
        self, articles: Iterable[Article], *, batch_size: int = 16, n_process: int = 1
    ) -> Iterator[Extraction]:
        """Extract every article, streaming through `nlp.pipe` in batches."""
        items = ((a.text, (a.id, a.date, a.text if n_process == 1 else None)) for a in articles)
        for doc, (doc_id, date, text) in self.nlp.pipe(
            items, as_tuples=True, batch_size=batch_size, n_process=n_process
        ):
            yield extract_doc(
                doc,
                doc_id,
                self.gazetteer,
                self.lexicon,
                self.matcher,
                date=date,
                event_lexicon=self.event_lexicon,
                text=text,
            )
