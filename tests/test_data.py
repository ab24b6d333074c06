"""Backups, restores, export and import (blog/data/): consistent while the blog is written
to, whole or absent, refused with a clear message when they should be."""

import json
import os
import re
import sqlite3
import threading
import time
from contextlib import closing

import pytest
from sqlalchemy import URL, func, select, text
from support import ARTICLE, TOKEN, add_comments, comment_data, form_tokens, make_article

from blog import create_app
from blog.admin import auth
from blog.data import backups, exchange
from blog.extensions import db
from blog.models import AdminUser, Article, Comment, CommentStatus, OldSlug, Tag, WordRule

POST = ARTICLE + "/comments"
ON_SQLITE = not os.environ.get("TEST_DATABASE_URI")
OWNER_HASH = auth.hash_password("x" * 12)


def on_sqlite(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")


@pytest.fixture
def blog(app):
    """An article with comments of every status, word rules and an admin."""
    with app.app_context():
        article = make_article()
        make_article("second-thoughts", "Second Thoughts", is_published=False)
        article.tags = [
            Tag(slug="small-habits", name="Small habits"),
            Tag(slug="rest", name="Rest"),
        ]
        db.session.add(OldSlug(slug="a-first-name", article_id=article.id))
        add_comments(article, 3)
        add_comments(article, 1, status=CommentStatus.PENDING, start=article.published_at)
        add_comments(article, 1, status=CommentStatus.SPAM, start=article.published_at)
        db.session.add_all(
            [WordRule(kind="hold", word="refund"), WordRule(kind="block", word="casino")]
        )
        db.session.add(AdminUser(username="owner", password_hash=OWNER_HASH))
        db.session.commit()
    return app


def backup_comments(app, path) -> dict[int, tuple]:
    """The comments a backup holds: id -> (body, status), and whether its counts agree."""
    if path.suffix == ".sqlite3":
        with sqlite3.connect(path) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            rows = copy.execute("SELECT id, body, status, body_html FROM comment").fetchall()
            for article_id, count in copy.execute("SELECT id, comment_count FROM article"):
                published = copy.execute(
                    "SELECT count(*) FROM comment WHERE article_id = ? AND status = 'published'",
                    (article_id,),
                ).fetchone()[0]
                assert count == published, "the copy's counts disagree with its rows"
        assert all(html for *_, html in rows), "a comment without its HTML: a partial row"
        return {i: (body, status) for i, body, status, _ in rows}
    document = json.loads(path.read_text())
    return {c["id"]: (c["body"], c["status"]) for c in document["comments"]}


def test_a_backup_while_eight_writers_post_holds_every_acknowledged_comment(blog, tmp_path):
    acknowledged: dict[str, float] = {}
    stop = threading.Event()

    def writer(n: int) -> None:
        client = blog.test_client()
        hidden = form_tokens(client, ARTICLE)
        k = 0
        while not stop.is_set():
            words = f"Writer {n}, note {k}."
            response = client.post(
                POST,
                data=comment_data(hidden, body=words, email=f"w{n}@example.com"),
                environ_base={"REMOTE_ADDR": f"192.0.2.{n + 1}"},
            )
            if response.status_code == 303:
                acknowledged[words] = time.monotonic()
            k += 1

    writers = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in writers:
        thread.start()
    try:
        deadline = time.monotonic() + 10
        while len(acknowledged) < 8 and time.monotonic() < deadline:  # writers under way
            time.sleep(0.05)
        began = time.monotonic()
        with blog.app_context():
            made = backups.backup(tmp_path / "backups", keep=10)
        time.sleep(0.3)
    finally:
        stop.set()
        for thread in writers:
            thread.join(30)
    held = {body for body, _ in backup_comments(blog, made).values()}
    before = {words for words, moment in acknowledged.items() if moment < began}
    assert before, "no post was acknowledged before the backup began"
    assert before <= held, f"{len(before - held)} acknowledged comments missing"
    assert len(acknowledged) > len(before), "no post was acknowledged while it ran"
    assert [p.name for p in (tmp_path / "backups").iterdir()] == [made.name]  # no leftovers


def test_backups_are_named_by_time_and_only_the_newest_are_kept(blog, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "notes.txt").write_text("the owner's own file")
    with blog.app_context():
        made = [backups.backup(folder, keep=3) for _ in range(5)]
    kept = sorted(p.name for p in folder.iterdir())
    assert kept == sorted([*(p.name for p in made[-3:]), "notes.txt"])
    assert all(backups.NAME.fullmatch(p.name) for p in made)


def test_a_failed_backup_leaves_nothing_behind(blog, tmp_path, monkeypatch):
    def half_then_fail(_what, target):
        target.write_bytes(b"SQLite format 3\x00 half a copy")
        raise OSError("disk full")

    monkeypatch.setattr(backups, "_copy_sqlite", half_then_fail)
    monkeypatch.setattr(backups, "write_json", half_then_fail)
    folder = tmp_path / "backups"
    with blog.app_context(), pytest.raises(OSError, match="disk full"):
        backups.backup(folder, keep=10)
    assert list(folder.iterdir()) == []


def test_restore_refuses_a_blog_with_articles_unless_forced(blog, tmp_path, runner):
    with blog.app_context():
        made = backups.backup(tmp_path, keep=10)
        add_comments(db.session.get(Article, 1), 2, start=db.session.get(Article, 1).published_at)
    refused = runner.invoke(args=["restore", str(made)])
    assert refused.exit_code != 0 and "add --force" in refused.output
    with blog.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 7  # untouched
    forced = runner.invoke(args=["restore", "--force", str(made)])
    assert forced.exit_code == 0, forced.output
    with blog.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 5  # as backed up
    page = blog.test_client().get(ARTICLE).get_data(as_text=True)
    assert "Comment number 3." in page and "3 Comments" in page


def test_a_restored_blog_takes_new_comments(blog, tmp_path, runner):
    with blog.app_context():
        made = backups.backup(tmp_path, keep=10)
    assert runner.invoke(args=["restore", "--force", str(made)]).exit_code == 0
    client = blog.test_client()
    assert client.post(POST, data=comment_data(form_tokens(client, ARTICLE))).status_code == 303
    assert "4 Comments" in client.get(ARTICLE).get_data(as_text=True)


@pytest.mark.parametrize(
    "damage, message",
    [
        # a SQLite backup is checked page by page; a JSON one must parse
        (lambda p: p.write_bytes(p.read_bytes()[:5000] + b"\x00" * 3000), "damaged|neither"),
        (lambda p: p.write_text("not a backup at all"), "neither a SQLite backup"),
        (lambda p: p.write_text('{"format": "something-else"}'), "not a porchlight-blog export"),
    ],
)
def test_restore_checks_the_file_first(blog, tmp_path, runner, damage, message):
    with blog.app_context():
        made = backups.backup(tmp_path, keep=10)
    damage(made)
    result = runner.invoke(args=["restore", "--force", str(made)])
    assert result.exit_code != 0 and re.search(message, result.output), result.output
    with blog.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 5


def backup_of_schema(app, folder, version: str | None):
    """A SQLite backup whose alembic_version says `version` (None: says nothing)."""
    with app.app_context():
        made = backups.backup(folder, keep=10)
    with sqlite3.connect(made) as copy:
        copy.execute("CREATE TABLE IF NOT EXISTS alembic_version (version_num VARCHAR(32))")
        copy.execute("DELETE FROM alembic_version")
        if version is not None:
            copy.execute("INSERT INTO alembic_version VALUES (?)", (version,))
    return made


def test_restore_refuses_a_backup_from_a_newer_version(blog, tmp_path, runner):
    if not on_sqlite(blog):
        pytest.skip("a SQLite backup file; the JSON export has its own version check below")
    made = backup_of_schema(blog, tmp_path, "9999")
    result = runner.invoke(args=["restore", "--force", str(made)])
    assert result.exit_code != 0 and "newer version" in result.output


def test_an_older_backup_is_brought_up_to_date(blog, tmp_path, runner):
    if not on_sqlite(blog):
        pytest.skip("SQLite backups of the first release's schema")
    from test_migrations import FIRST_RELEASE_SQL

    old = tmp_path / "first-release.sqlite3"
    with sqlite3.connect(old) as copy:
        copy.executescript(FIRST_RELEASE_SQL.read_text())
        copy.execute(
            "INSERT INTO article VALUES (1, 'old-post', 'Old Post', 'Ada', '', 'Hi', '<p>Hi</p>',"
            " 2007, 'Ada', '2007-12-01 09:00:00', '2007-12-01 09:00:00', 1, 1, 1,"
            " '2007-12-01 09:00:00', 'Hi')"
        )
        copy.execute(
            "INSERT INTO comment VALUES (1, 1, 'Grace', 'g@example.com', NULL, 'From 2007.',"
            " '<p>From 2007.</p>', '2007-12-12 08:16:00', 'published', 'g@example.com', NULL,"
            " NULL)"
        )
    result = runner.invoke(args=["restore", "--force", str(old)])
    assert result.exit_code == 0, result.output
    assert "From 2007." in blog.test_client().get("/articles/old-post").get_data(as_text=True)
    with blog.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def export(app, **kw) -> dict:
    with app.app_context():
        document = exchange.export_blog(**kw)
    return {k: v for k, v in document.items() if k != "exported_at"}


def test_export_then_import_then_export_gives_the_same_document(blog):
    first = export(blog, with_secrets=True)
    with blog.app_context():
        exchange.import_blog({**first, "exported_at": "x"}, replace=True)
    again = export(blog, with_secrets=True)
    # the one difference: an imported admin starts with every earlier session ended
    assert [a.pop("session_version") for a in again["admins"]] == [1]
    assert [a.pop("session_version") for a in first["admins"]] == [0]
    assert again == first
    with blog.app_context():
        db.drop_all()
        db.create_all()
        counts = exchange.import_blog({**first, "exported_at": "x"})
    assert counts == {"articles": 2, "comments": 5, "word rules": 2}
    second = export(blog, with_secrets=True)
    assert [a.pop("session_version") for a in second["admins"]] == [1]
    assert second == first
    client = blog.test_client()  # ids carry on after the imported ones
    assert client.post(POST, data=comment_data(form_tokens(client, ARTICLE))).status_code == 303
    assert "4 Comments" in client.get(ARTICLE).get_data(as_text=True)


def test_the_export_leaves_secrets_out_unless_asked(blog):
    with blog.app_context():
        db.session.execute(text("UPDATE comment SET ip_hash = 'hashed-address'"))
        db.session.commit()
    plain = json.dumps(export(blog))
    assert "hashed-address" not in plain and OWNER_HASH not in plain
    assert "admins" not in json.loads(plain) and "owner_key" not in plain
    secret = json.dumps(export(blog, with_secrets=True))
    assert "hashed-address" in secret and OWNER_HASH in secret


def test_the_export_command_writes_the_documented_format(blog, tmp_path, runner):
    result = runner.invoke(args=["export", str(tmp_path / "blog.json")])
    assert result.exit_code == 0 and "2 article(s) and 5 comment(s)" in result.output
    document = json.loads((tmp_path / "blog.json").read_text())
    assert document["format"] == "porchlight-blog" and document["version"] == 4
    assert document["articles"][0]["tags"] == ["Rest", "Small habits"]
    assert document["articles"][0]["old_slugs"] == ["a-first-name"]
    assert {c["status"] for c in document["comments"]} == {"published", "pending", "spam"}
    assert document["articles"][1]["is_published"] is False


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(version=99), "version 99"),
        (lambda d: d["comments"][0].update(article_id=77), "belongs to no article"),
        (lambda d: d["comments"][0].update(status="shouting"), "unknown status"),
        (lambda d: d["comments"][0].update(created_at="yesterday"), "export format"),
        (lambda d: d["articles"][0].update(id="one"), "whole number"),
        (lambda d: d.update(comments="none"), "list of objects"),
        (lambda d: d["articles"][0].update(tags="rest"), "list of words"),
        (lambda d: d["articles"][0].update(tags=["😀"]), "needs a letter or digit"),
        (lambda d: d["articles"][0].update(tags=["a, b"]), "cannot hold a comma"),
        (lambda d: d["articles"][0].update(slug="plain\n"), "not lower-case letters"),
        (lambda d: d["articles"][0].update(tags=[f"t{n}" for n in range(11)]), "At most 10"),
        (lambda d: d["articles"][0].update(old_slugs=["Not A Slug"]), "not an address"),
        (lambda d: d["articles"][1].update(old_slugs=["a-first-name"]), "two articles"),
        (lambda d: d["articles"][1].update(old_slugs=["a-quiet-article"]), "two articles"),
    ],
)
def test_a_bad_export_is_refused_whole(blog, tmp_path, runner, change, message):
    document = export(blog)
    change(document)
    with blog.app_context():
        db.drop_all()
        db.create_all()
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code != 0 and message in result.output, result.output
    with blog.app_context():
        assert db.session.scalar(select(func.count(Article.id))) == 0


