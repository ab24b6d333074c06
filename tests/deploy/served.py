"""The blog under gunicorn as `make serve` runs it (deploy/gunicorn.conf.py), for the
tests that need a real server: on a loopback port, with the anti-spam timers off."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def blog_env(uri: str, port: int, **settings) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    env.update(
        FLASK_SQLALCHEMY_DATABASE_URI=uri,
        FLASK_SECRET_KEY="served-test-secret",
        FLASK_SITE_URL=f"http://127.0.0.1:{port}",
        FLASK_COMMENT_MODERATION='"none"',
        FLASK_COMMENT_MIN_FILL_SECONDS="0",
        FLASK_COMMENT_FLOOD_SECONDS="0",
        HOST="127.0.0.1",
        PORT=str(port),
        WORKERS="2",
    )
    env.update({f"FLASK_{k}": str(v) for k, v in settings.items()})
    return env


def flask_commands(uri: str, *commands: str) -> None:
    """Run `flask <command>` for each, on the database at `uri`; each must succeed."""
    for command in commands:
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", command],
            cwd=ROOT,
            env=blog_env(uri, 0),
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, f"flask {command} failed:\n{done.stdout}{done.stderr}"


def start_gunicorn(uri: str, port: int, log: Path, **settings) -> subprocess.Popen:
    """gunicorn on `port`, once it takes connections (its log appended to `log`)."""
    with log.open("a") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py", "app:app"],
            cwd=ROOT,
            env=blog_env(uri, port, **settings),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, f"gunicorn exited:\n{log.read_text()}"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.1)


def workers_of(master: int) -> list[int]:
    out = subprocess.run(["ps", "--ppid", str(master), "-o", "pid="], capture_output=True)
    return [int(pid) for pid in out.stdout.split()]
