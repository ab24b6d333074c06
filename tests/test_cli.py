import re
import textwrap
from datetime import datetime
from html import unescape

import pytest
from sqlalchemy import func, select
from sqlalchemy import text as sql

from blog.extensions import db
from blog.models import Article, Comment, OldSlug


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(model.id)))


def test_init_db_is_idempotent(app, runner):
    with app.app_context():
        db.drop_all()  # a new blog: init-db makes it
        with db.engine.begin() as connection:
            connection.execute(sql("DROP TABLE alembic_version"))
    assert runner.invoke(args=["init-db"]).exit_code == 0
    again = runner.invoke(args=["init-db"])
    assert again.exit_code == 0 and "Database ready (schema 0008)." in again.output


def test_seed_demo_loads_articles_with_comments_spanning_years(app, runner, client):
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert count(app, Article) == 3
    assert count(app, Comment) > 100
    with app.app_context():
        years = {c.created_at.year for c in db.session.scalars(select(Comment))}
        assert len(years) >= 3
    again = runner.invoke(args=["seed-demo", "--if-empty"])
    assert "not loaded" in again.output and count(app, Article) == 3
    html = client.get("/articles/when-the-first-session-feels-awkward").get_data(as_text=True)
    assert "March 1st, 2012 at 12:05 AM" in html  # the newest comments first
    earlier = re.search(r'id="comments-earlier-link"[^>]*href="([^"]+)"', html)
    earlier = earlier or re.search(r'href="([^"]+)"[^>]*id="comments-earlier-link"', html)
    html = client.get(unescape(earlier.group(1))).get_data(as_text=True)
    assert "December 12th, 2007 at 8:16 AM" in html
    # a conversation: the author answers a reader, who answers back
    night = client.get("/articles/the-three-am-mind").get_data(as_text=True)
    assert "5 Comments" in night and night.count('<span class="comment-badge">Author</span>') == 1
    assert re.search(
        r'<ol class="replies" id="replies-\d+"><li id="comment-\d+" class="comment '
        r'comment--level-1">',
        night,
    )
    assert 'class="comment comment--level-2"' in night


GOOD = """\
---
title: Notes on Starting Over
slug: notes-on-starting-over
author: Lena Park
date: 2019-06-02
description: A short piece about beginnings.
copyright_year: 2018
copyright_holder: Lena Park Counseling
---
Starting over is *rarely* tidy.

<script>alert('no')</script>
"""


def write(tmp_path, text, name="post.md"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_import_article_publishes_a_markdown_file(app, runner, client, tmp_path):
    result = runner.invoke(args=["import-article", str(write(tmp_path, GOOD))])
    assert result.exit_code == 0, result.output
    assert "/articles/notes-on-starting-over" in result.output
    html = client.get("/articles/notes-on-starting-over").get_data(as_text=True)
    assert "Notes on Starting Over" in html and "<em>rarely</em>" in html
    assert "Copyright 2018 by Lena Park Counseling" in html
    assert 'content="A short piece about beginnings."' in html
    assert "<script>alert" not in html
    assert "June 2nd, 2019" in client.get("/").get_data(as_text=True)


BAD = {
    "no front matter": ("Just text, no front matter.\n", "no front matter"),
    "missing fields": ("---\ntitle: Only a title\n---\nBody\n", "missing: slug, author, date"),
    "bad slug": (GOOD.replace("notes-on-starting-over", "Not A Slug!"), "'slug': Use lowercase"),
    "bad date": (GOOD.replace("2019-06-02", "last tuesday"), "'date' is not a date"),
    "bad yaml": ("---\ntitle: [unclosed\n---\nBody\n", "not valid YAML"),
    "empty body": (
        GOOD.split("---\n", 2)[0] + "---\n" + GOOD.split("---\n")[1] + "---\n\n",
        "'body': Please write the article's text.",
    ),
    "bad year": (GOOD.replace("copyright_year: 2018", "copyright_year: soon"), "copyright_year"),
}


def test_import_rejects_bad_files_with_a_clear_reason_and_stores_nothing(app, runner, tmp_path):
    for name, (text, reason) in BAD.items():
        result = runner.invoke(args=["import-article", str(write(tmp_path, text, f"{name}.md"))])
        assert result.exit_code != 0, name
        assert reason in result.output, (name, result.output)
        assert f"{name}.md" in result.output
    assert count(app, Article) == 0


def test_import_rejects_non_utf8_missing_and_duplicate_files(app, runner, tmp_path):
    binary = tmp_path / "latin1.md"
    binary.write_bytes("---\ntitle: Caf\xe9\n---\n".encode("latin-1"))
    assert "not UTF-8" in runner.invoke(args=["import-article", str(binary)]).output
    assert "cannot read" in runner.invoke(args=["import-article", str(tmp_path / "nope.md")]).output
    path = write(tmp_path, GOOD)
    assert runner.invoke(args=["import-article", str(path)]).exit_code == 0
    again = runner.invoke(args=["import-article", str(path)])
    assert again.exit_code != 0 and "already exists" in again.output
    assert count(app, Article) == 1


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("title: [a, b]", "'title' must be text"),
        ("author: true", "'author' must be text"),
        ("tags: [null, true, 3.5]", "'tags' must be a list of words"),
        ("tags: [[a, b], c]", "'tags' must be a list of words"),
        ("tags: {a: 1}", "'tags' must be a list of words"),
        ('tags: ["a, b"]', "has a comma in it"),
        ("tags: [C, C++]", "would share one address"),
        ("status: live", "'status': Not a valid choice"),
        ("status: published\ndate: 2999-01-01", "'date': That time is in the future"),
    ],
)
def test_import_refuses_front_matter_that_is_not_plain_text(app, runner, tmp_path, line, reason):
    text = GOOD.replace("copyright_year: 2018", line)
    if "date:" in line:
        text = text.replace("date: 2019-06-02\n", "")
    result = runner.invoke(args=["import-article", str(write(tmp_path, text))])
    assert result.exit_code != 0 and reason in result.output, result.output
    assert count(app, Article) == 0


