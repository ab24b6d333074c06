import pytest

from blog.rendering import comment_to_html, cut_at_word, markdown_to_html, plain_text


def test_short_description_is_left_alone():
    assert cut_at_word("A short line.") == "A short line."


def test_long_description_is_cut_at_a_word_and_marked():
    text = ("word " * 40).strip() + " ending"
    cut = cut_at_word(text, 155)
    assert cut.endswith("...")
    assert len(cut) <= 158
    body = cut[:-3]
    assert text.startswith(body)
    assert text[len(body)] == " ", "the cut must fall between words"


def test_cut_never_splits_a_word():
    text = "alpha " * 25 + "extraordinarily long closing words"
    cut = cut_at_word(text, 155)
    assert not cut[:-3].endswith("extraord")
    assert cut[:-3].split()[-1] in text.split()


def test_cut_drops_trailing_punctuation_before_ellipsis():
    text = "x" * 150 + ", afterwards much more text follows"
    assert cut_at_word(text, 155) == "x" * 150 + "..."


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<iframe src="https://example.com"></iframe>',
        '<svg onload="alert(1)"></svg>',
    ],
)
def test_markdown_raw_html_cannot_carry_script(hostile):
    html = markdown_to_html(f"Hello\n\n{hostile}\n")
    lowered = html.lower()
    assert "<script" not in lowered
    assert "onerror" not in lowered and "onload" not in lowered
    assert "javascript:" not in lowered
    assert "<iframe" not in lowered


def test_markdown_renders_formatting():
    html = markdown_to_html("# Title\n\nSome *emphasis* and a [link](https://example.com).")
    assert "<h1>Title</h1>" in html
    assert "<em>emphasis</em>" in html
    assert 'href="https://example.com"' in html


def test_comment_keeps_paragraphs_and_line_breaks_and_escapes():
    html = comment_to_html("One <b>bold</b>\nline two\n\n\nPara & two")
    assert html == "<p>One &lt;b&gt;bold&lt;/b&gt;<br>\nline two</p><p>Para &amp; two</p>"


def test_plain_text_strips_tags():
    assert plain_text("<p>Hello <em>there</em> &amp; you</p>") == "Hello there & you"