def test_import_goes_only_into_an_empty_blog(blog, tmp_path, runner):
    path = tmp_path / "blog.json"
    assert runner.invoke(args=["export", str(path)]).exit_code == 0
    result = runner.invoke(args=["import", str(path)])
    assert result.exit_code != 0 and "not empty" in result.output


def test_replies_are_exported_and_imported_with_their_threads(blog):
    document = export(blog)
    ids = [c["id"] for c in document["comments"] if c["status"] == "published"]
    document["comments"][0]["parent_id"] = None
    for parent, child in zip(ids, ids[1:], strict=False):  # a chain: each answers the last
        next(c for c in document["comments"] if c["id"] == child)["parent_id"] = parent
    with blog.app_context():
        exchange.import_blog({**document, "exported_at": "x"}, replace=True)
        parents = dict(db.session.execute(select(Comment.id, Comment.parent_id)).all())
    assert [parents[i] for i in ids] == [None, *ids[:-1]]
    assert export(blog)["comments"] == document["comments"]


@pytest.mark.parametrize(
    "parent, message", [(999, "answers no comment"), ("self", "answers itself")]
)
def test_a_thread_that_goes_nowhere_is_refused(blog, parent, message):
    document = export(blog)
    first = document["comments"][0]
    first["parent_id"] = first["id"] if parent == "self" else parent
    with blog.app_context(), pytest.raises(exchange.ImportRefused, match=message):
        exchange.import_blog(document, replace=True)
    with blog.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 5


