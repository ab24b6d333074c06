"""Migrations: a database of the first release (17b639f) is adopted and upgraded in place
with every row kept; the migrations and the models agree; each migration goes down again
or says why it cannot. On SQLite, and on PostgreSQL in the second run."""

import re
from datetime import datetime
from pathlib import Path

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from support import TOKEN

from blog.extensions import db
from blog.models import described_by_models

FIRST_RELEASE_SQL = Path(__file__).parent / "fixtures" / "schema_17b639f.sqlite.sql"
TABLES = ["article", "comment", "throttle", "word_rule", "admin_user"]
HEAD = "0008"


@pytest.fixture
def empty(app):
    """The test app with a database that has no tables at all."""
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    yield app
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def upgrade(app, revision="head") -> None:
    with app.app_context():
        flask_migrate.upgrade(revision=revision)


def first_release_database(app) -> None:
    """A database as the first release's init-db left it: its tables, no alembic_version.
    On SQLite from the recorded DDL of that commit; elsewhere from the first migration."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            raw = db.engine.raw_connection()
            try:
                raw.executescript(FIRST_RELEASE_SQL.read_text())
            finally:
                raw.close()
        else:
            flask_migrate.upgrade(revision="0001")
            with db.engine.begin() as connection:
                connection.execute(text("DROP TABLE alembic_version"))


ROWS = {
    "article": [
        "INSERT INTO article VALUES (1, 'first-light', 'First Light', 'Ada Writer', '',"
        " '# Hello', '<h1>Hello</h1>', 2007, 'Ada Writer', '2007-12-01 09:00:00',"
        " '2007-12-02 10:00:00', true, 2, 7, '2007-12-02 10:00:00', 'Hello')",
        "INSERT INTO article VALUES (2, 'draft-note', 'Draft Note', 'Ada Writer', 'Not yet',"
        " 'Soon', '<p>Soon</p>', 2008, 'Ada Writer', '2008-01-01 09:00:00',"
        " '2008-01-01 09:00:00', false, 0, 1, '2008-01-01 09:00:00', 'Not yet')",
    ],
    "comment": [
        f"INSERT INTO comment VALUES ({n}, 1, '{name}', '{email}', {url}, '{body}',"
        f" '<p>{body}</p>', '2007-12-12 08:16:00', '{status}', '{email.lower()}',"
        f" {fingerprint}, {ip_hash})"
        for n, name, email, url, body, status, fingerprint, ip_hash in [
            (
                1,
                "Grace",
                "Grace@Example.com",
                "'https://grace.example/'",
                "Lovely.",
                "published",
                "'f1'",
                "'h1'",
            ),
            (
                2,
                "Zoë Ørsted",
                "zoe@example.com",
                "NULL",
                "Ça va? 日本語.",
                "published",
                "'f2'",
                "NULL",
            ),
            (3, "Held One", "held@example.com", "NULL", "Please check.", "pending", "'f3'", "'h3'"),
            (
                4,
                "Spammer",
                "spam@example.com",
                "'http://spam.example/'",
                "Buy now.",
                "spam",
                "NULL",
                "'h4'",
            ),
        ]
    ],  # fmt: skip
    "throttle": [
        "INSERT INTO throttle VALUES ('post:abc', '2007-12-12 08:16:00', 3)",
        "INSERT INTO throttle VALUES ('login:def', '2007-12-12 08:17:00', 1)",
    ],
    "word_rule": [
        "INSERT INTO word_rule VALUES (1, 'hold', 'refund')",
        "INSERT INTO word_rule VALUES (2, 'block', 'casino')",
    ],
    "admin_user": [
        "INSERT INTO admin_user VALUES (1, 'owner', :password_hash)",
    ],
}


def add_rows_of_every_kind(app) -> None:
    from blog.admin.auth import hash_password

    with app.app_context(), db.engine.begin() as connection:
        for statements in ROWS.values():
            for statement in statements:
                connection.execute(text(statement), {"password_hash": hash_password("x" * 12)})


def every_row(app) -> dict[str, list[tuple]]:
    with app.app_context(), db.engine.connect() as connection:
        return {
            table: [
                tuple(normalized(v) for v in row)
                for row in connection.execute(text(f"SELECT * FROM {table} ORDER BY 1"))
            ]
            for table in TABLES
        }


def normalized(value):
    """SQLite hands back what was stored as text; PostgreSQL, typed values."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, bool):
        return int(value)
    return value


def schema_differences(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": described_by_models}
        )
        return compare_metadata(context, db.metadata)


def test_a_first_release_database_is_upgraded_with_every_row(empty, runner):
    first_release_database(empty)
    add_rows_of_every_kind(empty)
    before = every_row(empty)
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    after = every_row(empty)
    for table in TABLES:
        kept = [row[: len(before[table][0])] for row in after[table]]
        assert kept == before[table], table
    assert [row[-1] for row in after["admin_user"]] == [0]  # the new column, filled in
    with empty.app_context(), db.engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version == HEAD
    assert schema_differences(empty) == []


