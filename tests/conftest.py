"""Shared fixtures: a persona set so that permission tests read as one line.

alice and bob are members of Acme (alice its super admin), carol is the super admin of Globex,
and staff is a program admin with no partner.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import import_module

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db.models import Model
from django.test import Client as HttpClient
from hypothesis import settings as hypothesis_settings

from clients.selectors import account_data_changed
from partner_portal.celery import app as celery_app
from partners.models import Membership, Partner
from program.models import FxRate
from program.rules import rules_cache_clear, rules_load

from .factories import PASSWORD, MembershipFactory, PartnerFactory, UserFactory

# Hypothesis and schemathesis (which runs on Hypothesis): the same commit always tests the same
# examples, so a run's result depends on the code, not on luck. "ci" (the default) derives
# every random choice from the test itself and keeps no example database; "fuzz"
# (``HYPOTHESIS_PROFILE=fuzz``, ``make fuzz``) draws fresh random examples, FUZZ_FACTOR times as
# many in the tests that size themselves with ``examples()``, and replays the failures it found
# before from ``.hypothesis/``.
FUZZ_PROFILE = "fuzz"
FUZZ_FACTOR = 10
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
hypothesis_settings.register_profile(
    FUZZ_PROFILE, derandomize=False, deadline=None, print_blob=True, max_examples=1000
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def fuzzing() -> bool:
    """Whether the ``fuzz`` profile is loaded (random seeds, more examples)."""
    return hypothesis_settings.get_current_profile_name() == FUZZ_PROFILE


def examples(count: int) -> int:
    """``count`` examples, or FUZZ_FACTOR times as many under the ``fuzz`` profile."""
    return count * FUZZ_FACTOR if fuzzing() else count


@dataclass
class Personas:
    acme: Partner
    globex: Partner
    alice: Membership
    bob: Membership
    carol: Membership

    def client_for(self, name: str) -> HttpClient:
        """An HTTP client logged in as ``name`` (alice, bob, carol or staff), or anonymous."""
        http = HttpClient()
        if name == "anonymous":
            return http
        if name == "staff":
            user = UserFactory(email="staff@vendor.example", is_staff=True, is_superuser=True)
        else:
            user = getattr(self, name).user
        assert http.login(username=user.username, password=PASSWORD)
        return http


@pytest.fixture
def personas(db: None) -> Personas:
    acme = PartnerFactory(name="Acme Growth Agency")
    globex = PartnerFactory(name="Globex Digital", country="BR")
    return Personas(
        acme=acme,
        globex=globex,
        alice=MembershipFactory(
            partner=acme, user__email="alice@acme.test", role=Membership.Role.SUPER_ADMIN
        ),
        bob=MembershipFactory(partner=acme, user__email="bob@acme.test"),
        carol=MembershipFactory(
            partner=globex, user__email="carol@globex.test", role=Membership.Role.SUPER_ADMIN
        ),
    )


class _ShippedRuleApps:
    """The app registry as the data migrations that ship the default rules address it.

    They name each rule table by the app that held it when they were written (``points``,
    ``tiers``); those models are ``program``'s now, on the same tables.
    """

    MOVED = {
        ("points", "fxrate"),
        ("points", "growthmarket"),
        ("points", "pointrate"),
        ("tiers", "tier"),
        ("tiers", "tierrequirement"),
        ("tiers", "reviewdate"),
    }

    def get_model(self, app_label: str, model_name: str) -> type[Model]:
        if (app_label, model_name.lower()) in self.MOVED:
            app_label = "program"
        return apps.get_model(app_label, model_name)


@pytest.fixture(autouse=True)
def _program_rules(request: pytest.FixtureRequest) -> None:
    """Transactional tests flush every table; put the default rule tables back for them.

    The rows are loaded by the same functions as the data migrations that ship them.
    """
    marker = request.node.get_closest_marker("django_db")
    transactional = "live_server" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction", False)
    )
    if not transactional:
        return
    request.getfixturevalue("transactional_db")
    if not FxRate.objects.exists():
        shipped = _ShippedRuleApps()
        import_module("points.migrations.0002_default_rules").load(shipped, None)
        import_module("tiers.migrations.0002_default_tiers").load(shipped, None)
        import_module("partners.migrations.0003_tier_points_beta").load(apps, None)


@pytest.fixture(autouse=True)
def _fresh_caches(request: pytest.FixtureRequest, _program_rules: None) -> None:
    """Each test's database starts anew (and may reuse ids): so do the cached account metrics
    and rule tables. A test with a database gets its rules freshly cached, so that no cache
    entry of an earlier test expires in the middle of it (query counts stay exact)."""
    # Counters kept in the cache (login, password change and reset limits) start at zero.
    cache.clear()
    account_data_changed()
    marker = request.node.get_closest_marker("django_db")
    transactional = "live_server" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction", False)
    )
    uses_db = marker is not None or {"db", "transactional_db", "live_server"} & set(
        request.fixturenames
    )
    rules_cache_clear()
    if uses_db:
        request.getfixturevalue("transactional_db" if transactional else "db")
        rules_load()


@pytest.fixture(autouse=True)
def _tasks_run_inline(request: pytest.FixtureRequest):
    """Outside the ``worker`` tests, tasks run in the test's own process and transaction.

    With a broker configured, ``delay()`` from a test would otherwise publish to a queue that no
    worker serves, and a worker could not see the test's uncommitted rows anyway. The tests
    marked ``worker`` start a real worker and keep the broker.
    """
    if request.node.get_closest_marker("worker") is not None:
        yield
        return
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = saved