# Found when the data commands were attacked.
def test_restoring_a_sqlite_file_that_is_not_this_blogs_changes_nothing(blog, tmp_path, runner):
    stranger = tmp_path / "stranger.sqlite3"
    with sqlite3.connect(stranger) as other:
        other.executescript("CREATE TABLE article (x); CREATE TABLE comment (y);")
    result = runner.invoke(args=["restore", "--force", str(stranger)])
    refused = "not a backup of this blog" if on_sqlite(blog) else "restores into a SQLite blog"
    assert result.exit_code != 0 and refused in result.output
    with blog.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 5
    assert "Comment number 1." in blog.test_client().get(ARTICLE).get_data(as_text=True)


def test_a_backup_with_a_trigger_or_view_is_refused(blog, tmp_path, runner):
    if not on_sqlite(blog):
        pytest.skip("a SQLite backup file")
    with blog.app_context():
        made = backups.backup(tmp_path, keep=10)
    with sqlite3.connect(made) as copy:
        copy.execute(
            "CREATE TRIGGER publish_all AFTER INSERT ON comment BEGIN"
            " UPDATE comment SET status = 'published'; END"
        )
    result = runner.invoke(args=["restore", "--force", str(made)])
    assert result.exit_code != 0 and "trigger publish_all" in result.output