def test_the_upgraded_blog_works_as_before(empty, runner):
    first_release_database(empty)
    add_rows_of_every_kind(empty)
    assert runner.invoke(args=["init-db"]).exit_code == 0
    client = empty.test_client()
    page = client.get("/articles/first-light").get_data(as_text=True)
    assert "Lovely." in page and "Ça va? 日本語." in page
    assert "Please check." not in page and "Buy now." not in page
    assert client.get("/articles/draft-note").status_code == 404
    token = TOKEN.search(client.get("/admin/login").get_data(as_text=True)).group(1)
    signed_in = client.post(
        "/admin/login", data={"csrf_token": token, "username": "owner", "password": "x" * 12}
    )
    assert signed_in.status_code == 303
    assert "Please check." in client.get("/admin/").get_data(as_text=True)


@pytest.mark.skipif(
    "TEST_DATABASE_URI" in __import__("os").environ, reason="the recorded DDL is SQLite's"
)
def test_the_first_migration_makes_exactly_the_first_release_schema(empty):
    upgrade(empty, "0001")

    def statements(sql: str) -> list[str]:
        lines = [line for line in sql.splitlines() if not line.startswith("--")]
        return sorted(
            re.sub(r"\s+", " ", s).strip() for s in "\n".join(lines).split(";") if s.strip()
        )

    with empty.app_context(), db.engine.connect() as connection:
        made = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"
            " AND name NOT IN ('alembic_version', 'sqlite_sequence')"  # left by create_all
        )
        made_sql = ";\n".join(row[0] for row in made)
    assert statements(made_sql) == statements(FIRST_RELEASE_SQL.read_text())


def test_a_new_database_gets_the_newest_schema_and_init_db_can_run_again(empty, runner):
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0 and f"Database ready (schema {HEAD})." in result.output
    assert schema_differences(empty) == []
    with empty.app_context():
        assert set(TABLES) <= set(inspect(db.engine).get_table_names())


def test_models_and_migrations_agree(empty):
    """What `flask db check` checks: autogenerate would find nothing to do."""
    upgrade(empty)
    assert schema_differences(empty) == []


def test_each_migration_goes_down_or_says_why_it_cannot(empty, caplog):
    first_release_database(empty)
    add_rows_of_every_kind(empty)
    upgrade(empty)
    before = every_row(empty)
    with empty.app_context():
        flask_migrate.downgrade(revision="0001")
        columns = {c["name"] for c in inspect(db.engine).get_columns("admin_user")}
    assert "session_version" not in columns
    after = every_row(empty)
    for table in ("comment", "article"):  # the first columns: those the first release had
        assert after[table] == [row[: len(after[table][0])] for row in before[table]], table
    with empty.app_context(), pytest.raises(SystemExit):
        flask_migrate.downgrade(revision="base")
    assert "0001 is the first schema" in caplog.text
    assert every_row(empty)["comment"] == after["comment"]
    upgrade(empty)
    assert schema_differences(empty) == []


def test_a_database_with_only_some_tables_is_refused_untouched(empty, runner, caplog):
    with empty.app_context(), db.engine.begin() as connection:
        connection.execute(text("CREATE TABLE article (id INTEGER PRIMARY KEY)"))
    result = runner.invoke(args=["init-db"])
    assert result.exit_code != 0
    assert "only some of the blog's tables" in caplog.text
    with empty.app_context():
        assert inspect(db.engine).get_table_names() in (["article"], ["alembic_version", "article"])
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE article"))


def test_an_upgrade_that_fails_half_way_changes_nothing(empty, runner):
    """All pending migrations run in one transaction: 0003 fails here (an index of that
    name exists already) after 0002 and the first half of 0003 have run."""
    first_release_database(empty)
    add_rows_of_every_kind(empty)
    with empty.app_context(), db.engine.begin() as connection:
        connection.execute(text("CREATE INDEX ux_comment_import_key ON word_rule (word)"))
    before = every_row(empty)
    result = runner.invoke(args=["init-db"])
    assert result.exit_code != 0 and "nothing was changed" in result.output
    with empty.app_context():
        inspector = inspect(db.engine)
        assert "alembic_version" not in inspector.get_table_names()
        assert "session_version" not in {c["name"] for c in inspector.get_columns("admin_user")}
        assert "import_key" not in {c["name"] for c in inspector.get_columns("article")}
        with db.engine.begin() as connection:
            connection.execute(text("DROP INDEX ux_comment_import_key"))
    assert every_row(empty) == before
    assert runner.invoke(args=["init-db"]).exit_code == 0  # once the cause is gone
    assert schema_differences(empty) == []


