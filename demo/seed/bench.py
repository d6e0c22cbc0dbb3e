"""The benchmark data set: a large partner program, written with PostgreSQL COPY.

At full scale: 2,000 partners, 100,000 clients (the largest partner with 5,000), 24 months of
MRR history, deals, managed assignments (some co-managed) and renewals; then the real
recompute on every first of a month and today, which writes over 3 million ledger entries.
``scale`` shrinks every count (0.1 is the "one tenth" data set).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from clients.models import Client, Deal, ManagedAssignment, MrrRecord, Renewal
from partners.models import BetaFeature, Membership, Partner
from partners.services import TIER_POINTS_BETA, beta_opt_in
from points.models import LedgerEntry
from points.selectors import partner_id_ranges
from program import engine
from program.rules import rules_load
from recompute.services import points_recompute

FULL = {"partners": 2000, "clients": 100_000, "largest": 5000}
MONTHS = 24
CURRENCY_OF = {"US": "USD", "GB": "GBP", "DE": "EUR", "FR": "EUR", "AU": "AUD", "CA": "CAD",
               "SG": "SGD", "JP": "JPY", "ZA": "ZAR", "CO": "COP", "BR": "USD", "IN": "USD",
               "MX": "USD", "NL": "EUR", "ES": "EUR"}  # fmt: skip
COUNTRIES = list(CURRENCY_OF)
COUNTRY_WEIGHTS = [30, 10, 8, 5, 6, 5, 3, 3, 2, 2, 8, 8, 5, 3, 2]
BENCH_PASSWORD = "portal-bench"  # noqa: S105 - the documented benchmark login, not a secret
LARGEST_LOGIN = "largest@bench.example"


class BenchSeedError(Exception):
    """The benchmark data set cannot be written into this database."""


@dataclass
class BenchResult:
    """What ``bench_seed`` wrote (rows per table) and how long each step took."""

    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def _copy(model: type[Any], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY rows into a model's table; returns how many were written."""
    table = model._meta.db_table
    written = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        with raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                written += 1
    return written


def _opt_into_tier_points(user: Any) -> None:
    """The largest partner's login sees the Tier Points pages (breakdown, calculator)."""
    feature = BetaFeature.objects.filter(key=TIER_POINTS_BETA).first()
    if feature is not None:
        membership = Membership.objects.select_related("partner").get(user=user)
        beta_opt_in(partner=membership.partner, user=user, feature=feature, terms_accepted=True)


def _bulk_load() -> None:
    """Skip the per-row foreign-key triggers for the rest of this transaction, if allowed.

    Every row the generator writes refers to rows it wrote just before, so the checks can
    only pass; without them PostgreSQL loads the history several times faster. A role that
    may not set ``session_replication_role`` keeps the checks.
    """
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        pass


@contextmanager
def _ledger_lookup_indexes_deferred() -> Iterator[None]:
    """Drop the ledger's lookup indexes for the replay of the history, then build them again.

    The recompute itself needs only the primary key, the idempotency key's unique index and
    the (kind, effective_on) index; the others serve the pages. Building them once over the
    finished ledger is several times cheaper than maintaining them row by row.
    """
    keep = ("_pkey", "idempotency_key_key", "kind_")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s",
            [LedgerEntry._meta.db_table],
        )
        deferred = [(n, d) for n, d in cursor.fetchall() if not any(k in n for k in keep)]
        for name, _definition in deferred:
            cursor.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for _name, definition in deferred:
                cursor.execute(definition)


def _ids(model: type[Any], order: str = "pk") -> list[int]:
    return list(model.objects.order_by(order).values_list("pk", flat=True))


def _month_starts(today: date) -> list[date]:
    first = engine.add_months(today.replace(day=1), -MONTHS)
    return [engine.add_months(first, k) for k in range(MONTHS + 1)]