@pytest.mark.parametrize("keep", ["0", "-3", "abc"])
def test_backup_keep_must_be_a_whole_number_of_at_least_one(blog, tmp_path, runner, keep):
    folder = tmp_path / "backups"
    with blog.app_context():
        earlier = backups.backup(folder, keep=10)
    blog.config["BACKUP_KEEP"] = keep
    result = runner.invoke(args=["backup", str(folder)])
    assert result.exit_code != 0 and "BACKUP_KEEP" in result.output
    assert [p.name for p in folder.iterdir()] == [earlier.name]


def test_backups_and_exports_are_readable_by_the_owner_only(blog, tmp_path, runner):
    with blog.app_context():
        made = backups.backup(tmp_path / "backups", keep=10)
    assert runner.invoke(args=["export", "--with-secrets", str(tmp_path / "e.json")]).exit_code == 0
    for path in (made, tmp_path / "e.json"):
        assert path.stat().st_mode & 0o777 == 0o600, path


def test_a_restore_or_import_never_brings_back_a_signed_out_session(blog, tmp_path, runner):
    browser = blog.test_client()
    token = TOKEN.search(browser.get("/admin/login").get_data(as_text=True)).group(1)
    browser.post(
        "/admin/login", data={"csrf_token": token, "username": "owner", "password": "x" * 12}
    )
    assert browser.get("/admin/").status_code == 200
    with blog.app_context():
        made = backups.backup(tmp_path, keep=10)
        document = exchange.export_blog(with_secrets=True)
        auth.end_every_session(1)  # signed out everywhere, after the backup
        db.session.commit()
    assert browser.get("/admin/").status_code == 302
    assert runner.invoke(args=["restore", "--force", str(made)]).exit_code == 0
    assert browser.get("/admin/").status_code == 302
    with blog.app_context():
        exchange.import_blog(document, replace=True)
    assert browser.get("/admin/").status_code == 302


