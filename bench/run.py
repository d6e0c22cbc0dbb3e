"""``make bench``: seed the benchmark databases if empty, then measure and write results.json.

Needs ``DATABASE_URL`` pointing at PostgreSQL, e.g.
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_bench make bench``. The database (and its
one-tenth companion, the same name with ``_tenth``) is created, migrated and seeded when it is
empty. The fan-out is measured when a Redis broker answers at ``BENCH_BROKER_URL`` (default
``redis://127.0.0.1:6379/8``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis

from .load import hammer

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
PYTHON = sys.executable
BIN = Path(PYTHON).parent
HOST = "127.0.0.1"
# Goals of the benchmark (README "Performance").
P95_MS_MAX = 100.0
THROUGHPUT_SHARE_MIN = 0.25
RECOMPUTE_FLOOR_RATIO_MAX = 2.0


class BenchError(Exception):
    pass


def say(text: str) -> None:
    print(text, flush=True)


def database_urls() -> dict[str, str]:
    url = os.environ.get("DATABASE_URL", "")
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql", "pgsql") or not parts.path.strip("/"):
        raise BenchError(
            "make bench runs on PostgreSQL: set DATABASE_URL, for example\n"
            "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/pp_bench make bench\n"
            "(the database and its one-tenth companion pp_bench_tenth are created and seeded "
            "when they are empty)."
        )
    name = parts.path.strip("/")
    tenth = urlunsplit(parts._replace(path=f"/{name}_tenth"))
    return {"bench": url, "tenth": tenth}


def env_for(url: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    env.pop("DJANGO_DEBUG", None)
    env.update(extra)
    return env


def run_json(args: list[str], env: dict[str, str]) -> tuple[Any, dict[str, float]]:
    """Run ``python -m bench.probe …``; returns its JSON and its resource usage."""
    process = subprocess.Popen(
        [PYTHON, "-m", "bench.probe", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise BenchError(f"bench.probe {' '.join(args)} failed ({process.returncode})")
    return json.loads(output), {
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
    }


def ensure_database(url: str, scale: str) -> dict[str, Any]:
    """Create, migrate and seed the database when needed; returns what was done."""
    parts = urlsplit(url)
    name = parts.path.strip("/")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            say(f"Creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')
    env = env_for(url)
    manage = [PYTHON, "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    dsn = urlunsplit(parts._replace(scheme="postgresql"))
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM partners_partner").fetchone()
        partners = row[0] if row else 0
    done: dict[str, Any] = {"database": name, "seeded_now": False}
    if not partners:
        say(f"Seeding {name} (seed_demo --scale {scale}); the full scale takes a few minutes")
        started = time.perf_counter()
        subprocess.run([*manage, "seed_demo", "--scale", scale], cwd=ROOT, env=env, check=True)
        done.update(seeded_now=True, seed_seconds=round(time.perf_counter() - started, 1))
    with psycopg.connect(dsn) as conn:
        for table, key in (
            ("partners_partner", "partners"),
            ("clients_client", "clients"),
            ("points_ledgerentry", "ledger_entries"),
        ):
            row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            done[key] = row[0] if row else 0
    return done


def free_port(first: int = 8100, last: int = 8199) -> int:
    for port in range(first, last + 1):
        with socket.socket() as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return port
    raise BenchError(f"no free port in {first}-{last}")


@contextmanager
def gunicorn(url: str, *, workers: int, threads: int) -> Iterator[int]:
    port = free_port()
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "partner_portal.wsgi:application",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env_for(url, DB_CONN_MAX_AGE="600"),
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((HOST, port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise BenchError("gunicorn did not start")
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def celery_worker(url: str, broker: str, *, concurrency: int) -> Iterator[str]:
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [
                PYTHON, "-m", "celery", "-A", "partner_portal", "worker", "-Q", queue,
                "--concurrency", str(concurrency), "--without-gossip", "--without-mingle",
                "--without-heartbeat", "--loglevel", "WARNING",
            ],
            cwd=ROOT,
            env=env_for(url, CELERY_BROKER_URL=broker, CELERY_RESULT_BACKEND=broker),
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            time.sleep(4)  # the worker connects and its processes start
            if process.poll() is not None:
                log.seek(0)
                raise BenchError(f"the Celery worker stopped:\n{log.read()[-2000:]}")
            yield queue
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def broker_answers(broker: str) -> bool:
    try:
        return bool(redis.Redis.from_url(broker, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def measure_pages(url: str, *, concurrency: int, requests: int, warmup: int) -> dict[str, Any]:
    probe, _usage = run_json(["pages"], env_for(url))
    for note in probe["skipped"]:
        say(f"  skipped {note}")
    bad = {name: status for name, status in probe["statuses"].items() if status != 200}
    if bad:
        raise BenchError(f"pages did not answer 200: {bad}")
    results: dict[str, Any] = {}
    with gunicorn(url, workers=2, threads=max(2, concurrency // 2)) as port:
        names = ["trivial view", *[n for n in probe["urls"] if n != "trivial view"]]
        for name in names:
            load = hammer(
                host=HOST,
                port=port,
                path=probe["urls"][name],
                cookie=probe["cookie"],
                concurrency=concurrency,
                requests=requests,
                warmup=warmup,
            )
            results[name] = {
                "url": probe["urls"][name],
                "p50_ms": round(load.p50_ms, 1),
                "p95_ms": round(load.p95_ms, 1),
                "rps": round(load.rps, 1),
                "errors": load.errors,
                "queries": probe["queries"][name],
                "bytes": probe["bytes"][name],
            }
            say(f"  {name:<14} p95 {load.p95_ms:7.1f} ms  {load.rps:7.1f} req/s")
    trivial = results["trivial view"]
    for row in results.values():
        row["p50_ratio"] = round(row["p50_ms"] / trivial["p50_ms"], 2)
        row["p95_ratio"] = round(row["p95_ms"] / trivial["p95_ms"], 2)
        row["throughput_share"] = round(row["rps"] / trivial["rps"], 3)
        row["meets_goals"] = (
            row["p95_ms"] <= P95_MS_MAX
            and row["throughput_share"] >= THROUGHPUT_SHARE_MIN
            and row["errors"] == 0
        )
    return {
        "partner_id": probe["partner_id"],
        "partner_clients": probe["clients"],
        "skipped": probe["skipped"],
        "pages": results,
    }


def measure_recompute(url: str, *, days_ahead: int) -> dict[str, Any]:
    out, usage = run_json(["recompute", "--days-ahead", str(days_ahead)], env_for(url))
    out.update(usage)
    out["floor_ratio"] = round(out["seconds"] / out["floor_seconds"], 2)
    out["meets_goal"] = out["floor_ratio"] <= RECOMPUTE_FLOOR_RATIO_MAX
    return out


def measure_fanout(url: str, broker: str, *, chunks: int) -> dict[str, Any]:
    result: dict[str, Any] = {"chunks": chunks}
    for concurrency in (1, 2):
        with celery_worker(url, broker, concurrency=concurrency) as queue:
            out, _usage = run_json(
                ["fanout", "--chunks", str(chunks), "--queue", queue],
                env_for(url, CELERY_BROKER_URL=broker, CELERY_RESULT_BACKEND=broker),
            )
        result[f"{concurrency}_worker_processes"] = out
        say(f"  fan-out over {concurrency} worker process(es): {out['seconds']:.1f} s")
    return result


def table(results: dict[str, Any]) -> str:
    lines = []
    pages = results.get("pages", {}).get("pages", {})
    if pages:
        lines.append(
            "| page | p50 ms | p95 ms | req/s | share of trivial req/s | p95 / trivial | "
            "SQL queries | goals |"
        )
        lines.append("|---|---:|---:|---:|---:|---:|---:|---|")
        for name, row in pages.items():
            goal = "-" if name == "trivial view" else ("met" if row["meets_goals"] else "missed")
            lines.append(
                f"| {name} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | {row['rps']:.0f} | "
                f"{row['throughput_share']:.0%} | {row['p95_ratio']:.1f}x | {row['queries']} | "
                f"{goal} |"
            )
        lines.append("")
    recomputes = results.get("recompute", {})
    if recomputes:
        lines.append(
            "| recompute | ledger entries | seconds | SQL floor s | ratio | peak RSS MiB | "
            "entries appended | snapshots written |"
        )
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        runs = [("next night", recomputes), ("rerun of today", results["recompute_rerun"])]
        for label, rows in runs:
            for scale, row in rows.items():
                lines.append(
                    f"| {label}, {scale} | {row['ledger_entries']:,} | {row['seconds']:.2f} | "
                    f"{row['floor_seconds']:.2f} | {row['floor_ratio']:.1f}x | "
                    f"{row['peak_rss_mib']:.0f} | {row['summary']['entries_appended']:,} | "
                    f"{row['summary']['snapshots_written']:,} |"
                )
        lines.append("")
    fanout = results.get("fanout")
    if fanout and "skipped" not in fanout:
        lines.append("| recompute as a chord of chunks | seconds |")
        lines.append("|---|---:|")
        for key in ("1_worker_processes", "2_worker_processes"):
            lines.append(
                f"| {fanout['chunks']} chunks, {key[0]} worker process(es) | "
                f"{fanout[key]['seconds']:.2f} |"
            )
        lines.append("")
    exports = results.get("export")
    if exports:
        lines.append("| export of the breakdown | rows | seconds | first bytes s | peak MiB |")
        lines.append("|---|---:|---:|---:|---:|")
        for fmt, row in exports.items():
            lines.append(
                f"| {fmt.upper()} | {row['rows']} | {row['seconds']:.2f} | "
                f"{row['first_chunk_seconds']:.2f} | {row['peak_python_mib']:.1f} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--chunks", type=int, default=2)
    parser.add_argument("--skip-tenth", action="store_true", help="Leave the one-tenth data out.")
    args = parser.parse_args()
    try:
        urls = database_urls()
        started = time.perf_counter()
        results: dict[str, Any] = {
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            },
            "settings": {
                "concurrency": args.concurrency,
                "requests_per_page": args.requests,
                "gunicorn": f"2 workers, gthread, {max(2, args.concurrency // 2)} threads",
            },
            "data": {},
            "recompute": {},
            "recompute_rerun": {},
        }
        scales = [("bench", "bench")] + ([] if args.skip_tenth else [("tenth", "tenth")])
        for key, scale in scales:
            results["data"][key] = ensure_database(urls[key], scale)
        say("Pages of the largest partner")
        results["pages"] = measure_pages(
            urls["bench"],
            concurrency=args.concurrency,
            requests=args.requests,
            warmup=args.warmup,
        )
        say("Exports of the largest partner's breakdown")
        results["export"], _usage = run_json(["export"], env_for(urls["bench"]))
        for key, _scale in scales:
            # The next night's run (rolled back): due entries, every snapshot and standing.
            say(f"Nightly recompute ({key})")
            results["recompute"][key] = measure_recompute(urls[key], days_ahead=1)
            results["recompute_rerun"][key] = measure_recompute(urls[key], days_ahead=0)
        broker = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/8")
        if broker_answers(broker):
            say("Recompute fan-out")
            results["fanout"] = measure_fanout(urls["bench"], broker, chunks=args.chunks)
        else:
            say(f"  skipped the fan-out: no Redis broker answers at {broker}")
            results["fanout"] = {"skipped": f"no broker at {broker}"}
        results["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
        results["seconds"] = round(time.perf_counter() - started, 1)
        results["table"] = table(results)
    except BenchError as exc:
        sys.exit(f"make bench: {exc}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    say("")
    say(results["table"])
    say(f"\nWrote {RESULTS.relative_to(ROOT)} in {results['seconds']:.0f} s")


if __name__ == "__main__":
    main()
