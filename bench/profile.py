"""Profiles behind the benchmark's misses, written to ``bench/profiles/``.

``python -m bench.profile`` (with ``DATABASE_URL`` of a seeded benchmark database) profiles,
with pyinstrument, one request to each measured page of the largest partner and one nightly
recompute (rolled back), and writes EXPLAIN ANALYZE of the SQL floor next to the recompute's
grouped pass over the ledger.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client as TestClient  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from pyinstrument import Profiler  # noqa: E402

from bench.probe import FLOOR_SQL, _largest, _urls  # noqa: E402
from points.models import LedgerEntry, PairBalance  # noqa: E402
from recompute.services import points_recompute  # noqa: E402

OUT = Path(__file__).resolve().parent / "profiles"


class _RollBack(Exception):
    pass


def _write(name: str, text: str) -> None:
    OUT.mkdir(exist_ok=True)
    (OUT / name).write_text(text)
    print(f"wrote {OUT / name}")


def pages() -> None:
    user, partner = _largest()
    urls, _skipped = _urls(partner)
    browser = TestClient()
    browser.force_login(user)
    for name, url in urls.items():
        browser.get(url)
        profiler = Profiler(interval=0.001)
        profiler.start()
        browser.get(url)
        profiler.stop()
        slug = name.replace(" ", "-").lower()
        _write(f"page-{slug}.txt", profiler.output_text(unicode=False, color=False))


def breakdown_sql() -> None:
    """EXPLAIN ANALYZE of the breakdown page's two slowest queries (long id lists cut short)."""
    user, partner = _largest()
    urls, _skipped = _urls(partner)
    browser = TestClient()
    browser.force_login(user)
    browser.get(urls["breakdown"])
    with CaptureQueriesContext(connection) as captured:
        browser.get(urls["breakdown"])
    slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:2]
    plans = []
    with connection.cursor() as cursor:
        for query in slowest:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            plans.append(f"-- {query['time']} s\n{query['sql']}\n{plan}")
    text = re.sub(r"(\d+, ){20,}\d+|'\{(\d+,){20,}\d+\}'", "…", "\n\n".join(plans))
    _write("breakdown-explain.txt", text + "\n")


def recompute() -> None:
    on = timezone.localdate() + timedelta(days=1)
    profiler = Profiler(interval=0.005)
    try:
        with transaction.atomic():
            profiler.start()
            points_recompute(on=on)
            profiler.stop()
            raise _RollBack
    except _RollBack:
        pass
    _write("recompute-next-night.txt", profiler.output_text(unicode=False, color=False))
    table = LedgerEntry._meta.db_table
    pairs = (
        f"SELECT partner_id, client_id, track, sum(points) FROM {table} "
        f"WHERE effective_on <= '{on.isoformat()}' GROUP BY 1, 2, 3"
    )
    kept = f"SELECT partner_id, client_id, sold, managed FROM {PairBalance._meta.db_table}"
    plans = []
    with transaction.atomic(), connection.cursor() as cursor:
        for label, sql, local in (
            ("SQL floor", FLOOR_SQL, []),
            ("recompute's read of the pair balances", kept, []),
            (
                "the ledger pass it replaces (an earlier day)",
                pairs,
                ["work_mem = '64MB'", "jit = off"],
            ),
        ):
            for setting in local:
                cursor.execute(f"SET LOCAL {setting}")
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            plans.append(f"-- {label}\n" + "\n".join(row[0] for row in cursor.fetchall()))
    _write("recompute-explain.txt", "\n\n".join(plans) + "\n")


if __name__ == "__main__":
    pages()
    breakdown_sql()
    recompute()
