"""C$R (PROGRAM.md §8): each month counts the partner's clients on its first day, a client is
retained when it still pays on the next month's first day, and no counted month means "not
enough history", never 100%."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from clients.metrics import account_metrics_of, account_metrics_refresh
from clients.models import AccountMetrics, Deal
from clients.overview import csr_months
from clients.selectors import complete_months, csr_average_12m, csr_month_details
from clients.tasks import PENDING_KEY
from program import engine
from program.rules import rules_load
from tests.factories import AssignmentFactory, ClientFactory, DealFactory, MrrFactory
from tiers.progress import program_progress
from tiers.services import performance_tiers

pytestmark = pytest.mark.django_db


def months_ago(k: int) -> date:
    return engine.add_months(timezone.localdate().replace(day=1), -k)


def csr(partner) -> Decimal | None:
    return csr_average_12m(partner=partner, on=timezone.localdate(), rules=rules_load())


def paying(client, since: date, mrr: str = "1000") -> None:
    MrrFactory(client=client, date=since, mrr=Decimal(mrr))


def test_a_client_that_churned_and_stopped_being_managed_still_counts(personas):
    """The reported bug: only today's clients were counted, so churn never showed."""
    kept, churned = ClientFactory(), ClientFactory()
    paying(kept, months_ago(20), "3000")
    paying(churned, months_ago(20), "1000")
    MrrFactory(client=churned, date=months_ago(4), mrr=Decimal("0"))  # churned 5 months ago
    AssignmentFactory(partner=personas.acme, client=kept, start=months_ago(20))
    AssignmentFactory(
        partner=personas.acme, client=churned, start=months_ago(20), end=months_ago(3)
    )
    details = csr_month_details(partner=personas.acme, on=timezone.localdate(), rules=rules_load())
    churn_month = next(d for d in details if d.month == months_ago(5))
    assert churn_month.churned == {churned.pk} and churn_month.csr == Decimal("0.75")
    # 7 months at 100% before, the churn month at 75%, then 4 months of the kept client only
    assert csr(personas.acme) == (Decimal(11) + Decimal("0.75")) / 12
    assert program_progress(partner=personas.acme, on=timezone.localdate()).csr_percent == Decimal(
        "97.92"
    )


def test_a_zero_dated_on_a_first_of_the_month_is_a_churn_in_the_month_before(personas):
    client, other = ClientFactory(), ClientFactory()
    paying(client, months_ago(20))
    paying(other, months_ago(20))
    MrrFactory(client=client, date=months_ago(2), mrr=Decimal("0"))  # "0 from <first>"
    for c in (client, other):
        AssignmentFactory(partner=personas.acme, client=c, start=months_ago(20))
    details = {
        d.month: d
        for d in csr_month_details(
            partner=personas.acme, on=timezone.localdate(), rules=rules_load()
        )
    }
    assert details[months_ago(3)].churned == {client.pk}  # the month before the record
    assert details[months_ago(2)].churned == frozenset()
    assert client.pk not in details[months_ago(2)].start_mrr  # no longer paying


def test_a_client_won_in_the_12_months_to_the_first_counts_unless_reversed_by_then(personas):
    won, reversed_early, reversed_late = ClientFactory(), ClientFactory(), ClientFactory()
    for c in (won, reversed_early, reversed_late):
        paying(c, months_ago(20))
    start = months_ago(6)
    DealFactory(partner=personas.acme, client=won, closed_on=start - timedelta(days=300))
    DealFactory(
        partner=personas.acme,
        client=reversed_early,
        closed_on=start - timedelta(days=30),
        stage=Deal.Stage.REVERSED,
        reversed_on=start,
    )
    DealFactory(
        partner=personas.acme,
        client=reversed_late,
        closed_on=start - timedelta(days=30),
        stage=Deal.Stage.REVERSED,
        reversed_on=start + timedelta(days=1),
    )
    [detail] = csr_month_details(
        partner=personas.acme, on=timezone.localdate(), rules=rules_load(), months=[start]
    )
    assert set(detail.start_mrr) == {won.pk, reversed_late.pk}


