"""Entry point: `flask --app app run` (or plain `flask run` here) finds `app`."""

from blog import create_app

app = create_app()
