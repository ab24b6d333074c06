"""Turning stored text into safe HTML, done once when the text is saved."""

import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

# Authors may write raw HTML in Markdown; nh3 strips anything that could run script.
_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
_markdown.enable("table")

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_WHITESPACE = re.compile(r"\s+")
_TAG = re.compile(r"<[^>]*>")


def markdown_to_html(source: str) -> str:
    """Render an article body from Markdown to sanitized HTML."""
    return nh3.clean(_markdown.render(source))


def comment_to_html(text: str) -> str:
    """Escape a comment and keep its paragraphs and line breaks."""
    paragraphs = [p.strip("\n") for p in _PARAGRAPH_BREAK.split(text.strip()) if p.strip()]
    html = "".join("<p>" + str(escape(p)).replace("\n", "<br>\n") + "</p>" for p in paragraphs)
    return str(Markup(html))


def plain_text(html: str) -> str:
    """Collapse rendered HTML into one line of text, for excerpts."""
    text = nh3.clean(html, tags=set())  # drops every tag, keeps the escaped text
    text = _TAG.sub(" ", text)
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    text = text.replace("&quot;", '"').replace("&#39;", "'")
    return _WHITESPACE.sub(" ", text).strip()


def cut_at_word(text: str, limit: int = 155) -> str:
    """Shorten text at a word boundary to about `limit` characters, ending with '...'."""
    text = _WHITESPACE.sub(" ", text).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if " " in cut and not text[limit].isspace():
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-") + "..."
