"""`flask backup`, `flask restore`, `flask export` and `flask import`."""

import json
from pathlib import Path

import click
import flask_migrate
from flask import Flask, current_app

from . import backups, disqus, exchange, imports, wordpress


def register(app: Flask) -> None:
    @app.cli.command("backup")
    @click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
    def backup_command(folder: Path | None) -> None:
        """Back up the blog, safely while it serves (default folder: instance/backups)."""
        folder = folder or Path(current_app.instance_path) / "backups"
        keep = current_app.config["BACKUP_KEEP"]
        if isinstance(keep, str) and keep.strip().isdigit():
            keep = int(keep)
        if not isinstance(keep, int) or isinstance(keep, bool):
            raise click.ClickException(f"BACKUP_KEEP must be a whole number, not {keep!r}")
        try:
            made = backups.backup(folder, keep)
        except (OSError, backups.RestoreRefused) as error:
            raise click.ClickException(f"no backup was made: {error}") from None
        click.echo(f"Backed up to {made} (keeping the newest {keep}).")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="Replace a blog that has articles or comments.")
    def restore_command(path: Path, force: bool) -> None:
        """Restore a backup (or a JSON export) made by `flask backup` or `flask export`."""
        try:
            backups.restore(path, force)
        except backups.RestoreRefused as refusal:
            raise click.ClickException(f"not restored: {refusal}") from None
        click.echo(f"Restored the blog from {path}.")

    @app.cli.command("export")
    @click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
    @click.option(
        "--with-secrets", is_flag=True, help="Include password hashes and hashed client addresses."
    )
    def export_command(path: Path, with_secrets: bool) -> None:
        """Write the whole blog to PATH as JSON (see "Export and import" in the README)."""
        flask_migrate.upgrade()  # a blog never set up exports as an empty one
        document = exchange.export_blog(with_secrets)
        try:
            backups.write_atomically(path, lambda temp: backups.write_json(document, temp))
        except OSError as error:
            raise click.ClickException(f"could not write {path}: {error.strerror}") from None
        click.echo(
            f"Exported {len(document['articles'])} article(s) and "
            f"{len(document['comments'])} comment(s) to {path}."
        )

    @app.cli.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_command(path: Path) -> None:
        """Load a JSON export into this empty blog."""
        flask_migrate.upgrade()  # into a new blog: its tables first
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            counts = exchange.import_blog(document)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
            raise click.ClickException(f"{path} is not a JSON export: {error}") from None
        except exchange.ImportRefused as refusal:
            raise click.ClickException(f"nothing imported: {refusal}") from None
        click.echo("Imported " + ", ".join(f"{n} {what}" for what, n in counts.items()) + ".")

    @app.cli.command("import-wordpress")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_wordpress_command(path: Path) -> None:
        """Import the published posts and their comments from a WordPress export (WXR)."""
        try:
            summary = wordpress.import_file(path, int(current_app.config["IMPORT_MAX_BYTES"]))
        except imports.ImportRefused as refusal:
            raise click.ClickException(f"nothing imported: {refusal}") from None
        for line in summary.lines():
            click.echo(line)

    @app.cli.command("import-disqus")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    def import_disqus_command(path: Path) -> None:
        """Import comments from a Disqus export into the articles their threads are about."""
        try:
            summary, unmatched = disqus.import_file(
                path, int(current_app.config["IMPORT_MAX_BYTES"])
            )
        except imports.ImportRefused as refusal:
            raise click.ClickException(f"nothing imported: {refusal}") from None
        for line in summary.lines():
            click.echo(line)
        for link in unmatched:
            click.echo(f"No article for the Disqus thread {link}")
