"""One measurement inside Django, run by ``bench.run`` as a subprocess; prints JSON.

``python -m bench.probe pages``      query counts per page and a session for the load generator
``python -m bench.probe export``     the 5,000-row CSV and XLSX exports: time and peak memory
``python -m bench.probe recompute``  the SQL floor and the nightly recompute (rolled back)
``python -m bench.probe fanout``     the recompute as a chord of chunk tasks on a worker queue
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client as TestClient  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from clients.models import ManagedAssignment  # noqa: E402
from demo.seed.bench import LARGEST_LOGIN  # noqa: E402
from partners.models import Membership  # noqa: E402
from points.models import LedgerEntry  # noqa: E402
from recompute.services import points_recompute  # noqa: E402
from recompute.tasks import points_recompute_fanout  # noqa: E402

FLOOR_SQL = f"SELECT partner_id, track, sum(points) FROM {LedgerEntry._meta.db_table} GROUP BY 1, 2"
BREAKDOWN_FILTER = "?deal_type=sourced"
# (name, URL name, query string); the API breakdown is measured when its URL resolves.
PAGES: list[tuple[str, str, str]] = [
    ("dashboard", "partners:dashboard", ""),
    ("tier page", "tiers:tier", ""),
    ("breakdown", "tiers:breakdown", BREAKDOWN_FILTER),
    ("client detail", "clients:record", ""),
    ("calculator", "tiers:calculator", ""),
    ("API breakdown", "api-tier-breakdown", BREAKDOWN_FILTER),
]


def _largest() -> tuple[Any, Any]:
    membership = Membership.objects.select_related("user", "partner").get(
        user__username=LARGEST_LOGIN
    )
    return membership.user, membership.partner


def _urls(partner: Any) -> tuple[dict[str, str], list[str]]:
    client_id = (
        ManagedAssignment.objects.filter(partner=partner)
        .order_by("client_id")
        .values_list("client_id", flat=True)
        .first()
    )
    urls, skipped = {}, []
    for name, url_name, query in PAGES:
        try:
            path = reverse(url_name, args=[client_id] if url_name == "clients:record" else [])
        except NoReverseMatch:
            skipped.append(f"{name}: no URL named {url_name!r} in this checkout")
            continue
        urls[name] = path + query
    urls["trivial view"] = reverse("bench-trivial")
    return urls, skipped


def pages() -> dict[str, Any]:
    user, partner = _largest()
    urls, skipped = _urls(partner)
    browser = TestClient()
    browser.force_login(user)
    queries, statuses, sizes = {}, {}, {}
    for name, url in urls.items():
        browser.get(url)  # warm the caches (rules, sessions) as a running server has them
        with CaptureQueriesContext(connection) as captured:
            response = browser.get(url)
        queries[name], statuses[name] = len(captured), response.status_code
        sizes[name] = len(response.content)
    loader = TestClient()
    loader.force_login(user)
    cookie = "; ".join(f"{key}={morsel.value}" for key, morsel in loader.cookies.items())
    return {
        "partner_id": partner.pk,
        "clients": ManagedAssignment.objects.filter(partner=partner)
        .values("client_id")
        .distinct()
        .count(),
        "urls": urls,
        "skipped": skipped,
        "queries": queries,
        "statuses": statuses,
        "bytes": sizes,
        "cookie": cookie,
    }


def export() -> dict[str, Any]:
    user, _partner = _largest()
    browser = TestClient()
    browser.force_login(user)
    result = {}
    for fmt in ("csv", "xlsx"):
        url = reverse("tiers:breakdown") + f"?export={fmt}"
        tracemalloc.start()
        started = time.perf_counter()
        response = browser.get(url)
        first_chunk = None
        size = 0
        with tempfile.TemporaryFile() as received:
            for chunk in response.streaming_content:  # type: ignore[attr-defined]
                if first_chunk is None:
                    first_chunk = time.perf_counter() - started
                size += len(chunk)
                received.write(chunk)
            seconds = time.perf_counter() - started
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            received.seek(0)
            rows = _data_rows(received, fmt)
        result[fmt] = {
            "status": response.status_code,
            "streaming": bool(getattr(response, "streaming", False)),
            "bytes": size,
            "rows": rows,
            "seconds": round(seconds, 3),
            "first_chunk_seconds": round(first_chunk or seconds, 3),
            "peak_python_mib": round(peak / 2**20, 2),
        }
    return result


def _data_rows(received: Any, fmt: str) -> int:
    """Rows below the header line of a downloaded CSV or XLSX file."""
    if fmt == "csv":
        return sum(1 for _ in received) - 1
    sheet = load_workbook(received, read_only=True).active
    return len(list(sheet.iter_rows())) - 1  # type: ignore[union-attr]


def _floor() -> float:
    times = []
    with connection.cursor() as cursor:
        for _ in range(3):
            started = time.perf_counter()
            cursor.execute(FLOOR_SQL)
            cursor.fetchall()
            times.append(time.perf_counter() - started)
    return statistics.median(times)


class _RollBack(Exception):
    pass


def recompute(on: date) -> dict[str, Any]:
    floor_before = _floor()
    summary = None
    started = time.perf_counter()
    try:
        with transaction.atomic():
            summary = points_recompute(on=on)
            seconds = time.perf_counter() - started
            raise _RollBack  # measure a night's work without keeping it
    except _RollBack:
        pass
    floor_after = _floor()
    assert summary is not None
    return {
        "on": on.isoformat(),
        "seconds": round(seconds, 3),
        "floor_seconds": round(statistics.median([floor_before, floor_after]), 3),
        "summary": summary.as_dict(),
        "ledger_entries": LedgerEntry.objects.count(),
    }


def fanout(on: date, chunks: int, queue: str) -> dict[str, Any]:
    started = time.perf_counter()
    result = points_recompute_fanout(on=on, chunks=chunks, queue=queue).get(timeout=1800)
    return {"seconds": round(time.perf_counter() - started, 3), "summary": result}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["pages", "export", "recompute", "fanout"])
    parser.add_argument("--date", type=date.fromisoformat, default=None)
    parser.add_argument("--days-ahead", type=int, default=0, help="Today plus this many days.")
    parser.add_argument("--chunks", type=int, default=4)
    parser.add_argument("--queue", default="bench")
    args = parser.parse_args()
    on = args.date or timezone.localdate() + timedelta(days=args.days_ahead)
    if args.what == "pages":
        out = pages()
    elif args.what == "export":
        out = export()
    elif args.what == "recompute":
        out = recompute(on)
    else:
        out = fanout(on, args.chunks, args.queue)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
