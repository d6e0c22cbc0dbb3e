"""The nightly recompute and the recompute runs asked for from the admin (PROGRAM.md §4–6,
PRODUCT.md A2).

``points_recompute`` appends the day's ledger entries (``points.ledger``) and writes the
snapshots and tier standings (``tiers.services``) in one transaction under an advisory lock.
A run records one recompute requested from the admin; the caller passes the task that sends
it to a worker.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Protocol

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from clients.metrics import account_metrics_refresh
from core.audit import acting_as
from partners.models import Partner
from points.ledger import (
    deal_wins_append,
    expiries_append,
    kept_partner_totals,
    managed_changes_append,
    managed_changes_append_kept,
    reversals_append,
    snapshots_write,
)
from points.selectors import balances_are_current, pair_balances_on, partner_totals
from program.dates import recompute_date_check
from program.rules import rules_load
from recompute.models import RecomputeRun
from tiers.services import tier_standings_write

logger = logging.getLogger(__name__)


@dataclass
class RecomputeSummary:
    """What one recompute appended or wrote; all zeros when there was nothing to do."""

    on: date
    deals_won: int = 0
    deals_reversed: int = 0
    sold_expired: int = 0
    managed_changes: int = 0
    snapshots_written: int = 0
    standings_written: int = 0
    review_results_written: int = 0
    partners: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def entries_appended(self) -> int:
        return self.deals_won + self.deals_reversed + self.sold_expired + self.managed_changes

    @property
    def changed(self) -> bool:
        return bool(
            self.entries_appended
            or self.snapshots_written
            or self.standings_written
            or self.review_results_written
        )

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["on"] = self.on.isoformat()
        data["entries_appended"] = self.entries_appended
        data.pop("extra")
        return data


_LOCK_KEY = int(hashlib.sha256(b"points_recompute").hexdigest()[:15], 16)
_CHUNK_LOCK_SPACE = int(hashlib.sha256(b"points_recompute_chunk").hexdigest()[:7], 16)


def _lock_recompute(chunk_of: int | None = None) -> None:
    """Serialise recomputes: a second run waits for the first, then finds nothing to do.

    On PostgreSQL a transaction-scoped advisory lock, released even if the worker dies; on
    SQLite the IMMEDIATE transaction already holds the database's single write lock. The chunks
    of a fan-out (``chunk_of`` is the first partner id of the chunk's range) share the lock
    with each other, so they run side by side, and each holds its own range's lock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            if chunk_of is None:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
            else:
                cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [_LOCK_KEY])
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s::int, %s::int)", [_CHUNK_LOCK_SPACE, chunk_of]
                )
            # The grouped passes over the ledger hash (partner, client) pairs in memory; the
            # statements run once a night, so compiling them (JIT) costs more than it saves.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL jit = off")