def test_no_month_with_a_paying_client_is_not_enough_history_not_100(personas):
    client = ClientFactory()
    AssignmentFactory(partner=personas.acme, client=client, start=months_ago(20))
    assert csr(personas.acme) is None
    page = personas.client_for("alice").get(reverse("partners:dashboard")).content.decode()
    assert "not enough history" in page


def test_elite_needs_the_csr_that_churn_now_lowers(personas):
    acme = personas.acme
    acme.elite_invited = True
    acme.save()
    for n in range(4):
        client = ClientFactory()
        paying(client, months_ago(20))
        if n < 3:  # three of four churn in the first month counted: 25% that month
            MrrFactory(client=client, date=months_ago(11), mrr=Decimal("0"))
        AssignmentFactory(partner=acme, client=client, start=months_ago(20), end=months_ago(8))
    rules = rules_load()
    elite = {acme.pk: {engine.SOLD: Decimal(12000), engine.MANAGED: Decimal(3000)}}
    tier = performance_tiers(
        on=timezone.localdate(), rules=rules, balances=elite, partner_ids=[acme.pk]
    )
    # months 12 ago (25%) and 11, 10, 9 ago (100%): 81.25% < 85%
    assert csr(acme) == Decimal("0.8125")
    assert tier[acme.pk].name == "Diamond"


def test_the_explanation_lists_each_months_clients_and_who_churned(personas):
    kept, churned = ClientFactory(name="Kept Co"), ClientFactory(name="Gone Co")
    paying(kept, months_ago(20))
    paying(churned, months_ago(20))
    MrrFactory(client=churned, date=months_ago(3), mrr=Decimal("0"))
    for c in (kept, churned):
        AssignmentFactory(partner=personas.acme, client=c, start=months_ago(20))
    alice = personas.client_for("alice")
    url = reverse("partners:dashboard-explain", args=["csr"])
    page = alice.get(url).content.decode()
    row = page[page.index(f'data-month="{months_ago(4):%Y-%m}"') :].split("</tr>")[0]
    assert "Gone Co" in row and reverse("clients:record", args=[churned.pk]) in row
    assert "50.00%" in row
    detail = alice.get(url, {"month": f"{months_ago(4):%Y-%m}"})
    assert detail.status_code == 200
    listed = detail.content.decode()
    assert f'data-client="{kept.pk}"' in listed and f'data-client="{churned.pk}"' in listed
    assert "churned" in listed
    for bad in ("1999-01", "¹", "2026-1", f"{months_ago(4):%Y-%m}-01"):
        assert alice.get(url, {"month": bad}).status_code == 400
    # carol's explanation names none of Acme's clients
    carol = personas.client_for("carol").get(url, {"month": f"{months_ago(4):%Y-%m}"})
    assert "Gone Co" not in carol.content.decode()


def test_pages_read_the_stored_metrics_and_a_change_recomputes_them(
    personas, django_capture_on_commit_callbacks
):
    client = ClientFactory()
    paying(client, months_ago(20))
    AssignmentFactory(partner=personas.acme, client=client, start=months_ago(20))
    today = timezone.localdate()
    assert account_metrics_refresh(on=today, rules=rules_load()) == 2  # acme and globex
    row = AccountMetrics.objects.get(partner=personas.acme, on=today)
    assert row.csr_12m == 1 and len(row.csr_months) == 12
    with CaptureQueriesContext(connection) as queries:
        progress = program_progress(partner=personas.acme, on=today)
    assert progress.csr_percent == Decimal("100.00") and progress.metrics_on == today
    assert not [q for q in queries if "clients_mrrrecord" in q["sql"]]
    # a churn saved later is recomputed after the transaction commits
    with django_capture_on_commit_callbacks(execute=True):
        MrrFactory(client=client, date=months_ago(2), mrr=Decimal("0"))
    row.refresh_from_db()
    assert row.csr_12m is not None and row.csr_12m < 1
    shown = program_progress(partner=personas.acme, on=today).csr_percent
    exact = csr(personas.acme)
    assert exact is not None and shown == engine.round_half_up(exact * 100)


