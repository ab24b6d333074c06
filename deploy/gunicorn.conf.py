"""gunicorn's settings for `make serve` (and the nginx test and the benchmark).

The app's ProxyFix (the PROXY_COUNT setting) is the one place that believes a proxy's
X-Forwarded-* headers; gunicorn itself believes none, so no client can set the scheme
or the script root (SCRIPT_NAME) of a page through it.
"""

import ctypes
import os
import signal
import sys

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WORKERS", "2"))
forwarded_allow_ips = ""


def post_fork(server, worker):
    """A worker outlives its master only until the kernel tells it: if the master is
    killed (kill -9, a crash), each worker gets SIGTERM at once and stops after its current
    request, instead of serving beside the next generation. Linux only; systemd's
    KillMode=mixed covers the same for a service (see the README)."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    if os.getppid() != server.pid:  # the master died before the line above
        os.kill(os.getpid(), signal.SIGTERM)


def post_worker_init(worker):
    """Each worker's mail sender starts with the worker (MAIL_SENDER "thread"), so that
    queued mail and retries go out after a restart even before anyone visits."""
    app = worker.wsgi  # the Flask app gunicorn loaded (app:app)
    if app.config.get("MAIL_SENDER") == "thread":
        from blog.mail import sender

        sender.start_thread(app)
