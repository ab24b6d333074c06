"""deploy/nginx.conf run as written, on loopback, by one unprivileged-looking nginx whose
files all live in one folder: for the nginx test (tests/deploy) and the benchmark.

    with nginx.serving(upstream_port, ROOT / "static", run_dir) as port:
        ...  # http://127.0.0.1:{port} is the blog through nginx

Debian's nginx is installed by scripts/ensure_nginx.sh when missing (as root).
"""

import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx.conf"
ENSURE_NGINX = ROOT / "scripts" / "ensure_nginx.sh"

# Only what is needed around deploy/nginx.conf, which is included as written.
WRAPPER = """\
{user}worker_processes {workers};
error_log {run}/error.log warn;
pid {run}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    types {{
        text/html html; text/css css; application/javascript js; image/svg+xml svg;
        image/png png; image/x-icon ico; text/plain txt;
    }}
    default_type application/octet-stream;
    access_log off;
    client_body_temp_path {run}/body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    include {run}/porchlight.conf;
}}
"""


def find_nginx() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def ensure_nginx() -> tuple[str | None, str]:
    """nginx's path, installed first when missing and we may; else None and why not."""
    nginx = find_nginx()
    if nginx:
        return nginx, ""
    ensured = subprocess.run(["bash", str(ENSURE_NGINX)], capture_output=True, text=True)
    nginx = find_nginx()
    if nginx:
        return nginx, ""
    return None, (ensured.stdout + ensured.stderr).strip() or "nginx not found"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def site_config(port: int, upstream_port: int, static_root: Path, cache_dir: Path) -> str:
    """deploy/nginx.conf with its placeholders filled for loopback."""
    conf = TEMPLATE.read_text()
    for placeholder, value in {
        "@LISTEN@": f"127.0.0.1:{port}",
        "@SERVER_NAME@": "127.0.0.1",
        "@UPSTREAM@": f"127.0.0.1:{upstream_port}",
        "@STATIC_ROOT@": str(static_root).rstrip("/"),
        "@CACHE_DIR@": str(cache_dir),
    }.items():
        conf = conf.replace(placeholder, value)
    if "@" in re.sub(r"#.*", "", conf):
        raise RuntimeError("a placeholder was left in deploy/nginx.conf")
    return conf


def write_config(run_dir: Path, port: int, upstream_port: int, static_root: Path, workers=1):
    """nginx.conf (the wrapper) and porchlight.conf (deploy/nginx.conf) in `run_dir`; the
    cache goes to `run_dir`/cache."""
    run_dir = Path(run_dir)
    (run_dir / "porchlight.conf").write_text(
        site_config(port, upstream_port, Path(static_root), run_dir / "cache")
    )
    # As root, nginx's workers would otherwise switch to `nobody`, who cannot enter
    # private temporary folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    (run_dir / "nginx.conf").write_text(WRAPPER.format(run=run_dir, user=user, workers=workers))
    return run_dir / "nginx.conf"


def start(nginx: str, run_dir: Path) -> subprocess.Popen:
    """nginx in the foreground (daemon off), so that its pid is the one to stop."""
    run_dir = Path(run_dir)
    return subprocess.Popen(
        [nginx, "-p", str(run_dir), "-e", str(run_dir / "error.log")]
        + ["-c", str(run_dir / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )


def wait_for_port(process: subprocess.Popen, port: int, run_dir: Path, timeout=30.0) -> None:
    """Until nginx accepts connections on `port`; its error log if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = Path(run_dir) / "error.log"
            text = log.read_text() if log.exists() else ""
            raise RuntimeError(f"nginx exited with {process.returncode}:\n{text}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nginx did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


def stop(process: subprocess.Popen) -> None:
    """Stop this process by its pid: TERM, then KILL after 15 s."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def serving(
    upstream_port: int,
    static_root: Path,
    run_dir: Path,
    *,
    port: int | None = None,
    workers: int = 1,
    nginx: str | None = None,
) -> Iterator[int]:
    """deploy/nginx.conf in front of 127.0.0.1:`upstream_port`, listening on 127.0.0.1:`port`
    (a free one when None), which is yielded once nginx accepts connections. Its config,
    logs and cache are kept in `run_dir`; nginx is stopped on exit."""
    nginx = nginx or find_nginx()
    if nginx is None:
        raise RuntimeError("nginx not found (scripts/ensure_nginx.sh installs it)")
    port = port or free_port()
    write_config(run_dir, port, upstream_port, static_root, workers)
    process = start(nginx, run_dir)
    try:
        wait_for_port(process, port, run_dir)
        yield port
    finally:
        stop(process)