@pytest.mark.parametrize("folder", ["old #1", "q?x", "pct%41", "with space"])
def test_restore_reads_backups_from_any_folder_name(blog, tmp_path, runner, folder):
    with blog.app_context():
        made = backups.backup(tmp_path / folder, keep=10)
    result = runner.invoke(args=["restore", "--force", str(made)])
    assert result.exit_code == 0, result.output
    assert "Comment number 3." in blog.test_client().get(ARTICLE).get_data(as_text=True)
    strays = {p.name for p in tmp_path.iterdir()} - {folder, "test.sqlite3"}
    assert not {s for s in strays if not s.startswith("test.sqlite3-")}  # no stray files


def test_a_backup_with_another_page_size_is_restored(blog, tmp_path, runner):
    if not on_sqlite(blog):
        pytest.skip("SQLite pages")
    with blog.app_context():
        made = backups.backup(tmp_path, keep=10)
    with sqlite3.connect(made, isolation_level=None) as copy:
        copy.execute("PRAGMA page_size=8192")
        copy.execute("VACUUM")
    result = runner.invoke(args=["restore", "--force", str(made)])
    assert result.exit_code == 0, result.output
    assert "Comment number 3." in blog.test_client().get(ARTICLE).get_data(as_text=True)


def same_import_key(document: dict) -> None:
    document["comments"][1]["import_key"] = document["comments"][2]["import_key"] = "x"


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["comments"].append(dict(d["comments"][0])), "same id"),
        (lambda d: d["articles"][0].update(is_published="false"), "true or false"),
        (lambda d: d["articles"][0].update(slug="x" * 300), "longer than 200"),
        (lambda d: d["articles"][0].update(slug="Not A Slug"), "lower-case"),
        (lambda d: d["comments"][0].update(author_name="n" * 81), "longer than 80"),
        (lambda d: d["comments"][0].update(author_url="javascript:alert(1)"), "not http"),
        (lambda d: d["comments"][0].update(body="b" * 5001), "longer than 5000"),
        (lambda d: d["comments"][0].update(id=2**31 - 1), "whole number from 1"),
        (lambda d: d.update(admins=[{"username": " ", "password_hash": ""}]), "needs a username"),
        (
            lambda d: d.update(
                admins=[{"username": "owner", "password_hash": "scrypt:1048576:64:64$abc$def"}]
            ),
            "not a password hash",
        ),
        (lambda d: d["articles"][0].update(published_at="9999-12-31T23:59:59"), "the years"),
        (lambda d: d["comments"][0].update(created_at="0001-01-01T00:00:00+01:00"), "the years"),
        (same_import_key, "same import_key"),
        (lambda d: d["comments"][0].update(author_name=" \u200b "), 'author_name" is empty'),
        (lambda d: d["comments"][0].update(author_url="http://"), "not http"),
        (lambda d: d["articles"][0].update(title=""), 'title" is empty'),
    ],
)
def test_an_export_is_held_to_the_blogs_own_rules(blog, change, message):
    document = export(blog)
    change(document)
    with blog.app_context(), pytest.raises(exchange.ImportRefused, match=message):
        exchange.import_blog(document, replace=True)
    with blog.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) == 5


