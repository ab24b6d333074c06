"""Moving in from WordPress (WXR) and Disqus: the hand-made exports in tests/fixtures/
hold every kind of item and comment the importers must take, skip or refuse."""

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from support import make_article

from blog.extensions import db
from blog.models import Article, Comment, CommentStatus, OldSlug

FIXTURES = Path(__file__).parent / "fixtures"
WXR = FIXTURES / "wordpress-export.xml"
DISQUS = FIXTURES / "disqus-export.xml"


def comments_of(app, slug: str) -> list[Comment]:
    with app.app_context():
        article = db.session.scalar(select(Article).where(Article.slug == slug))
        return list(
            db.session.scalars(
                select(Comment).where(Comment.article_id == article.id).order_by(Comment.id)
            )
        )


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count(Article.id))),
            db.session.scalar(select(func.count(Comment.id))),
        )


def test_a_wordpress_blog_moves_in_with_its_threads(app, runner, client):
    result = runner.invoke(args=["import-wordpress", str(WXR)])
    assert result.exit_code == 0, result.output
    assert "Imported 3 article(s); comments: 1 pending, 13 published, 1 spam." in result.output
    for skipped in (
        "Skipped 1: page (publish), not a published post",
        "Skipped 1: attachment (inherit), not a published post",
        "Skipped 1: post (draft), not a published post",
        "Skipped 1: nav_menu_item (publish), not a published post",
        "Skipped 1: password-protected posts (not public)",
        "Skipped 1: pingbacks (not comments)",
        "Skipped 1: comments marked 'trash' (trash)",
    ):
        assert skipped in result.output, skipped
    with app.app_context():
        lavender = db.session.scalar(
            select(Article).where(Article.slug == "lavender-on-a-north-wall")
        )
        assert lavender.author == "Mira Okafor" and lavender.title == "Lavender on a North Wall"
        assert lavender.published_at == datetime(2011, 5, 14, 16, 30)  # GMT, not local time
        assert lavender.description == "A stubborn plant in a shady corner."
        assert "<script" not in lavender.body_html and "<h2>What helped</h2>" in lavender.body_html
        assert lavender.comment_count == 3  # published only
        assert db.session.scalar(select(Article.id).where(Article.slug == "members-only")) is None
        assert db.session.scalar(select(Article.title).where(Article.slug == "uber-wurzeln")) == (
            "Über Wurzeln & Erde"
        )
    by_name = {c.author_name: c for c in comments_of(app, "lavender-on-a-north-wall")}
    assert by_name["Ines Alvarez"].body == (
        "The lavender finally took.\n\nSecond paragraph, with feeling."
    )
    assert by_name["Ines Alvarez"].author_url == "https://ines.example/"
    assert by_name["Held Back"].status == CommentStatus.PENDING
    assert by_name["Cheap Pills"].status == CommentStatus.SPAM
    assert by_name["Under the Bin"].parent_id is None  # its parent was binned: up a level
    anonymous = by_name["Anonymous"]
    assert anonymous.author_url is None and "script" not in anonymous.body_html
    page = client.get("/articles/lavender-on-a-north-wall").get_data(as_text=True)
    assert "The lavender finally took." in page and "Waiting for the owner." not in page


def test_a_thread_ten_levels_deep_keeps_every_level(app, runner):
    assert runner.invoke(args=["import-wordpress", str(WXR)]).exit_code == 0
    conversation = comments_of(app, "the-long-conversation")
    assert len(conversation) == 10
    by_id = {c.id: c for c in conversation}
    deepest = next(c for c in conversation if c.body == "Level 10 of the long conversation.")
    chain = [deepest]
    while chain[-1].parent_id is not None:
        chain.append(by_id[chain[-1].parent_id])
    assert [c.body for c in reversed(chain)] == [
        f"Level {n} of the long conversation." for n in range(1, 11)
    ]
    top = chain[-1]
    assert [(c.root_id, c.depth) for c in reversed(chain)] == [(None, 0)] + [
        (top.id, n) for n in range(1, 10)
    ]


def test_importing_the_same_export_again_adds_nothing(app, runner):
    assert runner.invoke(args=["import-wordpress", str(WXR)]).exit_code == 0
    before = counts(app)
    again = runner.invoke(args=["import-wordpress", str(WXR)])
    assert again.exit_code == 0
    assert "Imported 0 article(s); comments: none." in again.output
    assert "Already imported before: 3 articles and 15 comments." in again.output
    assert counts(app) == before


