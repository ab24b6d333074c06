"""Writers to one SQLite file take turns on a lock file (blog.database.WriteTurns)."""

import os
import sqlite3
import threading
import time

from sqlalchemy import create_engine

from blog.database import WriteTurns, write_turns


def test_a_second_writer_waits_for_the_first_to_finish(tmp_path):
    first, second = WriteTurns(str(tmp_path / "blog.db")), WriteTurns(str(tmp_path / "blog.db"))
    events = []
    connection = sqlite3.connect(tmp_path / "blog.db")

    def write_second():
        with second.turn(connection):
            events.append("second writes")

    with first.turn(connection):
        waiting = threading.Thread(target=write_second)
        waiting.start()
        time.sleep(0.2)
        events.append("first done")
    waiting.join(5)
    assert events == ["first done", "second writes"]


def test_a_forked_worker_takes_turns_with_its_parent(tmp_path):
    """gunicorn forks its workers: an open lock file shared across a fork would let both in."""
    turns = WriteTurns(str(tmp_path / "blog.db"))
    connection = sqlite3.connect(tmp_path / "blog.db")
    marker = tmp_path / "child wrote"
    with turns.turn(connection):  # opens the lock file in this process
        pid = os.fork()
        if pid == 0:  # the worker
            try:
                with turns.turn(connection):
                    marker.write_text(str(time.time()))
            finally:
                os._exit(0)
        time.sleep(0.3)
        assert not marker.exists(), "the forked worker wrote during its parent's turn"
        released_at = time.time()
    os.waitpid(pid, 0)
    assert float(marker.read_text()) >= released_at


def test_writers_checkpoint_the_log_after_their_turn(tmp_path):
    path = tmp_path / "blog.db"
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")  # only the turns checkpoint here
    connection.execute("CREATE TABLE note (body TEXT)")
    turns = WriteTurns(str(path))
    for n in range(WriteTurns.CHECKPOINT_EVERY):
        with turns.turn(connection):
            connection.execute("INSERT INTO note VALUES (?)", (f"note {n}",))
    deadline = time.time() + 10  # in the background: it comes soon after
    while not turns.checkpoints and time.time() < deadline:
        time.sleep(0.01)
    copied_back = sqlite3.connect(f"file:{path}?immutable=1", uri=True)  # ignores the log
    assert copied_back.execute("SELECT count(*) FROM note").fetchone() == (
        WriteTurns.CHECKPOINT_EVERY,
    )


def test_only_a_sqlite_file_has_turns(tmp_path):
    assert write_turns(create_engine(f"sqlite:///{tmp_path}/blog.db")).path == (
        f"{tmp_path}/blog.db-writers.lock"
    )
    assert write_turns(create_engine("sqlite://")).path is None
    assert write_turns(create_engine("postgresql+psycopg://u@127.0.0.1/blog")).path is None


def test_threads_of_one_process_take_turns_too(tmp_path):
    """A threaded server shares one open lock file between its threads: they must still
    take turns, and opening it on first use from many threads at once must not deadlock."""
    turns = WriteTurns(str(tmp_path / "blog.db"))
    connection = sqlite3.connect(tmp_path / "blog.db", check_same_thread=False)
    counter = {"n": 0, "inside": 0, "most": 0}
    start = threading.Barrier(8)

    def write():
        start.wait()
        for _ in range(50):
            with turns.turn(connection):
                counter["inside"] += 1
                counter["most"] = max(counter["most"], counter["inside"])
                value = counter["n"]
                time.sleep(0)  # let another thread run, if it could get in
                counter["n"] = value + 1
                counter["inside"] -= 1

    threads = [threading.Thread(target=write) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert not any(t.is_alive() for t in threads), "a thread never got its turn"
    assert counter["n"] == 400 and counter["most"] == 1
