"""Command-line tools: init-db, seed-demo, import-article."""

from datetime import datetime
from pathlib import Path

import click
import flask_migrate
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import func, select

from . import demo
from .admin import auth
from .articles.publishing import ImportProblem, form_from_file, import_form
from .articles.writing import shared_tag, slug_owner
from .data import cli as data_cli
from .extensions import db
from .models import AdminUser, Article, Comment, CommentStatus, Tag, thread_place, utcnow


def _demo_article(spec: dict, tags: dict[str, Tag]) -> Article:
    article = Article(
        slug=spec["slug"],
        title=spec["title"],
        author=spec["author"],
        description=spec["description"],
        copyright_year=spec["copyright_year"],
        copyright_holder=spec["author"],
        published_at=spec["published_at"],
    )
    article.set_body(spec["body"])
    article.tags = [shared_tag(tags, name) for name in spec["tags"]]
    comments = spec["comments"] or demo.many_comments(130, datetime(2024, 2, 3, 8, 0))
    for fields in comments:
        article.comments.append(_demo_comment(*fields))
    article.comment_count = len(comments)
    return article


def _demo_comment(name, email, website, created_at, text, by_owner=False) -> Comment:
    """A published demo comment, from the fields demo.py lists for it."""
    comment = Comment(
        author_name=name,
        author_email=email,
        author_url=website or None,
        created_at=created_at,
        status=CommentStatus.PUBLISHED,
        by_owner=by_owner,
    )
    comment.set_body(text)
    return comment


def _demo_replies(article: Article, spec: dict) -> None:
    """The demo's conversation: replies to the article's stored comments (and to each
    other), after those have ids."""
    answered = sorted(article.comments, key=lambda c: c.created_at)
    for parent_at, *fields in spec.get("replies", []):
        reply = _demo_comment(*fields)
        reply.article_id = article.id
        reply.parent_id, reply.root_id, reply.depth = thread_place(answered[parent_at])
        db.session.add(reply)
        db.session.flush()
        answered.append(reply)
        article.comment_count += 1


def register(app: Flask) -> None:
    register_admin_commands(app)
    data_cli.register(app)

    @app.cli.command("init-db")
    def init_db() -> None:
        """Create the database, or bring an existing one to the newest schema (safe to run
        again; the same as `flask db upgrade`)."""
        try:
            flask_migrate.upgrade()
        except Exception as error:  # every migration runs in one transaction: rolled back
            first_line = str(error).splitlines()[0]
            message = f"the upgrade failed, nothing was changed: {first_line}"
            raise click.ClickException(message) from None
        with db.engine.connect() as connection:
            schema = MigrationContext.configure(connection).get_current_revision()
        click.echo(f"Database ready (schema {schema}).")

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Only when there are no articles yet.")
    def seed_demo(if_empty: bool) -> None:
        """Load the demo articles and comments."""
        flask_migrate.upgrade()
        if if_empty and db.session.scalar(select(func.count(Article.id))):
            click.echo("Articles exist already; demo content not loaded.")
            return
        existing = set(db.session.scalars(select(Article.slug)))
        specs = [s for s in demo.ARTICLES if s["slug"] not in existing]
        tags = {tag.slug: tag for tag in db.session.scalars(select(Tag))}
        added = [_demo_article(s, tags) for s in specs]
        db.session.add_all(added)
        db.session.flush()
        for article, spec in zip(added, specs, strict=True):
            _demo_replies(article, spec)
        db.session.commit()
        click.echo(f"Loaded {len(added)} demo article(s).")

    @app.cli.command("import-article")
    @click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
    @click.option("--replace", is_flag=True, help="Update the article with the same slug.")
    def import_article(path: Path, replace: bool) -> None:
        """Publish a Markdown file with front matter as an article (checked as the
        editor checks a save)."""
        flask_migrate.upgrade()
        try:
            form = form_from_file(path)
            slug = form.slug.data
            owner = slug_owner(slug)  # an old slug of its own names the article too
            existing = db.session.get(Article, owner) if owner is not None else None
            if existing is not None and not replace:
                raise click.ClickException(
                    f"{path}: an article with slug '{slug}' already exists "
                    "(use --replace to update it)"
                )
            saved = import_form(form, existing)
        except ImportProblem as problem:
            raise click.ClickException(f"{path}: {problem}") from None
        db.session.commit()
        article = saved.article
        verb = "Updated" if existing is not None else "Published"
        if not article.is_published:
            verb = "Saved the draft"
        elif article.published_at > utcnow():
            verb = f"Scheduled for {article.published_at:%Y-%m-%d %H:%M} UTC"
        click.echo(f"{verb} '{article.title}' at /articles/{article.slug}")


def register_admin_commands(app: Flask) -> None:
    @app.cli.command("create-admin")
    @click.option("--username", prompt=True, help="The name to sign in with.")
    @click.password_option(help="Asked for twice when not given.")
    def create_admin(username: str, password: str) -> None:
        """Create an admin account, or set a new password for an existing one."""
        flask_migrate.upgrade()
        username = username.strip()
        if not username:
            raise click.ClickException("the username cannot be empty")
        if len(password) < 10:
            raise click.ClickException("use a password of at least 10 characters")
        user = db.session.scalar(select(AdminUser).where(AdminUser.username == username))
        if user is None:
            user = AdminUser(username=username, password_hash="")
            db.session.add(user)
        else:
            auth.end_every_session(user.id)  # a new password signs out every device
        user.password_hash = auth.hash_password(password)
        db.session.commit()
        click.echo(f"Admin '{username}' can now sign in at /admin/login.")