def test_import_honours_a_time_zone_offset_and_replaces_under_an_old_slug(app, runner, tmp_path):
    text = GOOD.replace("date: 2019-06-02", "date: 2019-06-02T10:00:00+05:00")
    assert runner.invoke(args=["import-article", str(write(tmp_path, text))]).exit_code == 0
    with app.app_context():
        stored = db.session.scalar(select(Article))
        assert stored.published_at == datetime(2019, 6, 2, 5, 0)  # UTC
        db.session.add(OldSlug(slug="notes-on-starting-over", article_id=stored.id))
        stored.slug = "renamed-since"
        db.session.commit()
    again = runner.invoke(args=["import-article", "--replace", str(write(tmp_path, text))])
    assert again.exit_code == 0, again.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Article.id))) == 1
        assert db.session.scalar(select(Article.slug)) == "notes-on-starting-over"


def test_import_reads_tags_and_a_future_date_as_scheduled(app, runner, tmp_path, client):
    text = GOOD.replace("date: 2019-06-02", "date: 2999-06-02").replace(
        "copyright_year: 2018", "tags: [Beginnings, Change]"
    )
    result = runner.invoke(args=["import-article", str(write(tmp_path, text))])
    assert result.exit_code == 0 and "Scheduled for 2999-06-02" in result.output
    assert client.get("/articles/notes-on-starting-over").status_code == 404
    with app.app_context():
        assert [t.name for t in db.session.scalar(select(Article)).tags] == ["Beginnings", "Change"]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("date: 0001-01-01T00:30:00+01:00", "out of range"),
        ("date: 9999-12-31T23:30:00-05:00", "out of range"),
        ("date: 2026-13-45", "not valid"),
    ],
)
def test_import_explains_dates_it_cannot_use(app, runner, tmp_path, line, reason):
    text = GOOD.replace("date: 2019-06-02", line)
    result = runner.invoke(args=["import-article", str(write(tmp_path, text))])
    assert result.exit_code == 1 and reason in result.output, result.output


def test_a_file_time_with_an_offset_is_one_moment_even_in_a_repeated_hour(app, runner, tmp_path):
    app.config["TIMEZONE"] = "Europe/London"
    text = GOOD.replace("date: 2019-06-02", "date: 2026-10-25T01:30:00+00:00")
    result = runner.invoke(args=["import-article", str(write(tmp_path, text))])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(Article.published_at)) == datetime(2026, 10, 25, 1, 30)