def test_imported_times_with_an_offset_are_stored_in_utc_and_nul_is_dropped(blog):
    document = export(blog)
    document["comments"][0]["created_at"] = "2008-01-01T15:00:00+05:00"
    document["comments"][0]["body"] = "Before\x00after."
    with blog.app_context():
        exchange.import_blog(document, replace=True)
        comment = db.session.get(Comment, document["comments"][0]["id"])
        assert comment.created_at.isoformat() == "2008-01-01T10:00:00"
        assert comment.body == "Beforeafter."


def test_the_commands_explain_instead_of_failing(app, tmp_path, runner):
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    exported = runner.invoke(args=["export", str(tmp_path / "blog.json")])
    assert exported.exit_code == 0, exported.output  # a blog never set up: empty
    missing = runner.invoke(args=["export", str(tmp_path / "no" / "such" / "blog.json")])
    assert missing.exit_code != 0 and "could not write" in missing.output
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    nested = runner.invoke(args=["import", str(deep)])
    assert nested.exit_code != 0 and "not a JSON export" in nested.output
    if on_sqlite(app):  # a backup whose version table is empty
        made = backup_of_schema(app, tmp_path, None)
        result = runner.invoke(args=["restore", "--force", str(made)])
        assert result.exit_code != 0 and "schema none" in result.output


def test_a_backup_in_another_text_encoding_is_refused(blog, tmp_path, runner):
    if not on_sqlite(blog):
        pytest.skip("a SQLite backup file")
    with blog.app_context():
        made = backups.backup(tmp_path, keep=10)
    utf16 = tmp_path / "utf16.sqlite3"
    with closing(sqlite3.connect(utf16)) as other, closing(sqlite3.connect(made)) as good:
        # iterdump cannot write out an FTS5 index: the copy goes without the search index
        good.executescript(
            "DROP TRIGGER article_search_insert; DROP TRIGGER article_search_update;"
            " DROP TRIGGER article_search_delete; DROP TABLE article_search;"
        )
        other.execute("PRAGMA encoding='UTF-16le'")
        other.executescript("\n".join(good.iterdump()))
    result = runner.invoke(args=["restore", "--force", str(utf16)])
    assert result.exit_code != 0 and "do not fit this blog" in result.output
    client = blog.test_client()  # the live blog still takes posts
    assert client.post(POST, data=comment_data(form_tokens(client, ARTICLE))).status_code == 303


def test_a_restore_takes_the_rows_and_never_the_backups_own_schema(blog, tmp_path, runner):
    if not on_sqlite(blog):
        pytest.skip("a SQLite backup file")
    with blog.app_context():
        made = backups.backup(tmp_path, keep=10)
    with sqlite3.connect(made) as copy:  # an index that would refuse every new comment
        copy.execute("CREATE UNIQUE INDEX odd ON comment (CASE WHEN id > 5 THEN 1 ELSE id END)")
    assert runner.invoke(args=["restore", "--force", str(made)]).exit_code == 0
    client = blog.test_client()
    for words in ("One more thought.", "And another."):
        data = comment_data(form_tokens(client, ARTICLE), body=words)
        assert client.post(POST, data=data).status_code == 303
    assert "5 Comments" in client.get(ARTICLE).get_data(as_text=True)


@pytest.mark.parametrize("folder", ["q?x", "pc%41x", "hash #1"])
def test_a_blog_in_a_folder_with_any_name_can_be_restored(tmp_path, folder):
    if not ON_SQLITE:
        pytest.skip("a SQLite database's folder")
    live = tmp_path / folder / "blog.sqlite3"
    live.parent.mkdir()
    app = create_app(
        {
            "SECRET_KEY": "k",
            "SITE_URL": "http://localhost",
            "SQLALCHEMY_DATABASE_URI": URL.create("sqlite", database=str(live)).render_as_string(),
        }
    )
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        made = backups.backup(tmp_path / "backups", keep=10)
    result = runner.invoke(args=["restore", "--force", str(made)])
    assert result.exit_code == 0, result.output
    assert {p.name for p in tmp_path.iterdir()} == {folder, "backups"}  # no stray files
    with app.app_context():
        assert db.session.scalar(select(func.count(Comment.id))) > 100
        db.engine.dispose()


