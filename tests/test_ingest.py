"""Tests of the ingest stage: reading, cleaning, metadata, shared blocks and near-duplicates.

Integration tests run on the five real seed articles (scraped news with boilerplate); unit
tests use the small files of tests/data/ingest and files written to tmp_path.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from kg.errors import InputError
from kg.ingest import Corpus, load_corpus
from kg.ingest.clean import (
    clean,
    drop_boilerplate_lines,
    drop_lead_ins,
    drop_trailing_tag_lists,
    is_tag_list,
    paragraphize,
    remove_inline,
    truncate_tail,
)
from kg.ingest.dedup import near_duplicates, overlaps, shingles
from kg.ingest.metadata import extract_metadata, parse_date, person_name
from kg.ingest.read import decode

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
DATA = Path(__file__).resolve().parent / "data" / "ingest"

S000 = "000-a16ccdde8b467c1f"
S001 = "001-00d33a5a0d58092a"
S002 = "002-0179fb1a56cbaa01"
S003 = "003-bb57ecc43a8628e0"
S004 = "004-ccc32a87c5f5b681"
TEASER_TITLE = "Countering Iran’s Threat, Strategies for Regional Stability"
TEASER_START = "On Sunday morning, April 14, the Iranian regime launched"
TITLE_002 = "Iran’s Regime President Actually Did Deliver What He Was Missioned For"

# A paragraph long enough (> 200 characters) to count as a shared block.
TEASER = (
    "Officials in three capitals said on Friday that a new round of negotiations over the "
    "disputed maritime border would begin next month, after a year in which talks had stalled "
    "over fishing rights, gas exploration licences and the status of two small islands."
)


def _article(corpus: Corpus, article_id: str):
    article = corpus.get(article_id)
    assert article is not None, f"no article {article_id} in {[a.id for a in corpus]}"
    return article


@pytest.fixture(scope="module")
def seeds() -> Corpus:
    return load_corpus([SEEDS])


def _write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _story(topic: str) -> str:
    """Four long paragraphs of made-up words unique to `topic`, ending with "review."

    Different topics share no five-word shingle, so two stories are never near-duplicates.
    """
    words = [
        hashlib.sha256(f"{topic}-{i}".encode())
        .hexdigest()[:7]
        .translate(str.maketrans("0123456789", "ghijklmnop"))
        for i in range(160)
    ]
    paragraphs = [" ".join(words[i * 40 : (i + 1) * 40]).capitalize() for i in range(4)]
    return "\n\n".join(p + " review." for p in paragraphs)


# --- seeds: ids, shape and determinism ------------------------------------------------------


def test_seed_ids_are_sorted_slugs_of_the_file_stems(seeds: Corpus) -> None:
    ids = [a.id for a in seeds.articles]
    assert ids == sorted(ids)
    assert [i for i in ids if not i.startswith("shared-")] == [S000, S001, S002, S003, S004]
    assert seeds.skipped == ()


@pytest.mark.parametrize("article_id", [S000, S001, S002, S003, S004])
def test_seed_records_source_path_hash_and_format(seeds: Corpus, article_id: str) -> None:
    article = _article(seeds, article_id)
    assert article.source == article_id.replace("-", "_", 1) + ".txt"
    assert article.path and Path(article.path).name == article.source
    assert article.fmt == "txt"
    digest = hashlib.sha256(article.text.encode("utf-8")).hexdigest()
    assert article.content_hash == f"sha256:{digest}"


@pytest.mark.parametrize("article_id", [S000, S001, S002, S003, S004])
def test_seed_text_keeps_paragraphs_apart(seeds: Corpus, article_id: str) -> None:
    text = _article(seeds, article_id).text
    assert text.count("\n\n") >= 5
    assert "\n\n\n" not in text
    assert text == text.strip()
    assert "\u00a0" not in text and "  " not in text


def test_loading_twice_gives_equal_corpora() -> None:
    assert load_corpus([SEEDS]) == load_corpus([SEEDS])


# --- seeds: boilerplate ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "junk",
    [
        "Popular posts from this blog",
        "Comments",
        "Join us on YouTube",
        "Iran Panorama",
        "http",
        "www.",
        "(Photo by",
        "Getty Images",
        "Pictured:",
        "Hezbollah Indo-Pacific Iran",
        "Two-minute read",
        "This article was first published",
        "HomeIran News Now",
        "Photo exhibition, Washington D.C.",
        "General Call for Signing a Statement",
        "\nImage\n",
    ],
)
def test_seed_boilerplate_is_gone(seeds: Corpus, junk: str) -> None:
    for article in seeds.articles:
        assert junk not in "\n" + article.text + "\n", article.id


@pytest.mark.parametrize(
    ("article_id", "kept"),
    [
        (S000, "Twitter appears to be giving Khamenei full immunity"),
        (S000, "Southern Hemisphere."),
        (S001, "This is the Iranian people’s inalienable right."),
        (S003, "Perhaps that’s what Khamenei desired all along."),
        (S004, "Iranian Resistance supporters hold a rally"),
    ],
)
def test_seed_article_text_is_kept(seeds: Corpus, article_id: str, kept: str) -> None:
    assert kept in _article(seeds, article_id).text


# --- seeds: shared teaser block ------------------------------------------------------------


@pytest.mark.parametrize("article_id", [S001, S002])
def test_teaser_is_cut_out_of_its_hosts(seeds: Corpus, article_id: str) -> None:
    text = _article(seeds, article_id).text
    assert TEASER_START not in text
    assert TEASER_TITLE not in text
    assert "Hakamian" not in text


def test_teaser_is_kept_once_as_its_own_article(seeds: Corpus) -> None:
    shared = [a for a in seeds.articles if TEASER_START in a.text]
    assert len(shared) == 1
    teaser = shared[0]
    digest = hashlib.sha256(teaser.text.encode("utf-8")).hexdigest()
    assert teaser.id == f"shared-{digest[:10]}"
    assert teaser.title == TEASER_TITLE
    assert teaser.author == "Mahmoud Hakamian"
    assert teaser.derived_from == (S001, S002)
    assert teaser.text.startswith(TEASER_START)
    assert "Written by" not in teaser.text


# --- seeds: metadata -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("article_id", "field", "expected"),
    [
        (S000, "author", "Majid Rafizadeh"),
        (S000, "title", None),
        (S001, "author", "Aladdin Touran"),
        (S001, "title", "Khamenei’s deadlock provides opportunity in Iran talks"),
        (S001, "outlet", "english.mojahedin"),
        (S002, "author", "Mehdi Oghbai"),
        (S002, "title", TITLE_002),
        (S002, "outlet", "NCR-Iran"),
        (S003, "date", "2023-10-10"),
        (S003, "outlet", "Daily Mail"),
        (S003, "author", "Mark Dubowitz"),
        (S004, "date", "2023-02-04"),
        (S004, "title", TITLE_002),
    ],
)
def test_seed_metadata(seeds: Corpus, article_id: str, field: str, expected: str | None) -> None:
    assert getattr(_article(seeds, article_id), field) == expected


@pytest.mark.parametrize(
    ("article_id", "line"),
    [
        (S001, "Khamenei’s deadlock provides opportunity"),
        (S001, "By Aladdin Touran"),
        (S002, "Written by Mehdi Oghbai"),
        (S002, TITLE_002),
        (S003, "October 10, 2023"),
        (S004, "Saturday, February 4, 2023"),
        (S004, TITLE_002),
    ],
)
def test_seed_metadata_lines_leave_the_body(seeds: Corpus, article_id: str, line: str) -> None:
    assert line not in _article(seeds, article_id).text


# --- seeds: near-duplicates ------------------------------------------------------------------


def test_only_002_and_004_are_near_duplicates(seeds: Corpus) -> None:
    pairs = {(a.id, a.duplicate_of) for a in seeds.articles if a.duplicate_of}
    assert pairs == {(S004, S002)}
    similarity = _article(seeds, S004).similarity
    assert similarity is not None and 0.8 <= similarity <= 1.0
    assert _article(seeds, S002).similarity is None


def test_near_duplicates_use_the_blocking_index() -> None:
    sets = {
        "a": shingles("one two three four five six"),
        "b": shingles("seven eight nine ten eleven"),
    }
    assert overlaps(sets) == {}
    text = " ".join(f"word{i}" for i in range(40))
    assert near_duplicates({"x": text, "y": text + " extra words here", "z": "unrelated"}) == {
        "y": ("x", 1.0)
    }


# --- errors and skipped files ----------------------------------------------------------------


def test_missing_path_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    with pytest.raises(InputError, match="no-such-folder"):
        load_corpus([missing])


@pytest.mark.parametrize(
    "files",
    [
        {},
        {"scan.pdf": b"%PDF-1.4", "photo.png": b"\x89PNG\r\n", "notes.docx": b"PK\x03\x04"},
        {".hidden.txt": "A hidden article that must not be read by the ingest stage."},
    ],
    ids=["empty", "only-unsupported", "only-hidden"],
)
def test_folder_without_articles_names_the_folder(tmp_path: Path, files: dict) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    for name, content in files.items():
        _write(folder, name, content)
    with pytest.raises(InputError, match="inbox"):
        load_corpus([folder])


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("png-bytes.md", "PNG"),
        ("pdf-bytes.txt", "PDF"),
    ],
)
def test_binary_fixture_is_skipped_with_a_reason(name: str, reason: str) -> None:
    corpus = load_corpus([DATA / "cp1252.txt", DATA / name])
    assert [a.source for a in corpus.articles] == ["cp1252.txt"]
    assert len(corpus.skipped) == 1
    assert corpus.skipped[0].path.endswith(name)
    assert reason in corpus.skipped[0].reason


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"PK\x03\x04\x14\x00\x00\x00\x08\x00", "ZIP"),
        (b"Some text\x00with\x00NUL bytes\x00", "NUL"),
        (b"", "empty"),
        (b"   \n\t\n  ", "empty"),
    ],
    ids=["zip", "nul", "empty", "whitespace"],
)
def test_bad_file_is_skipped_or_raises_in_strict_mode(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    _write(tmp_path, "good.txt", TEASER)
    bad = _write(tmp_path, "bad.txt", content)
    corpus = load_corpus([tmp_path])
    assert [a.id for a in corpus.articles] == ["good"]
    assert [s.path for s in corpus.skipped] == [str(bad)]
    assert reason.lower() in corpus.skipped[0].reason.lower()
    with pytest.raises(InputError, match="bad.txt"):
        load_corpus([tmp_path], strict=True)


def test_file_over_max_bytes_is_skipped(tmp_path: Path) -> None:
    _write(tmp_path, "small.txt", TEASER)
    _write(tmp_path, "big.txt", TEASER * 20)
    corpus = load_corpus([tmp_path], max_bytes=2_000)
    assert [a.id for a in corpus.articles] == ["small"]
    assert "max_bytes" in corpus.skipped[0].reason


def test_nothing_readable_raises(tmp_path: Path) -> None:
    _write(tmp_path, "a.txt", b"%PDF-1.7 binary")
    _write(tmp_path, "b.txt", b"")
    with pytest.raises(InputError, match="no readable article"):
        load_corpus([tmp_path])


def test_hidden_files_and_folders_are_ignored(tmp_path: Path) -> None:
    _write(tmp_path, "visible.txt", TEASER)
    _write(tmp_path, ".draft.txt", "Hidden draft text that should not be read at all.")
    _write(tmp_path, ".git/notes.md", "Hidden folder text that should not be read at all.")
    _write(tmp_path, "sub/deeper.md", "A nested article in a subfolder is read as well.")
    corpus = load_corpus([tmp_path])
    assert [a.id for a in corpus.articles] == ["deeper", "visible"]


# --- decoding and formats --------------------------------------------------------------------


def test_cp1252_text_is_decoded() -> None:
    article = load_corpus([DATA / "cp1252.txt"]).articles[0]
    assert article.title == "Café talks in Vienna"
    assert "The minister’s “naïve” résumé of the café meeting" in article.text
    assert "–" in article.text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            "\ufeffThe talks\u200b resumed.\r\nIn Vienna.\r\n".encode(),
            "The talks resumed.\n\nIn Vienna.",
        ),
        ("Cafe\u0301 owners\u00a0protested.\n".encode(), "Café owners protested."),
    ],
    ids=["bom-zero-width-crlf", "nfc-nbsp"],
)
def test_text_is_normalised(tmp_path: Path, raw: bytes, expected: str) -> None:
    path = _write(tmp_path, "doc.txt", raw)
    assert load_corpus([path]).articles[0].text == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("naïve “quotes”".encode(), "naïve “quotes”"),
        ("\ufeffnaïve".encode(), "naïve"),
        ("naïve".encode("cp1252"), "naïve"),
        (
            "The minister’s “naïve” café – résumé".encode("cp1252"),
            "The minister’s “naïve” café – résumé",
        ),
        ("Talks in Vienna".encode("utf-16"), "Talks in Vienna"),
    ],
)
def test_decode_prefers_utf8_then_cp1252(raw: bytes, expected: str) -> None:
    assert decode(raw) == expected


def test_html_gives_main_text_and_metadata() -> None:
    article = load_corpus([DATA / "article.html"]).articles[0]
    assert article.fmt == "html"
    assert article.title == "Ministers Meet in Geneva to Revive Nuclear Talks"
    assert (article.author, article.date, article.outlet) == (
        "Jane Doe",
        "2023-05-01",
        "The Example Herald",
    )
    assert article.text.startswith("The foreign ministers of France and Germany met")
    assert article.text.count("\n\n") == 2
    for junk in [
        "trackingScriptMarker",
        "secret-style-rule",
        "Subscribe",
        "Copyright",
        "Politics",
        "Ministers Meet in Geneva",
    ]:
        assert junk not in article.text


def test_markdown_markup_is_stripped() -> None:
    article = load_corpus([DATA / "article.md"]).articles[0]
    assert article.fmt == "md"
    assert (article.title, article.author, article.date, article.outlet) == (
        "Sanctions Relief Debated in Brussels",
        "John Roe",
        "2023-03-15",
        "Example Wire",
    )
    assert article.text.startswith(
        "European diplomats met in Brussels on Tuesday to weigh sanctions relief for Iran, "
        "according to two officials who spoke"
    )
    for junk in ["#", "**", "](", "![", "https://", "> ", "room.jpg", "- The"]:
        assert junk not in article.text
    assert "The United States left it in 2018." in article.text


def test_same_stem_in_two_formats_gets_distinct_ids() -> None:
    corpus = load_corpus([DATA / "article.html", DATA / "article.md"])
    assert [a.id for a in corpus.articles] == ["article", "article-md"]


# --- shared blocks across pages --------------------------------------------------------------


def test_shared_block_in_unrelated_pages_becomes_its_own_article(tmp_path: Path) -> None:
    teaser = f"Border Talks to Resume\n\nBy Ana Lima\n\n{TEASER}\n\n"
    _write(tmp_path, "a.txt", teaser + "Fishing News Today\n\n" + _story("fishing"))
    _write(tmp_path, "b.txt", teaser + "Railway Plans Unveiled\n\n" + _story("railway"))
    _write(tmp_path, "c.txt", "Health Budget\n\n" + _story("health"))
    corpus = load_corpus([tmp_path])
    a, b, c = (_article(corpus, x) for x in "abc")
    assert TEASER not in a.text and TEASER not in b.text
    assert (a.title, b.title, c.title) == (
        "Fishing News Today",
        "Railway Plans Unveiled",
        "Health Budget",
    )
    assert a.author is None and b.author is None
    shared = [x for x in corpus.articles if x.id.startswith("shared-")]
    assert len(shared) == 1
    assert (shared[0].title, shared[0].author, shared[0].text) == (
        "Border Talks to Resume",
        "Ana Lima",
        TEASER,
    )
    assert shared[0].derived_from == ("a", "b")
    assert all(x.duplicate_of is None for x in corpus.articles)


def test_copies_of_one_article_are_duplicates_not_shared_blocks(tmp_path: Path) -> None:
    body = _story("harbour")
    _write(tmp_path, "first.txt", "Harbour Report\n\n" + body)
    _write(tmp_path, "second.txt", "Harbour Report (updated)\n\n" + body + "\n\nAn update.")
    corpus = load_corpus([tmp_path])
    assert [a.id for a in corpus.articles] == ["first", "second"]
    second = _article(corpus, "second")
    assert second.duplicate_of == "first" and second.similarity == 1.0
    assert body.split("\n\n")[0] in second.text


def test_repeated_link_lists_at_the_end_are_dropped(tmp_path: Path) -> None:
    links = "\n\nRead our guide to the elections\n\nWho is who in the new cabinet\n"
    _write(tmp_path, "a.txt", _story("fishing") + links)
    _write(tmp_path, "b.txt", _story("railway") + links)
    corpus = load_corpus([tmp_path])
    for article in corpus.articles:
        assert "cabinet" not in article.text and "guide" not in article.text
        assert article.text.endswith("review.")


# --- cleaning steps --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "text", "expected"),
    [
        (drop_boilerplate_lines, "HomeWorld NewsMiddle EastTalks resume\n\nBody.", "Body."),
        (drop_boilerplate_lines, "Home > World > Middle East\n\nBody.", "Body."),
        (drop_boilerplate_lines, "Body.\n\nhttps://example.org/a?b=c\n\nwww.example.org", "Body."),
        (drop_boilerplate_lines, "Photo: Reuters\n\nBody.", "Body."),
        (drop_boilerplate_lines, "Body.\n\nShare this article on Facebook", "Body."),
        (drop_boilerplate_lines, "Body.\n\nSubscribe to our free daily newsletter", "Body."),
        (drop_boilerplate_lines, "Body.\n\nTags: Iran, Israel, Hamas", "Body."),
        (drop_boilerplate_lines, "Advertisement\n\nBody.\n\nComments", "Body."),
        (drop_boilerplate_lines, "Share prices fell on Monday.", "Share prices fell on Monday."),
        (
            drop_boilerplate_lines,
            "Photo journalists were detained.",
            "Photo journalists were detained.",
        ),
        (
            drop_lead_ins,
            "Body.\n\nFollow us on Telegram:\n\nDaily Brief\n\nhttps://t.me/x",
            "Body.",
        ),
        (drop_lead_ins, "Join us on YouTube:\n\nThe talks resumed.", "The talks resumed."),
        (remove_inline, "Talks began. (Photo by A. B./AFP via Getty Images) |", "Talks began."),
        (
            remove_inline,
            "Talks began. Pictured: Ministers arrive in Vienna. More later.",
            "Talks began. More later.",
        ),
        (
            truncate_tail,
            "Body one is long enough.\n\nRelated articles\n\nOther story",
            "Body one is long enough.",
        ),
        (
            truncate_tail,
            "Related articles\n\nBody one is long enough to keep.",
            "Body one is long enough to keep.",
        ),
        (drop_trailing_tag_lists, "Body.\n\nIran Israel at War Jihadism Lebanon Syria", "Body."),
        (
            drop_trailing_tag_lists,
            "Body.\n\nIran Israel at war, the minister said.",
            "Body.\n\nIran Israel at war, the minister said.",
        ),
        (paragraphize, "One.\nTwo.\n\n\nThree.", "One.\n\nTwo.\n\nThree."),
        (
            paragraphize,
            ("word " * 12 + "\n") * 4,
            " ".join(["word " * 12] * 4).replace("  ", " ").strip(),
        ),
    ],
)
def test_cleaning_step(step, text: str, expected: str) -> None:
    assert step(text) == expected


def test_clean_runs_all_steps() -> None:
    text = "Share this article\r\n\r\nThe talks\u00a0resumed.\r\nComments\r\nPopular posts\r\nOther"
    assert clean(text) == "The talks resumed."


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Hezbollah Indo-Pacific Iran Iran Global Threat Network Israel at War Syria", True),
        ("Iran, Israel, Hamas, Hezbollah", True),
        ("Khamenei’s deadlock provides opportunity in Iran talks", False),
        ("The United States left it in 2018.", False),
        ("Iran Israel", False),
    ],
)
def test_is_tag_list(line: str, expected: bool) -> None:
    assert is_tag_list(line) is expected


# --- metadata --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("October 10, 2023", "2023-10-10"),
        ("Saturday, February 4, 2023", "2023-02-04"),
        ("4 February 2023", "2023-02-04"),
        ("Sept 4, 2023", None),
        ("Sep. 4th, 2023", "2023-09-04"),
        ("Published: 2023-02-04T10:00:00Z", "2023-02-04"),
        ("Updated on March 3, 2021 at 10:15 a.m. EST", "2021-03-03"),
        ("February 30, 2023", None),
        ("On October 10, 2023 Hamas attacked Israel.", None),
    ],
)
def test_parse_date(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Dr. Majid Rafizadeh", "Majid Rafizadeh"),
        ("Ursula von der Leyen", "Ursula von der Leyen"),
        ("Jane Doe and John Roe", "Jane Doe and John Roe"),
        ("the end of the year", None),
        ("Jane Doe 2023", None),
    ],
)
def test_person_name(text: str, name: str | None) -> None:
    assert person_name(text) == name


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        (
            "Talks Resume\n\nBy Jane Doe | Reuters | May 1, 2023\n\nThe talks resumed.",
            "outlet",
            "Reuters",
        ),
        (
            "Talks Resume\n\nBy Jane Doe | Reuters | May 1, 2023\n\nThe talks resumed.",
            "date",
            "2023-05-01",
        ),
        ("By the end of the year, talks resumed.\n\nMore talks.", "author", None),
        (
            "The talks resumed.\n\nEbrahim Raisi is the president of Iran and a former judge.",
            "author",
            None,
        ),
        ("Raisi spoke.\n\nEbrahim Raisi is the president of Iran.", "author", None),
        ("Body.\n\nOriginally published in The Example Times.", "outlet", "The Example Times"),
    ],
)
def test_extract_metadata(text: str, field: str, expected: str | None) -> None:
    meta, body = extract_metadata(text)
    assert getattr(meta, field) == expected
    assert body


def test_byline_leaves_the_body_and_bio_stays() -> None:
    text = (
        "Talks Resume\n\nWritten by Jane Doe\n\nThe talks resumed in Vienna.\n\n"
        "Dr. John Roe is a senior fellow at the Example Institute."
    )
    meta, body = extract_metadata(text)
    assert (meta.title, meta.author) == ("Talks Resume", "Jane Doe")
    # the bio's facts (a fellow at the institute) are facts about an actor: they stay
    assert body == (
        "The talks resumed in Vienna.\n\nDr. John Roe is a senior fellow at the Example Institute."
    )


def test_explicit_unsupported_file_is_skipped(tmp_path: Path) -> None:
    good = _write(tmp_path, "good.txt", TEASER)
    docx = _write(tmp_path, "notes.docx", b"PK\x03\x04")
    corpus = load_corpus([good, docx])
    assert [a.id for a in corpus.articles] == ["good"]
    assert corpus.skipped[0].path == str(docx)
    assert "unsupported" in corpus.skipped[0].reason
    with pytest.raises(InputError, match="notes.docx"):
        load_corpus([good, docx], strict=True)
