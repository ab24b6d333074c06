"""Email: reply notifications and article digests with double opt-in, the owner told of
held comments, and an outbox that loses nothing while the mail server is down.

- outbox.py      messages stored with the change that causes them; claimed, sent, retried
- sender.py      who delivers: a thread per web process, or `flask send-mail --forever`
- triggers.py    what a stored, published or held comment sends
- subscriptions.py  who asked for what, confirmations and their limits, unsubscribing
- digests.py     at most one email per follower per MAIL_DIGEST_MINUTES
- compose.py     each message, from templates/email/
- links.py       signed links in emails; views.py the pages they open
"""

from email.utils import formataddr
from urllib.parse import urlsplit

import click
from flask import Flask

from ..extensions import csrf, mail
from . import sender


def init_app(app: Flask) -> None:
    from . import views  # it imports the article views, which import forms from here

    config = app.config
    # the site's host, as addresses and Message-IDs need it (ASCII: punycode)
    config["MAIL_DOMAIN"] = urlsplit(config["SITE_URL"]).hostname.encode("idna").decode()
    if not config["MAIL_DEFAULT_SENDER"]:
        config["MAIL_DEFAULT_SENDER"] = formataddr(
            (config["SITE_NAME"], f"no-reply@{config['MAIL_DOMAIN']}")
        )
    if config["MAIL_BACKEND"] == "smtp" and not config["SITE_URL"].startswith("https://"):
        # RFC 8058: mail clients offer one-click unsubscribe only for an https link
        app.logger.warning("SITE_URL is not https: mail clients will not offer one-click stop")
    mail.init_app(app)
    app.register_blueprint(views.bp)
    csrf.exempt(views.bp)  # public pages: the signed link, and the origin check, protect them
    sender.register(app)

    @app.cli.command("send-mail")
    @click.option("--forever", is_flag=True, help="Keep sending, as a worker process.")
    def send_mail(forever: bool) -> None:
        """Send what the outbox holds (due digests too), once or --forever."""
        if not forever:
            counts = sender.run_once()
            click.echo(", ".join(f"{count} {what}" for what, count in counts.items()))
            return
        loop = sender.Loop(app)
        sender.stop_on_signals(loop)
        click.echo(f"Sending mail every {config['MAIL_POLL_SECONDS']} s; stop with Ctrl+C.")
        loop.run()
