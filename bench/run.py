"""The benchmark: `make bench` (or .venv/bin/python -m bench.run).

Builds the data sets, serves the blog and a hello-world baseline with the same gunicorn
settings (deploy/gunicorn.conf.py) on 127.0.0.1, and the small blog once more through
deploy/nginx.conf; loads each scenario with wrk in rounds, each right after a run of
hello world, and prints one table with the median ratios to hello world, plus the
exactly-once count and worker memory. Stops all it started, by pid.
"""

import http.client
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from statistics import median
from urllib.parse import quote

from bench import datasets
from bench import nginx as nginx_runner

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORKERS = 2
ROUNDS = 5
SECONDS = 4
NGINX_WORKERS = 2  # worker_processes: Debian's `auto` on this 2-core machine
HTMX = "HX-Request: true"
CONSENT = "cookie_consent=1"  # the notice dismissed: the one cookie-dependent public variant
SITE_URL = "http://127.0.0.1"  # the app refuses other hosts; the port is not compared
COOKIE_NOTICE = 'id="cookie-notice"'


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        return shutil.which("wrk")
    sys.exit("wrk is needed: apt-get install wrk")


def ensure_nginx() -> str:
    nginx, why = nginx_runner.ensure_nginx()
    if nginx:
        return nginx
    sys.exit(f"nginx is needed for the nginx scenario: {why}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with deploy/gunicorn.conf.py (as `make serve` runs it), on loopback,
    stopped on exit."""

    def __init__(self, target: str, env: dict | None = None):
        self.port = free_port()
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py"]
            + ["--log-level", "warning", target],
            cwd=ROOT,
            env={
                **inherited,
                **(env or {}),
                "HOST": "127.0.0.1",
                "PORT": str(self.port),
                "WORKERS": str(WORKERS),
            },
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"{target} did not start")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        out = subprocess.run(
            ["ps", "--ppid", str(self.process.pid), "-o", "pid="], capture_output=True, text=True
        ).stdout
        return [int(p) for p in out.split()]

    def rss_mb(self) -> list[float]:
        sizes = []
        for pid in self.worker_pids():
            status = Path(f"/proc/{pid}/status").read_text()
            sizes.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024)
        return sizes

    def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)
        try:
            _, errors = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, errors = self.process.communicate()
        return errors or ""


def wrk(url: str, *headers: str, script: str | None = None, env=None, seconds=SECONDS) -> dict:
    command = [WRK_BIN, "-t2", "-c16", f"-d{seconds}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", script]
    out = subprocess.run(
        command + [url],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": latency(out, "50%"),
        "p99": latency(out, "99%"),
        "requests": total,
        "bad": int(bad.group(1)) if bad else 0,
    }


def latency(out: str, which: str) -> float:
    value, unit = re.search(rf"{which}\s+([\d.]+)(us|ms|s)", out).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def fetch(base: str, path: str, headers=None) -> tuple[int, dict, str]:
    conn = http.client.HTTPConnection(base.removeprefix("http://"), timeout=30)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read().decode()
    conn.close()
    return response.status, dict(response.getheaders()), body


def form_fields(base: str, path: str) -> str:
    """The comment form's hidden field (its signed start time), url-encoded, as a reader
    without cookies gets it: no session, no token."""
    status, headers, body = fetch(base, path)
    assert status == 200, status
    assert "Set-Cookie" not in headers, headers["Set-Cookie"]
    tag = re.search(r'<input[^>]*name="comment-started"[^>]*>', body)
    assert tag, "the article page has no comment form"
    started = re.search(r'value="([^"]+)"', tag.group(0)).group(1)
    return f"comment-started={quote(started)}"


def check_public(base: str, path: str, *headers: str) -> tuple[dict, str]:
    """A 200 for everyone, shared: no cookie set, cacheable by a shared cache."""
    status, answer, body = fetch(base, path, dict(h.split(": ", 1) for h in headers))
    assert status == 200, (path, status)
    assert "Set-Cookie" not in answer, (path, answer["Set-Cookie"])
    assert "public" in answer.get("Cache-Control", ""), (path, answer.get("Cache-Control"))
    return answer, body


def cached_by_nginx(base: str, path: str) -> bool:
    """Does nginx answer a repeat view of `path` from its cache? (Entries last until the
    end of their wall-clock second, so a try can straddle one.)"""
    for _ in range(3):
        fetch(base, path)
        _, headers, _ = fetch(base, path)
        if headers.get("X-Cache-Status") == "HIT":
            return True
        time.sleep(0.1)
    return False


def exactly_once(base: str, path: str, db_path: Path, count=2000, parallel=16) -> dict:
    """`count` inline posts, `parallel` at a time: exactly `count` new comments?"""
    form = form_fields(base, path)
    time.sleep(3.2)  # the time trap is on: wait as a person would
    before = comment_rows(db_path)
    host = base.removeprefix("http://")

    def post(n: int) -> tuple[int, str]:
        body = (
            f"{form}&comment-name=Once+{n}&comment-email=once{n}%40example.com"
            f"&comment-body=Exactly+once+number+{n}"
        )
        conn = http.client.HTTPConnection(host, timeout=60)
        conn.request(
            "POST",
            path + "/comments",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "HX-Request": "true",
                "X-Forwarded-For": f"2001:db8::{n:x}",  # documentation range, never wrk's
            },
        )
        response = conn.getresponse()
        text = response.read().decode(errors="replace")
        conn.close()
        return response.status, text

    with ThreadPoolExecutor(parallel) as pool:
        results = list(pool.map(post, range(count)))
    statuses = [s for s, _ in results]
    return {
        "sent": count,
        "stored": comment_rows(db_path) - before,
        "ok": statuses.count(200),
        "5xx": sum(1 for s in statuses if s >= 500),
        "locked": sum("database is locked" in t for _, t in results),
        "statuses": {s: statuses.count(s) for s in sorted(set(statuses))},
        "sample": next((t[:3000] for s, t in results if s != 200), ""),
    }


def comment_rows(db_path: Path) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT count(*) FROM comment").fetchone()[0]


def blog_env(db_path: Path, folder: Path) -> dict:
    return {
        "FLASK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
        "FLASK_SECRET_KEY": "benchmark-secret",
        "FLASK_SITE_URL": SITE_URL,
        "FLASK_PROXY_COUNT": "1",  # posts carry distinct client addresses in X-Forwarded-For
    }


def main() -> int:
    global WRK_BIN
    WRK_BIN = ensure_wrk()
    # `python -m bench.run POST 304` runs only the small blog's scenarios whose names hold
    # one of these words: quick checks while working.
    focus = sys.argv[1:]

    def wanted(name: str) -> bool:
        return not focus or any(word in name for word in focus)

    behind_nginx = "article page behind nginx, repeat anonymous views (small blog)"
    nginx = ensure_nginx() if wanted(behind_nginx) else None
    folder = Path(tempfile.mkdtemp(prefix="blog-bench-"))
    small, big = folder / "small.sqlite3", folder / "big.sqlite3"
    print("Building data sets...", flush=True)
    datasets.build(small, articles=10, comments=60)
    if not focus:
        datasets.build(big, articles=10_000, comments=100_000)
    thread = f"/articles/{datasets.THREAD}"
    rows, notes = [], []
    hello = Server("bench.hello:app")

    def run(name, base_url, path, *headers, script=None, env=None):
        """ROUNDS runs of the scenario, each right after a run of hello world: this
        machine's speed drifts by 10-20% from one run to the next, and a ratio of two
        runs side by side holds where ratios to one distant baseline do not."""
        if not wanted(name):
            return 0
        fetch(base_url, path)  # warm up the worker that answers
        warm_env = {**(env or {}), "BENCH_SALT": "128"}
        warm = wrk(base_url + path, *headers, script=script, env=warm_env, seconds=2)
        pairs = []
        for round_ in range(ROUNDS):
            base = wrk(hello.base + "/", seconds=SECONDS)
            # a salt per round keeps posted words and client addresses apart
            round_env = {**(env or {}), "BENCH_SALT": str(16 * round_)}
            result = wrk(base_url + path, *headers, script=script, env=round_env)
            pairs.append((base, result))
        rows.append((name, pairs))
        ratios = ", ".join(f"{r['rps'] / b['rps']:.2f}" for b, r in pairs)
        print(f"  {name}: ratios to hello world {ratios}", flush=True)
        return warm["requests"] + sum(r["requests"] for _, r in pairs)  # requests sent

    try:
        print("Small blog...", flush=True)
        blog = Server("app:app", blog_env(small, folder))
        try:
            # Readers without cookies all get the same page, cookie-less and public.
            anonymous, anonymous_html = check_public(blog.base, thread)
            run("article page, 50 comments, no cookies (small blog)", blog.base, thread)
            dismissed, dismissed_html = check_public(blog.base, thread, f"Cookie: {CONSENT}")
            assert dismissed["ETag"] != anonymous["ETag"], "the consent variant has its own tag"
            assert COOKIE_NOTICE in anonymous_html and COOKIE_NOTICE not in dismissed_html
            run(
                "article page, notice dismissed (small blog)",
                blog.base,
                thread,
                f"Cookie: {CONSENT}",
            )
            check_public(blog.base, "/")
            run("home page (small blog)", blog.base, "/")
            # page 1 is the newest 50 threads; page 2 comes before the oldest of them
            small_before = datasets.comment_id_at(small, 60 - 50 + 1)
            more = f"{thread}/comments?before={small_before}"
            check_public(blog.base, more, HTMX)
            run("earlier comments, page 2 (small blog)", blog.base, more, HTMX)
            etag = anonymous["ETag"]
            assert etag.startswith('W/"'), etag
            status, _, _ = fetch(blog.base, thread, {"If-None-Match": etag})
            assert status == 304, status
            run(
                "304 revalidation, no cookies (article page)",
                blog.base,
                thread,
                f"If-None-Match: {etag}",
            )
            poll = re.search(r'id="comments-poll" hx-get="([^"]+)"', anonymous_html)
            assert poll, "the article page does not poll for new comments"
            poll_path = poll.group(1).replace("&amp;", "&")
            status, _, _ = fetch(blog.base, poll_path, {"HX-Request": "true"})
            assert status == 204, status
            run("poll for new comments, nothing new", blog.base, poll_path, HTMX)
            if nginx:
                run_dir = folder / "nginx"
                run_dir.mkdir()
                with nginx_runner.serving(
                    blog.port, ROOT / "static", run_dir, workers=NGINX_WORKERS, nginx=nginx
                ) as port:
                    proxied = f"http://127.0.0.1:{port}"
                    assert cached_by_nginx(proxied, thread), "nginx does not cache the page"
                    run(behind_nginx, proxied, thread)
                log = (run_dir / "error.log").read_text()
                problems = [
                    line
                    for line in log.splitlines()
                    if re.search(r"\[(error|crit|alert|emerg)\]", line)
                ]
                if problems:
                    notes.append("nginx errors: " + "\n".join(problems[-20:]))
            if wanted("inline comment POST, all checks on"):
                form = form_fields(blog.base, thread)
                time.sleep(3.2)  # the time trap is on: wait as a person would
                stored = comment_rows(small)
                sent = run(
                    "inline comment POST, all checks on",
                    blog.base,
                    thread + "/comments",
                    script=str(ROOT / "bench" / "post.lua"),
                    env={"BENCH_FORM": form},
                )
                # wrk counts the answers it waited for; posts in flight when it stops
                # are stored too, so stored >= answered when every answer was a post kept
                notes.append(
                    f"POST scenario (warm-up and rounds): {sent:,} posts answered within "
                    f"wrk's runs, {comment_rows(small) - stored:,} comments stored"
                )
            once = None if focus else exactly_once(blog.base, thread, small)
        finally:
            errors = blog.stop()
            if errors.strip():  # gunicorn logs at warning level: anything here is news
                notes.append("small blog stderr: " + errors[-2000:])

        if focus:
            print_table(rows, None, [], [], 0, notes)
            return 0
        print("Big blog (10,000 articles, 100,000-comment thread)...", flush=True)
        page2_before = datasets.comment_id_at(big, 100_000 - 50 + 1)
        page2000_before = datasets.comment_id_at(big, 100_000 - 1999 * 50 + 1)
        blog = Server("app:app", blog_env(big, folder))
        try:
            check_public(blog.base, thread)
            run("article page, 50 comments, no cookies (big blog)", blog.base, thread)
            run("home page (big blog)", blog.base, "/")
            more = f"{thread}/comments?before="
            run("earlier comments, page 2 (big blog)", blog.base, more + str(page2_before), HTMX)
            run(
                "earlier comments, page 2,000 (big blog)",
                blog.base,
                more + str(page2000_before),
                HTMX,
            )
            before = blog.rss_mb()
            served = 0
            while served < 100_000:
                served += wrk(blog.base + thread, seconds=10)["requests"]
            after = blog.rss_mb()
        finally:
            errors = blog.stop()
            if errors.strip():
                notes.append("big blog stderr: " + errors[-2000:])
    finally:
        hello.stop()
        shutil.rmtree(folder, ignore_errors=True)

    print_table(rows, once, before, after, served, notes)
    return 0


def print_table(rows, once, before, after, served, notes) -> None:
    lines = [
        f"Benchmark of {date.today().isoformat()}: gunicorn {WORKERS} sync workers, "
        f"wrk -t2 -c16 -d{SECONDS}s --latency, loopback, {os.cpu_count()} cores; medians of "
        f"{ROUNDS} rounds, each scenario run right after a hello-world run; nginx "
        f"(deploy/nginx.conf, {NGINX_WORKERS} worker processes) in front where named",
        "",
        "| scenario | req/s | p50 ms | p99 ms | x hello req/s (rounds) | p99 / hello p99 "
        "| non-2xx/3xx |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    bases = [b for _, pairs in rows for b, _ in pairs]
    lines.append(
        f"| hello world | {median(b['rps'] for b in bases):,.0f} | "
        f"{median(b['p50'] for b in bases):.2f} | {median(b['p99'] for b in bases):.2f} | "
        f"1.00 | 1.00 | {sum(b['bad'] for b in bases)} |"
    )
    for name, pairs in rows:
        ratios = [r["rps"] / b["rps"] for b, r in pairs]
        results = [r for _, r in pairs]
        lines.append(
            f"| {name} | {median(r['rps'] for r in results):,.0f} | "
            f"{median(r['p50'] for r in results):.2f} | {median(r['p99'] for r in results):.2f} | "
            f"{median(ratios):.2f} ({', '.join(f'{x:.2f}' for x in ratios)}) | "
            f"{median(r['p99'] / b['p99'] for b, r in pairs):.2f} | "
            f"{sum(r['bad'] for r in results)} |"
        )
    if once is None:
        print("\n".join(lines + notes))
        return
    lines += [
        "",
        f"Exactly once: {once['sent']:,} inline posts, 16 at a time: {once['stored']:,} stored, "
        f"{once['ok']:,} answered 200, {once['5xx']} 5xx, {once['locked']} 'database is locked' "
        f"(statuses: {once['statuses']}).",
        f"Worker RSS over {served:,} article-page requests: "
        + ", ".join(f"{b:.1f} -> {a:.1f} MB" for b, a in zip(before, after, strict=False)),
    ]
    lines += notes
    text = "\n".join(lines)
    print("\n" + text)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "latest.md").write_text(text + "\n")


WRK_BIN = "wrk"

if __name__ == "__main__":
    sys.exit(main())
