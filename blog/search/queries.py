"""Searching published articles: one function, `search`, over SQLite's FTS5 table or
PostgreSQL's full-text index (both made in models.py), ranked, with highlighted excerpts.

The reader's text never reaches either query language as it is: only its words do, each
quoted as a phrase, so that quotes, operators and column names in it are plain words.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape
from sqlalchemy import Select, bindparam, column, func, literal_column, select, table

from ..articles.queries import NEWEST_FIRST  # among equal ranks
from ..extensions import db
from ..models import PUBLISHED, Article
from ..web.text import clean_line

MAX_RESULTS = 20
MAX_QUERY_CHARS = 200  # what a reader could mean to type; the rest is ignored
MAX_WORDS = 20
# Letters and digits (any script); "_" and everything else separates words, as both
# databases' tokenizers do.
_WORD = re.compile(r"[^\W_]+")

# The databases mark hits with these control characters, which web/text.py strips from what
# people type; they become <mark> only after escaping (`marked`), which drops strays.
HIT, END = "\x02", "\x03"
_MARK = re.compile(f"{HIT}([^{HIT}{END}]*){END}")
TITLE_WEIGHT = 10.0  # a word in the title counts as much as ten in the body


@dataclass(frozen=True)
class Hit:
    slug: str
    title: str  # as stored: the template escapes it (hits are marked in the excerpt only)
    published_at: datetime
    excerpt: Markup  # escaped, its hits in <mark>


def clean_query(text: str | None) -> str:
    """What the reader typed, as it is searched and shown: one clean line, cut short."""
    return (clean_line(text) or "")[:MAX_QUERY_CHARS]


def query_words(text: str | None) -> list[str]:
    """The words searched for (every one must match), at most MAX_WORDS."""
    return _WORD.findall(clean_query(text))[:MAX_WORDS]


def match_text(words: list[str]) -> str:
    """For FTS5: each word as a quoted string, never an operator (AND, OR, NEAR, -, *,
    column:); its tokenizer splits "covid-19" into the same words in articles and queries."""
    return " ".join('"' + word.replace('"', '""') + '"' for word in words)


def phrases(text: str | None) -> str:
    """For PostgreSQL: each run of the text between spaces as one quoted phrase, whole, so
    that its parser reads "covid-19", "3.11" or "24/7" as it read them in the articles
    (split into words, they would not match); quotes inside are dropped, so no operator
    ever reaches websearch_to_tsquery."""
    runs = [run.replace('"', "") for run in clean_query(text).split()][:MAX_WORDS]
    return " ".join(f'"{run}"' for run in runs if _WORD.search(run))


def marked(text: str) -> Markup:
    """`text` escaped, then its sentinel-marked hits in <mark>; stray sentinels dropped."""
    html = _MARK.sub(r"<mark>\1</mark>", str(escape(text)))
    return Markup(html.replace(HIT, "").replace(END, ""))


def search(text: str, limit: int = MAX_RESULTS) -> list[Hit]:
    """Published articles matching every word of `text`, best first, at most `limit`."""
    words = query_words(text)
    if not words:
        return []
    dialect = db.engine.dialect.name  # only these two databases are served
    terms = phrases(text) if dialect == "postgresql" else match_text(words)
    rows = db.session.execute(_STATEMENTS[dialect], {"words": terms, "limit": limit})
    return [Hit(slug, title, at, marked(excerpt)) for slug, title, at, excerpt in rows]


def _sqlite() -> Select:
    """FTS5: bm25 with the title weighted, snippet() of the body."""
    fts = table("article_search", column("rowid"))
    hidden = literal_column("article_search")  # the table's own column, which FTS5 reads
    return (
        select(
            Article.slug,
            Article.title,
            Article.published_at,
            func.snippet(hidden, 1, HIT, END, "…", 32),
        )
        .select_from(fts)
        .join(Article, Article.id == fts.c.rowid)
        .where(hidden.op("MATCH")(bindparam("words")), PUBLISHED)
        .order_by(func.bm25(hidden, TITLE_WEIGHT, 1.0), *NEWEST_FIRST)
        .limit(bindparam("limit"))
    )


# Exactly the expression of the GIN index (models.POSTGRES_SEARCH_DDL), or it is not used;
# 'english' written out, not bound, for the same reason.
_PG_DOCUMENT = literal_column("to_tsvector('english', article.title || ' ' || article.body_text)")
_ENGLISH = literal_column("'english'")
# Safe with any text; given only quoted phrases (`phrases`), every one must match.
_PG_QUERY = func.websearch_to_tsquery(_ENGLISH, bindparam("words"))
# The title's words weigh A (1.0), the body's D (0.1), in ts_rank.
_PG_WEIGHTED = literal_column(
    "setweight(to_tsvector('english', article.title), 'A') "
    "|| to_tsvector('english', article.body_text)"
)
_PG_EXCERPT = f"StartSel={HIT}, StopSel={END}, MaxWords=35, MinWords=15, MaxFragments=2, "
_PG_EXCERPT += 'FragmentDelimiter=" … "'
# ts_headline turns what its parser takes for an HTML tag ("<div>" in a post about HTML)
# into a space; with "<" swapped for a control character (and back) the text stays whole.
_PG_HEADLINE = func.replace(
    func.ts_headline(
        _ENGLISH, func.replace(Article.body_text, "<", "\x01"), _PG_QUERY, _PG_EXCERPT
    ),
    "\x01",
    "<",
)


def _postgresql() -> Select:
    """The GIN index's expression, ts_rank with the title weighted, ts_headline() of the
    body."""
    return (
        select(
            Article.slug,
            Article.title,
            Article.published_at,
            _PG_HEADLINE,
        )
        .where(_PG_DOCUMENT.op("@@")(_PG_QUERY), PUBLISHED)
        .order_by(func.ts_rank(_PG_WEIGHTED, _PG_QUERY).desc(), *NEWEST_FIRST)
        .limit(bindparam("limit"))
    )


_STATEMENTS = {"sqlite": _sqlite(), "postgresql": _postgresql()}  # built once