def points_recompute(
    *, on: date, partner_ids: list[int] | None = None, chunk_of: int | None = None
) -> RecomputeSummary:
    """Append the ledger entries due on ``on`` and write the day's snapshots and standings.

    Set-based: a handful of SQL aggregates and bulk writes whatever the number of partners.
    Running it again for the same date writes nothing. ``chunk_of`` marks one chunk of a
    fan-out over partner ranges (``recompute.tasks.points_recompute_fanout``). A day after today
    or before the rules are in force raises ``RecomputeDateError`` before anything is written.
    """
    rules = rules_load(use_cache=False)
    recompute_date_check(on, rules=rules)
    summary = RecomputeSummary(on=on)
    with transaction.atomic():
        _lock_recompute(chunk_of)
        summary.deals_won = deal_wins_append(on=on, rules=rules, partner_ids=partner_ids)
        summary.deals_reversed = reversals_append(on=on, partner_ids=partner_ids)
        summary.sold_expired = expiries_append(on=on, partner_ids=partner_ids)
        if balances_are_current(on=on, partner_ids=partner_ids):
            # The database keeps every pair's balance as entries are appended: the managed
            # changes stream against it, and the partners' totals are its sums.
            summary.managed_changes = managed_changes_append_kept(
                on=on, rules=rules, partner_ids=partner_ids
            )
            balances = kept_partner_totals(partner_ids=partner_ids)
        else:
            # An earlier day than the ledger's latest: one grouped pass over the ledger up to
            # ``on`` gives the managed balance of every pair and, once the managed changes
            # are counted in, every partner's balances.
            pairs = pair_balances_on(on=on, partner_ids=partner_ids)
            summary.managed_changes = managed_changes_append(
                on=on, rules=rules, partner_ids=partner_ids, pairs=pairs
            )
            balances = partner_totals(pairs)
        ids = list(
            (
                Partner.objects.filter(pk__in=partner_ids)
                if partner_ids is not None
                else Partner.objects
            )
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        summary.partners = len(ids)
        summary.snapshots_written = snapshots_write(on=on, balances=balances, partner_ids=ids)
        standings, review_results = tier_standings_write(
            on=on, rules=rules, balances=balances, partner_ids=ids
        )
        summary.standings_written = standings
        summary.review_results_written = review_results
    return summary


def points_recompute_day(
    *, on: date | None = None, partner_ids: list[int] | None = None
) -> dict[str, object]:
    """The nightly recompute for ``on`` (today in the program's time zone by default), as a
    summary; on today it also refreshes the day's account metrics, which pages and the API
    read (``clients.metrics``).
    """
    day = on or timezone.localdate()
    summary = points_recompute(on=day, partner_ids=partner_ids).as_dict()
    if day == timezone.localdate():
        summary["account_metrics_written"] = account_metrics_refresh(
            on=day, rules=rules_load(), partner_ids=partner_ids
        )
    return summary


class RunTask(Protocol):
    """The task that runs a recorded recompute (``recompute.tasks.recompute_run_task``)."""

    def delay(self, run_id: int, /) -> object: ...


def recompute_run_request(
    *,
    requested_by: AbstractBaseUser | None,
    partner_ids: list[int] | None,
    task: RunTask,
    on: date | None = None,
) -> RecomputeRun:
    """Record a recompute run and send it to ``task`` once the transaction commits.

    ``partner_ids`` None recomputes every partner. On the embedded defaults (eager Celery) the
    run has finished when this returns. A day the recompute refuses raises
    ``RecomputeDateError`` and records no run.
    """
    on = on or timezone.localdate()
    recompute_date_check(on)
    run = RecomputeRun.objects.create(
        on=on,
        partner_ids=sorted(partner_ids) if partner_ids is not None else None,
        requested_by_id=getattr(requested_by, "pk", None),
    )
    transaction.on_commit(lambda: recompute_run_enqueue(run=run, task=task))
    return run


BROKER_UNREACHABLE = "The broker could not be reached: the run is sent when it is back."


def recompute_run_enqueue(*, run: RecomputeRun, task: RunTask) -> bool:
    """Send a queued run to the broker. When the broker is down the run stays queued, marked
    so that ``recompute_runs_requeue`` sends it once the broker answers again."""
    try:
        task.delay(run.pk)
    except BrokerError:
        RecomputeRun.objects.filter(pk=run.pk, status=RecomputeRun.Status.QUEUED).update(
            error=BROKER_UNREACHABLE
        )
        return False
    return True


def recompute_runs_requeue(*, task: RunTask) -> int:
    """Send to ``task`` the runs that could not be sent while the broker was down (beat calls
    it)."""
    sent = 0
    unsent = RecomputeRun.objects.filter(
        status=RecomputeRun.Status.QUEUED, error=BROKER_UNREACHABLE
    ).order_by("pk")
    for run in unsent:
        RecomputeRun.objects.filter(pk=run.pk).update(error="")
        if recompute_run_enqueue(run=run, task=task):
            sent += 1
        else:
            break
    return sent


def recompute_runs_prune(*, days: int) -> int:
    """Delete the finished and failed runs that ended more than ``days`` days ago; returns how
    many. The latest finished run is kept whatever its age (``/healthz`` reports how old it
    is), and a queued or running run is never deleted."""
    if days < 1:
        raise ValueError("Recompute runs are kept for at least one day.")
    ended = (RecomputeRun.Status.FINISHED, RecomputeRun.Status.FAILED)
    latest = (
        RecomputeRun.objects.filter(status=RecomputeRun.Status.FINISHED)
        .order_by(F("finished_at").desc(nulls_last=True), "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    old = RecomputeRun.objects.filter(
        status__in=ended, finished_at__lt=timezone.now() - timedelta(days=days)
    )
    if latest is not None:
        old = old.exclude(pk=latest)
    deleted, _ = old.delete()
    logger.info("Deleted %d recompute runs that ended more than %d days ago", deleted, days)
    return deleted


def recompute_run_nightly(
    *, on: date | None = None, partner_ids: list[int] | None = None
) -> dict[str, object]:
    """The nightly recompute, recorded as a run that nobody asked for, so that the admin's list
    of runs and ``/healthz`` (the age of the last finished run) see it like any other. A day
    the recompute refuses raises ``RecomputeDateError`` and records no run."""
    day = on or timezone.localdate()
    recompute_date_check(day)
    run = RecomputeRun.objects.create(on=day, partner_ids=partner_ids, requested_by=None)
    return recompute_run_execute(run_id=run.pk)


def recompute_run_execute(*, run_id: int) -> dict[str, object]:
    """Run a recorded recompute (``points_recompute_day``) and record what it changed.

    A run already finished is not run again (a redelivered message finds nothing to do). What
    the run writes to the audit log (a tier review it opens) is recorded as by the user who
    asked for it: the worker has no signed-in user.
    """
    run = RecomputeRun.objects.select_related("requested_by").get(pk=run_id)
    if run.status == RecomputeRun.Status.FINISHED:
        return run.summary
    run.status, run.started_at = RecomputeRun.Status.RUNNING, timezone.now()
    run.save(update_fields=["status", "started_at"])
    try:
        with acting_as(run.requested_by):
            summary = points_recompute_day(on=run.on, partner_ids=run.partner_ids)
    except Exception as exc:
        run.status, run.finished_at, run.error = (
            RecomputeRun.Status.FAILED,
            timezone.now(),
            str(exc),
        )
        run.save(update_fields=["status", "finished_at", "error"])
        raise
    run.status, run.finished_at, run.summary = RecomputeRun.Status.FINISHED, timezone.now(), summary
    run.save(update_fields=["status", "finished_at", "summary"])
    return summary
