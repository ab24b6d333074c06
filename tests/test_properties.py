"""Property tests: whatever arrives, the server answers cleanly and stores all or nothing."""

import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import select
from support import ARTICLE, comment_data, form_tokens

from blog.extensions import db
from blog.models import Comment

POST = ARTICLE + "/comments"
SETTINGS = settings(
    max_examples=75,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Any Unicode a browser can send (lone surrogates cannot be encoded as UTF-8 at all).
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=120)


def expected(value: str, one_line: bool) -> str:
    """What the rules say is stored: NFC, unified newlines, no control characters."""
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n"))
    value = "".join(c for c in value if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cs"))
    return " ".join(value.split()) if one_line else value.strip()


def comment_rows(app) -> list[Comment]:
    with app.app_context():
        return list(db.session.scalars(select(Comment).order_by(Comment.id)))


@SETTINGS
@given(
    name=TEXT,
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
    )
)
def test_any_cursor_is_a_page_or_a_404(app, client, htmx_client, article, raw):
    for reader in (client, htmx_client):
        for path, name in (("/", "before"), (POST, "after")):
            response = reader.get(path, query_string={name: raw})
            assert response.status_code == (200 if is_id(raw) else 404), (path, raw)
    if raw.isascii() and raw.isdigit() and "/" not in raw:
        permalink = client.get(f"{POST}/{raw}")
        assert permalink.status_code == 404  # no comments yet: valid or not, none is there
