"""What the fuzz tests share: the partner data that a refused write must leave as it was, the
spellings of numbers that are no id, and the Hypothesis settings of a fuzz test."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from clients.models import Client, Deal, ManagedAssignment, SavedReport, StaticList
from partners.models import ApiToken, BetaOptIn, Membership
from points.models import LedgerEntry
from tests.conftest import examples


def partner_data(personas) -> dict[str, Any]:
    """Everything a partner's write could change, for the 'refused writes change nothing' check."""
    users = get_user_model().objects.filter(membership__partner=personas.acme)
    return {
        "lists": sorted(StaticList.objects.values_list("partner_id", "name").order_by("pk")),
        "members": sorted(
            StaticList.objects.values_list("members__client_id", flat=True).order_by("pk"),
            key=str,
        ),
        "reports": list(SavedReport.objects.order_by("pk").values_list("pk", "name")),
        "memberships": list(Membership.objects.order_by("pk").values_list("pk", "role")),
        "users": list(users.order_by("pk").values_list("pk", "email", "password", "is_active")),
        "partner": list(
            type(personas.acme).objects.order_by("pk").values_list(*_fields(type(personas.acme)))
        ),
        "tokens": list(ApiToken.objects.order_by("pk").values_list(*_fields(ApiToken))),
        "opt_ins": list(BetaOptIn.objects.order_by("pk").values_list(*_fields(BetaOptIn))),
        "ledger": LedgerEntry.objects.count(),
        "clients": Client.objects.count(),
        "deals": Deal.objects.count(),
        "assignments": ManagedAssignment.objects.count(),
    }


def _fields(model: Any) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


#: Spellings of numbers that Python's int() reads (or chokes on) but that are no id: Unicode
#: digits and "other numbers" ('¹' passes str.isdigit() and breaks int()), signs, spaces,
#: underscores, and more digits than int() converts (4,300).
NUMBERY = st.one_of(
    st.integers(min_value=-5, max_value=2**63).map(str),
    st.text(alphabet=st.characters(categories=["Nd", "No"]), min_size=1, max_size=6),
    st.integers(min_value=0, max_value=999).map(lambda n: f" {n}"),
    st.integers(min_value=0, max_value=999).map(lambda n: f"+{n}"),
    st.integers(min_value=10, max_value=999).map(lambda n: f"{n // 10}_{n % 10}"),
    st.integers(min_value=4300, max_value=6000).map(lambda n: "1" * n),
    st.sampled_from(["¹", "𝟙", "٣", "１", "1" * 5000, "9" * 4301, "1.0", "1e3", "0x1", "", "0"]),
)


def fuzz_settings(count: int) -> settings:
    """``count`` examples (more under ``make fuzz``), derandomized by the default profile of
    tests/conftest.py so that every run tries the same cases."""
    return settings(
        max_examples=examples(count),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
