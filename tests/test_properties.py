"""Property tests: whatever arrives, the server answers cleanly and stores all or nothing."""

import re
import unicodedata
from urllib.parse import urlsplit

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import select
from support import ARTICLE, STARTED, comment_data, form_tokens

from blog.extensions import db
from blog.models import Comment
from blog.web.text import has_letter_or_digit

POST = ARTICLE + "/comments"
SETTINGS = settings(
    max_examples=75,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Any Unicode a browser can send (lone surrogates cannot be encoded as UTF-8 at all).
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=120)
# The review's invisible names (finding 9): zero-width and blank characters, fillers,
# byte order marks and bidirectional controls, with now and then a letter among them.
INVISIBLE = "\u200b\u200c\u200d\u2060\u2800\u3164\u115f\uffa0\ufeff\u202e\u202d\u2066\u2069 "
NAMES = st.one_of(TEXT, st.text(st.sampled_from(INVISIBLE + "a7"), max_size=12))


BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def expected(value: str, one_line: bool) -> str:
    """What the rules say is stored: NFC, unified newlines, no control characters and no
    byte order marks; in one-line fields, no bidirectional controls."""
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    value = "".join(
        c
        for c in value
        if c in "\n\t" or (unicodedata.category(c) not in ("Cc", "Cs") and c != "\ufeff")
    )
    if one_line:
        return " ".join("".join(c for c in value if c not in BIDI_CONTROLS).split())
    return value.strip()


def comment_rows(app) -> list[Comment]:
    with app.app_context():
        return list(db.session.scalars(select(Comment).order_by(Comment.id)))


@SETTINGS
@given(
    name=NAMES,
    email=st.one_of(st.emails(), TEXT),
    website=st.one_of(st.just(""), st.just("https://example.com/"), TEXT),
    body=st.text(st.characters(exclude_categories=["Cs"]), max_size=400),
)
def test_any_text_is_stored_exactly_or_refused(
    app, client, htmx_client, article, name, email, website, body
):
    before = comment_rows(app)
    tokens = form_tokens(client, ARTICLE)
    data = comment_data(tokens, name=name, email=email, website=website, body=body)
    response = htmx_client.post(POST, data=data)
    assert response.status_code < 500
    after = comment_rows(app)
    html = response.get_data(as_text=True)
    if response.status_code == 200:
        assert len(after) == len(before) + 1
        new = after[-1]
        assert new.author_name == expected(name, one_line=True)
        assert has_letter_or_digit(new.author_name) and not BIDI_CONTROLS & set(new.author_name)
        assert new.body == expected(body, one_line=False)
        assert new.author_email == expected(email, one_line=True)
        assert (new.author_url or "") == expected(website, one_line=True)
        page = client.get(f"{POST}/{new.id}", follow_redirects=True).get_data(as_text=True)
        assert str(escape(new.author_name)) in page
    else:
        assert response.status_code == 422
        assert len(after) == len(before)
        assert "field-error" in html or "form-message" in html


@SETTINGS
@given(raw=st.binary(max_size=300))
def test_any_bytes_get_a_clean_answer(app, client, article, raw):
    before = len(comment_rows(app))
    tokens = form_tokens(client, ARTICLE)
    prefix = f"comment-started={tokens['comment-started']}&".encode()
    response = client.post(
        POST, data=prefix + raw, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code in (303, 400, 422)
    assert len(comment_rows(app)) - before == (1 if response.status_code == 303 else 0)


def is_id(raw: str) -> bool:
    """What the site accepts as an id: ASCII digits naming 1 to 2**31 - 1 (an INTEGER
    column's range in PostgreSQL, the smaller of the two databases')."""
    return raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 2**31 - 1


@SETTINGS
@given(
    raw=st.one_of(
        TEXT,
        st.integers(min_value=-(2**64), max_value=2**65).map(str),
        st.just("2147483647"),
        st.just("2147483648"),
        st.just("9223372036854775807"),
        st.just("007"),
        # the review's payloads (finding 8): past 64 bits, and digits of other scripts
        st.sampled_from(["9223372036854775808", "99999999999999999999", "²", "١٢", "߁"]),
    )
)
def test_any_cursor_is_a_page_or_a_404(app, client, htmx_client, article, raw):
    for reader in (client, htmx_client):
        # a list of articles starts after one readers see (here the only one, id 1)
        home = reader.get("/", query_string={"before": raw})
        assert home.status_code == (200 if is_id(raw) and int(raw) == 1 else 404), raw
        comments = reader.get(POST, query_string={"before": raw})
        assert comments.status_code == (200 if is_id(raw) else 404), raw
    if raw.isascii() and raw.isdigit() and "/" not in raw:
        permalink = client.get(f"{POST}/{raw}")
        assert permalink.status_code == 404  # no comments yet: valid or not, none is there


# The review's open redirects (finding 4): return addresses built from the pieces that
# fooled the old check, in any order, and any text at all.
PIECES = ["/", "//", "\\", "\t", "\n", "\r", "%09", "%0a", " ", "\x00", "@", ".", "evil.example"]
TARGETS = st.one_of(
    TEXT,
    st.lists(st.sampled_from([*PIECES, "http:", "https:", "javascript:"]), max_size=8).map("".join),
)


def browser_destination(location: str) -> tuple[str, str]:
    """Scheme and host a browser would go to: it drops tabs and newlines, reads "\\" as
    "/", and trims leading spaces and controls."""
    seen = re.sub(r"[\t\n\r]", "", location).replace("\\", "/").lstrip("\x00 ")
    parts = urlsplit(seen)
    return parts.scheme, parts.netloc


@SETTINGS
@given(target=TARGETS)
def test_any_return_address_stays_on_the_site(app, client, target):
    response = client.post("/cookies/accept", data={"next": target})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/") and browser_destination(location) == ("", "")


# The review's header poisoning (finding 2): whatever forwarding headers a client sends,
# the page names only the configured address, and the next reader gets the same page.
FORWARDED = [
    "X-Forwarded-Proto",
    "X-Forwarded-Host",
    "X-Forwarded-Prefix",
    "Forwarded",
    "X-Forwarded-Port",
    "X-Original-URL",
    "X-Rewrite-URL",
    "X-Forwarded-Server",
]
HEADER_VALUES = st.one_of(
    st.sampled_from(["https", "evil.example", "/evil", "host=evil.example;proto=https", "443"]),
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40),
)


@SETTINGS
@given(headers=st.dictionaries(st.sampled_from(FORWARDED), HEADER_VALUES, max_size=4))
def test_no_request_header_changes_a_shared_page(app, client, article, headers):
    baseline = re.sub(STARTED, "", app.test_client().get(ARTICLE).get_data(as_text=True))
    forged = client.get(ARTICLE, headers=headers)
    assert forged.status_code == 200
    html = forged.get_data(as_text=True)
    assert '<link rel="canonical" href="http://localhost/articles/a-quiet-article">' in html
    assert re.sub(STARTED, "", html) == baseline
    after = re.sub(STARTED, "", app.test_client().get(ARTICLE).get_data(as_text=True))
    assert after == baseline