def test_rows_already_pointing_nowhere_do_not_stop_an_upgrade(empty, runner):
    if empty.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL never lets such rows in")
    first_release_database(empty)
    add_rows_of_every_kind(empty)
    with empty.app_context(), db.engine.begin() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.execute(text("DELETE FROM article WHERE id = 1"))  # its comments stay
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert len(every_row(empty)["comment"]) == 4


def test_0004_places_replies_already_stored_in_their_threads(empty):
    """Imports stored threads before 0004: each reply gets its thread's top and depth."""
    upgrade(empty, "0003")
    with empty.app_context(), db.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO article (id, slug, title, author, description, body_markdown,"
                " body_html, copyright_year, copyright_holder, published_at, updated_at,"
                " changed_at, is_published, comment_count, revision, summary)"
                " VALUES (1, 'a', 'A', 'W', '', '', '', 2020, 'W', '2020-01-01 00:00:00',"
                " '2020-01-01 00:00:00', '2020-01-01 00:00:00', true, 4, 1, '')"
            )
        )
        for comment_id, parent in ((1, None), (2, 1), (3, 2), (4, 3), (5, None)):
            connection.execute(
                text(
                    "INSERT INTO comment (id, article_id, author_name, author_email, body,"
                    " body_html, created_at, status, email_key, parent_id)"
                    " VALUES (:id, 1, 'R', 'r@example.com', 'x', 'x', '2020-01-02 00:00:00',"
                    " 'published', 'r@example.com', :parent)"
                ),
                {"id": comment_id, "parent": parent},
            )
    upgrade(empty)
    with empty.app_context(), db.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, root_id, depth, by_owner FROM comment ORDER BY id")
        ).all()
    assert [tuple(normalized(v) for v in row) for row in rows] == [
        (1, None, 0, 0),
        (2, 1, 1, 0),
        (3, 1, 2, 0),
        (4, 1, 3, 0),
        (5, None, 0, 0),
    ]


def test_0007_completes_a_database_that_already_had_the_archive_table(empty, runner):
    """An earlier draft of 0006 made the table (with its row) itself: 0007 keeps it, adds
    its triggers, and article pages follow their neighbours."""
    upgrade(empty, "0006")
    with empty.app_context(), db.engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TABLE archive_edition"
                " (id INTEGER NOT NULL PRIMARY KEY, stamp BIGINT NOT NULL)"
            )
        )
        connection.execute(text("INSERT INTO archive_edition (id, stamp) VALUES (1, 5)"))
    upgrade(empty)
    with empty.app_context(), db.engine.begin() as connection:
        assert connection.execute(text("SELECT count(*) FROM archive_edition")).scalar() == 1
        connection.execute(
            text(
                "INSERT INTO article (slug, title, author, description, body_markdown,"
                " body_html, body_text, copyright_year, copyright_holder, published_at,"
                " updated_at, is_published, comment_count, revision, changed_at, summary,"
                " edit_version) VALUES ('n', 'N', 'A', '', 'x', '<p>x</p>', 'x', 2020, 'A',"
                " '2020-01-01', '2020-01-01', true, 0, 1, '2020-01-01', '', 1)"
            )
        )
        assert connection.execute(text("SELECT stamp FROM archive_edition")).scalar() != 5
    assert schema_differences(empty) == []


def test_0008_indexes_only_filled_rows_and_keeps_every_throttle_row(empty):
    """The three comment indexes on mostly empty columns hold only filled rows (a post
    writes fewer pages); on SQLite the throttle's rows live in their key's index."""
    first_release_database(empty)
    add_rows_of_every_kind(empty)
    upgrade(empty, "0007")
    before = every_row(empty)
    upgrade(empty)
    assert every_row(empty) == before
    with empty.app_context(), db.engine.connect() as connection:
        sqlite = db.engine.dialect.name == "sqlite"
        catalog = (
            "SELECT sql FROM sqlite_master WHERE name = :name"
            if sqlite
            else "SELECT indexdef FROM pg_indexes WHERE indexname = :name"
        )
        for name, column in [
            ("ix_comment_root", "root_id"),
            ("ix_comment_parent", "parent_id"),
            ("ux_comment_import_key", "import_key"),
        ]:
            definition = connection.execute(text(catalog), {"name": name}).scalar()
            assert (
                definition.replace("(", "").replace(")", "").endswith(f"WHERE {column} IS NOT NULL")
            ), definition
        if sqlite:
            table = connection.execute(text(catalog), {"name": "throttle"}).scalar()
            assert table.rstrip().endswith("WITHOUT ROWID")
        # a thread is still found by its first comment through the partial index
        connection.execute(text("UPDATE comment SET root_id = 1, parent_id = 1 WHERE id = 2"))
        replies = "SELECT id FROM comment WHERE root_id = 1 AND parent_id = 1"
        assert connection.execute(text(replies)).scalars().all() == [2]
    assert schema_differences(empty) == []
