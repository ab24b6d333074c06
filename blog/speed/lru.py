"""One bounded, thread-safe least-recently-used map for every per-worker cache."""

from collections import OrderedDict
from threading import Lock


class LRU:
    """Evicts the least recently used entries once their total size passes `capacity`.

    Each entry's size defaults to 1, which makes `capacity` a count; rendered HTML passes
    its length instead, which makes it a byte budget.
    """

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._items: OrderedDict = OrderedDict()
        self._size = 0
        self._lock = Lock()

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._size = 0

    def get(self, key):
        with self._lock:
            entry = self._items.get(key)
            if entry is None:
                return None
            self._items.move_to_end(key)
            return entry[0]

    def put(self, key, value, size: int = 1) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._size -= old[1]
            self._items[key] = (value, size)
            self._size += size
            while self._size > self.capacity and self._items:
                _, (_, evicted) = self._items.popitem(last=False)
                self._size -= evicted