def test_a_burst_of_saves_asks_for_one_recompute(personas, django_capture_on_commit_callbacks):
    client = ClientFactory()
    AssignmentFactory(partner=personas.acme, client=client, start=months_ago(20))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for n in range(5):
            paying(client, months_ago(10 - n))
    assert len(callbacks) == 5
    # While a recompute is queued (its key held), later saves ask for no other.
    cache.set(PENDING_KEY.format(personas.acme.pk), 1)
    for callback in callbacks:
        callback()
    assert not AccountMetrics.objects.filter(partner=personas.acme).exists()
    # Once it has started (the key dropped), the next save's request runs it (inline here).
    cache.delete(PENDING_KEY.format(personas.acme.pk))
    callbacks[-1]()
    row = AccountMetrics.objects.get(partner=personas.acme, on=timezone.localdate())
    assert row.csr_12m == 1


def test_the_stored_figures_match_the_explanation_and_the_api(personas):
    client, other = ClientFactory(currency="EUR"), ClientFactory()
    paying(client, months_ago(20), "1234.56")
    paying(other, months_ago(20), "789.01")
    MrrFactory(client=other, date=months_ago(5), mrr=Decimal("0"))
    for c in (client, other):
        AssignmentFactory(partner=personas.acme, client=c, start=months_ago(20))
    today = timezone.localdate()
    account_metrics_refresh(on=today, rules=rules_load())
    metrics = account_metrics_of(partner=personas.acme, on=today, rules=rules_load())
    shown = program_progress(partner=personas.acme, on=today).csr_percent
    alice = personas.client_for("alice")
    dashboard = alice.get(reverse("partners:dashboard")).content.decode()
    explain = alice.get(reverse("partners:dashboard-explain", args=["csr"])).content.decode()
    api = alice.get("/api/v1/tier/standing/").json()
    assert f"{shown}%" in dashboard and f"{shown}%" in explain
    assert Decimal(str(api["csr_percent"])) == shown
    assert Decimal(str(api["sourced_mrr_12m"])) == engine.round_half_up(metrics.sourced_mrr_12m)
    assert [m.month for m in csr_months(metrics=metrics)] == complete_months(today)


# --- properties of one month's C$R ---------------------------------------------------------

mrrs = st.dictionaries(
    st.integers(min_value=1, max_value=30),
    st.decimals(min_value=0, max_value=10**6, places=2, allow_nan=False, allow_infinity=False),
    max_size=12,
)


@given(start=mrrs, churned=st.sets(st.integers(min_value=1, max_value=30)))
def test_a_months_csr_is_a_share_and_100_exactly_without_churn(start, churned):
    end = {c: Decimal(1) for c in start if c not in churned}
    ratio = engine.csr_month(start, end)
    if not any(m > 0 for m in start.values()):
        assert ratio is None
        return
    assert ratio is not None and 0 <= ratio <= 1
    churned_paying = {c for c in churned if start.get(c, 0) > 0}
    assert (ratio == 1) == (not churned_paying)


@given(
    start=mrrs, churned=st.sets(st.integers(min_value=1, max_value=30)), extra=st.integers(1, 30)
)
def test_one_more_churned_client_never_raises_a_months_csr(start, churned, extra):
    before = engine.csr_month(start, {c: Decimal(1) for c in start if c not in churned})
    after = engine.csr_month(start, {c: Decimal(1) for c in start if c not in churned | {extra}})
    if before is None:
        assert after is None
    else:
        assert after is not None and after <= before