def test_imported_names_are_kept_on_one_line_without_direction_controls(blog):
    document = export(blog)
    document["comments"][0]["author_name"] = "Grace\nHopper \u202e"
    with blog.app_context():
        exchange.import_blog(document, replace=True)
        name = db.session.get(Comment, document["comments"][0]["id"]).author_name
    assert name == "Grace Hopper"


@pytest.mark.parametrize("keep", [True, 1.5])
def test_backup_keep_must_be_a_whole_number_not_a_lookalike(blog, tmp_path, runner, keep):
    blog.config["BACKUP_KEEP"] = keep
    result = runner.invoke(args=["backup", str(tmp_path)])
    assert result.exit_code != 0 and "BACKUP_KEEP" in result.output


def test_backups_running_at_once_all_succeed(blog, tmp_path):
    folder = tmp_path / "backups"
    errors = []

    def one():
        try:
            with blog.app_context():
                backups.backup(folder, keep=1)
        except Exception as error:  # noqa: BLE001 - any failure is the finding
            errors.append(error)

    threads = [threading.Thread(target=one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [] and len(list(folder.iterdir())) >= 1


def test_after_a_restore_a_reused_id_never_shows_someone_elses_held_comment(blog):
    """A restore from an older backup hands ids out again; a browser's own-comments cookie
    names its comments by id and by when they were posted, so a new comment with an old id
    is not theirs."""
    blog.config["COMMENT_MODERATION"] = "all"
    first = blog.test_client()
    first.post(POST, data=comment_data(form_tokens(first, ARTICLE), body="Mine, held."))
    with blog.app_context():
        mine = db.session.scalar(select(Comment).where(Comment.body == "Mine, held."))
        reused_id = mine.id
        db.session.delete(mine)  # the restored backup is older than this comment
        db.session.commit()
        stranger = Comment(
            id=reused_id,  # what SQLite hands out next, after such a restore
            article_id=1,
            author_name="Someone Else",
            author_email="else@example.com",
            status=CommentStatus.PENDING,
        )
        stranger.set_body("Someone else's held words.")
        db.session.add(stranger)
        db.session.commit()
    page = first.get(ARTICLE).get_data(as_text=True)
    assert "Someone else's held words." not in page
    assert first.get(f"{POST}/{reused_id}").status_code == 404


def test_conversations_survive_an_export_and_import(blog, runner, tmp_path):
    """Threads, a removed comment kept for its replies, the owner's mark, an edit and the
    writer's edit secret (with secrets) come back as they were."""
    from datetime import datetime

    with blog.app_context():
        top = db.session.get(Comment, 1)
        answer = Comment(
            article_id=top.article_id,
            author_name="A",
            author_email="a@example.com",
            created_at=datetime(2009, 1, 1),
            by_owner=True,
            edited_at=datetime(2009, 1, 2),
            owner_key="f" * 64,
        )
        answer.parent_id, answer.root_id, answer.depth = 1, 1, 1
        answer.set_body("An answer.")
        deeper = Comment(
            article_id=top.article_id,
            author_name="B",
            author_email="b@example.com",
            created_at=datetime(2009, 1, 3),
        )
        deeper.set_body("Deeper.")
        db.session.add_all([answer])
        db.session.flush()
        deeper.parent_id, deeper.root_id, deeper.depth = answer.id, 1, 2
        db.session.add(deeper)
        top.status, top.author_name, top.author_email, top.body, top.body_html = (
            CommentStatus.REMOVED,
            "",
            "",
            "",
            "",
        )
        db.session.commit()
        shape = {
            c.id: (c.parent_id, c.root_id, c.depth, c.by_owner, c.edited_at, c.owner_key, c.status)
            for c in db.session.scalars(select(Comment))
        }
    path = tmp_path / "blog.json"
    assert runner.invoke(args=["export", "--with-secrets", str(path)]).exit_code == 0
    result = runner.invoke(args=["restore", "--force", str(path)])
    assert result.exit_code == 0, result.output
    with blog.app_context():
        again = {
            c.id: (c.parent_id, c.root_id, c.depth, c.by_owner, c.edited_at, c.owner_key, c.status)
            for c in db.session.scalars(select(Comment))
        }
    assert again == shape
    html = blog.test_client().get(ARTICLE).get_data(as_text=True)
    assert "This comment was removed." in html and "Deeper." in html
    assert '<span class="comment-badge">Author</span>' in html