def _replay_range(first: int, last: int, days: list[date]) -> list[tuple[int, float]]:
    """The recompute of every day in ``days`` for the partners ``first..last`` (one thread, on
    a database connection of its own)."""
    ids = list(
        Partner.objects.filter(pk__gte=first, pk__lte=last)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    done = []
    try:
        with transaction.atomic():
            _bulk_load()
            for day in days:
                t0 = time.perf_counter()
                summary = points_recompute(on=day, partner_ids=ids, chunk_of=first)
                done.append((summary.entries_appended, time.perf_counter() - t0))
    finally:
        connections.close_all()
    return done


def _replay_side_by_side(days: list[date], *, workers: int, say: Callable[[str], None]) -> None:
    """Replay the history in ``workers`` threads, each over a range of partners on a database
    connection of its own; the work is set-based SQL, so PostgreSQL runs the ranges in parallel.

    Each range is recomputed exactly as the fan-out's chunks are, so the ledger, snapshots
    and standings are those of one run over every partner.
    """
    ranges = partner_id_ranges(chunks=workers)
    say(f"  replaying {len(days)} days over {len(ranges)} partner ranges side by side")
    with ThreadPoolExecutor(max_workers=len(ranges)) as pool:
        per_range = list(pool.map(lambda bounds: _replay_range(bounds[0], bounds[1], days), ranges))
    for k, day in enumerate(days):
        entries = sum(done[k][0] for done in per_range)
        slowest = max(done[k][1] for done in per_range)
        say(f"  recompute {day}: {entries} entries in {slowest:.1f}s")


def bench_seed(
    *,
    scale: float = 1.0,
    seed: int = 7,
    workers: int = 1,
    say: Callable[[str], None] = lambda _: None,
) -> BenchResult:
    """Write the benchmark data set into an empty PostgreSQL database and recompute it.

    With ``workers`` above 1 (and outside a transaction) the history is replayed in that many
    threads side by side, each over a range of partners on its own database connection.
    """
    if connection.vendor != "postgresql":
        raise BenchSeedError("The benchmark data set needs PostgreSQL: set DATABASE_URL.")
    if Partner.objects.exists() or Client.objects.exists():
        raise BenchSeedError("The database already has partners or clients")
    rng = random.Random(seed)
    today = timezone.localdate()
    months = _month_starts(today)
    n_partners = max(2, round(FULL["partners"] * scale))
    n_clients = max(10, round(FULL["clients"] * scale))
    largest = max(5, round(FULL["largest"] * scale))
    result = BenchResult()
    started = time.perf_counter()

    with transaction.atomic():
        _bulk_load()
        now = timezone.now()
        _copy(
            Partner,
            ["name", "country", "payout_currency", "certified_until", "elite_invited",
             "created_at"],
            (
                (f"Bench Partner {i:04d}", rng.choice(COUNTRIES), "USD",
                 None if rng.random() < 0.05 else today + timedelta(days=rng.randint(30, 700)),
                 rng.random() < 0.01, now)
                for i in range(n_partners)
            ),
        )  # fmt: skip
        partner_ids = _ids(Partner)
        user = get_user_model().objects.create(
            username=LARGEST_LOGIN, email=LARGEST_LOGIN, password=make_password(BENCH_PASSWORD)
        )
        Membership.objects.create(
            user=user, partner_id=partner_ids[0], role=Membership.Role.SUPER_ADMIN
        )
        _opt_into_tier_points(user)
        # The largest partner owns `largest` clients; the rest follow a long-tailed spread.
        owners = [partner_ids[0]] * largest
        others = partner_ids[1:]
        weights = [1 / (k + 1) ** 0.8 for k in range(len(others))]
        owners += rng.choices(others, weights=weights, k=n_clients - largest)
        countries = rng.choices(COUNTRIES, weights=COUNTRY_WEIGHTS, k=n_clients)
        _copy(
            Client,
            ["name", "domain", "country", "currency"],
            (
                (f"Bench Client {i:06d}", f"client{i:06d}.bench.example", c, CURRENCY_OF[c])
                for i, c in enumerate(countries)
            ),
        )
        client_ids = _ids(Client)
        result.seconds["partners_and_clients"] = time.perf_counter() - started

        rate = {c: rules_load(use_cache=False).fx_rate(CURRENCY_OF[c], today) for c in COUNTRIES}

        def mrr_rows() -> Iterable[tuple[Any, ...]]:
            for client_id, country in zip(client_ids, countries, strict=True):
                usd = rng.lognormvariate(6.5, 0.9)  # median about US$665 a month
                churn_at = rng.randrange(6, len(months)) if rng.random() < 0.06 else None
                tools = rng.randint(1, 6)
                for k, month in enumerate(months):
                    if churn_at is not None and k >= churn_at:
                        yield (client_id, month, Decimal(0), 0, "")
                        break
                    usd *= rng.uniform(0.97, 1.06)
                    amount = Decimal(str(round(usd * float(rate[country]) / 100, 2)))
                    yield (client_id, month, amount, tools, "Marketing Hub, Sales Hub")

        result.counts["mrr_records"] = _copy(
            MrrRecord, ["client_id", "date", "mrr", "tools_used", "products"], mrr_rows()
        )
        result.seconds["mrr"] = time.perf_counter() - started

        def assignment_rows() -> Iterable[tuple[Any, ...]]:
            for client_id, owner in zip(client_ids, owners, strict=True):
                start = months[rng.randrange(0, 4)]
                end = months[rng.randrange(13, len(months))] if rng.random() < 0.08 else None
                yield (owner, client_id, start, end)
                if rng.random() < 0.35:
                    other = rng.choice(partner_ids)
                    if other != owner:
                        yield (other, client_id, months[rng.randrange(2, 14)], None)

        result.counts["assignments"] = _copy(
            ManagedAssignment, ["partner_id", "client_id", "start", "end"], assignment_rows()
        )

        stages = ["closed_won"] * 70 + ["closed_lost"] * 10 + ["in_flight"] * 10
        stages += ["created"] * 5 + ["reversed"] * 5
        span = (today - months[0]).days

        def deal_rows() -> Iterable[tuple[Any, ...]]:
            for client_id, owner, country in zip(client_ids, owners, countries, strict=True):
                for _ in range(rng.choice((1, 2, 3, 3, 4, 5))):
                    created = months[0] + timedelta(days=rng.randrange(span))
                    stage = rng.choice(stages)
                    closed = reversed_on = None
                    if stage in ("closed_won", "closed_lost", "reversed"):
                        closed = min(today, created + timedelta(days=rng.randint(5, 60)))
                    if stage == "reversed":
                        reversed_on = min(today, closed + timedelta(days=rng.randint(7, 40)))  # type: ignore[operator]
                    usd = rng.lognormvariate(5.5, 0.8)
                    amount = Decimal(str(round(usd * float(rate[country]) / 100, 2)))
                    deal_type = "sourced" if rng.random() < 0.6 else "assisted"
                    yield (owner, client_id, "", deal_type, amount, stage, created, closed,
                           reversed_on, rng.random() < 0.3)  # fmt: skip

        result.counts["deals"] = _copy(
            Deal,
            ["partner_id", "client_id", "name", "deal_type", "mrr", "stage", "created_on",
             "closed_on", "reversed_on", "shared_selling"],
            deal_rows(),
        )  # fmt: skip
        result.counts["renewals"] = _copy(
            Renewal,
            ["client_id", "date", "products", "mrr_change", "last_active_employee",
             "renewal_manager", "status"],
            (
                (client_id, today + timedelta(days=rng.randint(-30, 300)), "Marketing Hub",
                 Decimal(rng.randint(-200, 400)), "Sam Lee", "Alex Kim", "upcoming")
                for client_id in client_ids
            ),
        )  # fmt: skip
        result.seconds["generated"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    say(f"Generated in {result.seconds['generated']:.1f}s: {result.counts}")

    days = [day for day in [*months[1:], today] if day <= today]
    with _ledger_lookup_indexes_deferred():
        if workers > 1 and not connection.in_atomic_block:
            _replay_side_by_side(days, workers=workers, say=say)
        else:
            with transaction.atomic():
                _bulk_load()
                for day in days:
                    t0 = time.perf_counter()
                    summary = points_recompute(on=day)
                    say(
                        f"  recompute {day}: {summary.entries_appended} entries "
                        f"in {time.perf_counter() - t0:.1f}s"
                    )
        say("  building the ledger's lookup indexes")
    with connection.cursor() as cursor:
        # VACUUM marks the freshly written pages all-visible, so that the pages' sums are
        # index-only scans from the first request, as on a database vacuumed by autovacuum.
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    result.counts["ledger_entries"] = LedgerEntry.objects.count()
    result.counts["partners"], result.counts["clients"] = n_partners, n_clients
    result.seconds["total"] = time.perf_counter() - started
    return result
