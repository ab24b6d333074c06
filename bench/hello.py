"""The baseline: Flask's hello world, served by gunicorn exactly like the blog."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