def test_every_wxr_version_is_read(app, runner, tmp_path):
    for version, scheme in (("1.0", "http"), ("1.1", "http"), ("1.2", "https")):
        older = WXR.read_text().replace(
            "https://wordpress.org/export/1.2/", f"{scheme}://wordpress.org/export/{version}/"
        )
        path = tmp_path / f"wxr-{version}.xml"
        path.write_text(older)
        result = runner.invoke(args=["import-wordpress", str(path)])
        assert result.exit_code == 0, result.output
    assert counts(app) == (3, 15)  # the same posts each time: stored once


def test_a_slug_already_taken_skips_only_that_post(app, runner):
    with app.app_context():
        make_article("the-long-conversation", "Ours, Already")
    result = runner.invoke(args=["import-wordpress", str(WXR)])
    assert "slug 'the-long-conversation' in use" in result.output
    assert counts(app)[0] == 3  # ours and two imported
    with app.app_context():
        title = db.session.scalar(
            select(Article.title).where(Article.slug == "the-long-conversation")
        )
    assert title == "Ours, Already"


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY a "haha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<rss><channel><title>&c;</title></channel></rss>"""
EXTERNAL = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<rss><channel><title>&secret;</title></channel></rss>"""


@pytest.mark.parametrize(
    "text, message",
    [
        (BILLION_LAUGHS, "DTD or entities"),
        (EXTERNAL, "DTD or entities"),
        ("<rss><channel><item>", "not well-formed XML"),
        ("<rss><channel><title>Just a feed</title></channel></rss>", "not a WordPress export"),
        ("\x00\x01 binary", "not well-formed XML"),
    ],
)
def test_a_hostile_or_foreign_file_is_refused_with_nothing_stored(
    app, runner, tmp_path, text, message
):
    path = tmp_path / "export.xml"
    path.write_text(text)
    result = runner.invoke(args=["import-wordpress", str(path)])
    assert result.exit_code != 0 and message in result.output, result.output
    assert counts(app) == (0, 0)


def test_a_file_over_the_limit_is_refused_before_it_is_read(app, runner):
    app.config["IMPORT_MAX_BYTES"] = 1000
    result = runner.invoke(args=["import-wordpress", str(WXR)])
    assert result.exit_code != 0 and "IMPORT_MAX_BYTES" in result.output
    assert counts(app) == (0, 0)


@pytest.fixture
def disqus_blog(app):
    with app.app_context():
        make_article()  # a-quiet-article
        make_article("second-thoughts", "Second Thoughts")
    return app


def test_disqus_comments_join_the_articles_their_threads_name(disqus_blog, runner):
    result = runner.invoke(args=["import-disqus", str(DISQUS)])
    assert result.exit_code == 0, result.output
    assert "Imported comments: 1 pending, 4 published, 1 spam." in result.output
    assert "Skipped 1: deleted comments" in result.output
    assert "No article for the Disqus thread https://old-garden.example/articles/gone-missing" in (
        result.output
    )
    quiet = {c.body: c for c in comments_of(disqus_blog, "a-quiet-article")}
    ids = {body: c.id for body, c in quiet.items()}
    assert quiet["First here."].parent_id is None
    assert quiet["Answering Rosa."].parent_id == ids["First here."]
    assert quiet["And back to Tomas."].parent_id == ids["Answering Rosa."]
    assert quiet["Replying to a deleted one."].parent_id == ids["First here."]
    assert quiet["And back to Tomas."].root_id == ids["First here."]
    assert quiet["And back to Tomas."].depth == 2
    assert quiet["Cheap watches."].status == CommentStatus.SPAM
    assert quiet["First here."].created_at == datetime(2013, 3, 1, 11, 0)
    (held,) = comments_of(disqus_blog, "second-thoughts")  # matched by its identifier
    assert held.status == CommentStatus.PENDING
    again = runner.invoke(args=["import-disqus", str(DISQUS)])
    assert "Imported comments: none." in again.output
    assert counts(disqus_blog) == (2, 6)


def test_a_file_that_is_not_a_disqus_export_is_refused(disqus_blog, runner):
    result = runner.invoke(args=["import-disqus", str(WXR)])
    assert result.exit_code != 0 and "not a Disqus export" in result.output
    assert counts(disqus_blog) == (2, 0)


def test_a_slug_another_article_had_skips_that_post_too(app, runner):
    """Its old links must keep leading to the article that had it."""
    with app.app_context():
        ours = make_article("ours-now", "Ours, Renamed")
        db.session.add(OldSlug(slug="the-long-conversation", article_id=ours.id))
        db.session.commit()
    result = runner.invoke(args=["import-wordpress", str(WXR)])
    assert "slug 'the-long-conversation' in use" in result.output
    assert counts(app)[0] == 3
