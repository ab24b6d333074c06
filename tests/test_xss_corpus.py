"""Every hostile payload, in every field: shown as typed text, never as markup."""

from html import unescape
from html.parser import HTMLParser

import pytest
from markupsafe import escape
from support import ARTICLE, comment_data, form_tokens
from xss_payloads import PAYLOADS

POST = ARTICLE + "/comments"
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:")


class MarkupCensus(HTMLParser):
    """Collects every tag and attribute a browser would build from a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag in {"script"} and not dict(attrs).get("src", "").startswith("/static/"):
            self.problems.append(f"inline <script>: {attrs}")
        if tag in {"iframe", "object", "embed", "svg", "math", "img", "video", "base", "details"}:
            self.problems.append(f"<{tag}>")
        if tag == "meta" and dict(attrs).get("http-equiv"):
            self.problems.append("<meta http-equiv>")
        for name, value in attrs:
            if name.startswith("on") or name.startswith("hx-on"):
                self.problems.append(f"handler {name}")
            if name == "style":
                self.problems.append("style attribute")
            if name in {"href", "src", "action", "formaction", "xlink:href", "data"} and value:
                compact = "".join(ch for ch in unescape(value) if ch > " ").lower()
                if compact.startswith(DANGEROUS_SCHEMES):
                    self.problems.append(f"{name}={value}")
            if name.startswith("hx-") and "/admin" in (value or ""):
                self.problems.append(f"injected {name}")


def markup_problems(html: str) -> list[str]:
    census = MarkupCensus()
    census.feed(html)
    return census.problems


def test_corpus_is_large_enough():
    assert len(PAYLOADS) >= 40
    assert len(set(PAYLOADS)) == len(PAYLOADS)


def test_the_census_notices_real_markup():
    """The checker itself must fail on what it looks for, or it proves nothing."""
    assert markup_problems("<p><img src=x onerror=alert(1)></p>")
    assert markup_problems('<a href=" JaVa&#115;cript:alert(1)">x</a>')
    assert markup_problems("<script>alert(1)</script>")
    assert not markup_problems('<script defer src="/static/js/blog.js"></script><p>ok</p>')


@pytest.mark.parametrize("field", ["name", "email", "website", "body"])
@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_payload_in_every_field_stays_text(client, htmx_client, article, field, payload):
    tokens = form_tokens(client, ARTICLE)
    response = htmx_client.post(POST, data=comment_data(tokens, **{field: payload}))
    assert response.status_code in (200, 422)
    fragment = response.get_data(as_text=True)
    assert markup_problems(fragment) == []
    page = client.get(ARTICLE).get_data(as_text=True)
    assert markup_problems(page) == []
    # One-line fields fold tabs and runs of spaces into one space; the comment keeps them.
    typed = payload.strip() if field == "body" else " ".join(payload.split())
    shown = str(escape(typed))
    if response.status_code == 422:
        assert shown in fragment  # the typed value comes back, escaped, in its field
    elif field in ("name", "body"):
        assert shown in page  # stored and displayed exactly as typed
