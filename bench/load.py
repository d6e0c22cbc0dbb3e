"""A small HTTP load generator: threads, each on one keep-alive connection."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of ``values``, interpolated between the nearest ranks."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[round(q * 100) - 1]


def _run(
    *, host: str, port: int, path: str, headers: dict[str, str], concurrency: int, total: int
) -> tuple[list[float], int, float]:
    """``total`` GETs from ``concurrency`` threads: (latencies, errors, wall seconds)."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    remaining = [total]

    def worker() -> None:
        nonlocal errors
        connection = http.client.HTTPConnection(host, port, timeout=60)
        while True:
            with lock:
                if remaining[0] <= 0:
                    break
                remaining[0] -= 1
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
                if response.will_close:
                    connection.close()
                    connection = http.client.HTTPConnection(host, port, timeout=60)
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=60)
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                errors += 0 if ok else 1
        connection.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, time.perf_counter() - started


def hammer(
    *, host: str, port: int, path: str, cookie: str, concurrency: int, requests: int, warmup: int
) -> LoadResult:
    """GET ``path`` ``requests`` times from ``concurrency`` threads, after ``warmup`` GETs."""
    headers = {"Cookie": cookie, "Accept": "text/html,application/json"}
    common = {"host": host, "port": port, "path": path, "headers": headers}
    _run(**common, concurrency=concurrency, total=warmup)  # type: ignore[arg-type]
    latencies, errors, seconds = _run(**common, concurrency=concurrency, total=requests)  # type: ignore[arg-type]
    return LoadResult(
        requests=len(latencies),
        errors=errors,
        seconds=seconds,
        p50_ms=percentile(latencies, 0.50) * 1000,
        p95_ms=percentile(latencies, 0.95) * 1000,
    )
