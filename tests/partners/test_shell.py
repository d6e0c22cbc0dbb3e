"""The portal shell: login, the dashboard's tier and totals, tenancy (the health check:
tests/core/test_healthz.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import plotly
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from clients.metrics import account_metrics_refresh
from program.rules import rules_load
from recompute.services import points_recompute
from tests.factories import AssignmentFactory, ClientFactory, DealFactory, MrrFactory, UserFactory

pytestmark = pytest.mark.django_db


def give_gold(partner):
    """400 sold and 100 managed points today: Gold."""
    today = timezone.localdate()
    DealFactory(partner=partner, mrr=Decimal("8000"), closed_on=today)
    client = ClientFactory()
    MrrFactory(client=client, date=today, mrr=Decimal("10000"))
    AssignmentFactory(partner=partner, client=client, start=today)
    points_recompute(on=today)


def test_home_redirects_to_the_dashboard_and_anonymous_users_to_login(client):
    assert client.get("/").url == reverse("partners:dashboard")
    response = client.get(reverse("partners:dashboard"))
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=/partner/dashboard/"


def test_login_with_email_and_password_reaches_the_dashboard(client, personas):
    response = client.post(
        reverse("login"), {"username": "alice@acme.test", "password": "portal-test-password"}
    )
    assert response.status_code == 302 and response.url == reverse("partners:dashboard")
    page = client.get(response.url)
    assert page.status_code == 200
    assert "Acme Growth Agency" in page.content.decode()


def test_wrong_password_shows_an_error_not_a_500(client, personas):
    response = client.post(reverse("login"), {"username": "alice@acme.test", "password": "nope"})
    assert response.status_code == 200
    assert "correct" in response.content.decode()


def test_dashboard_shows_the_partners_own_tier_and_totals(personas, django_assert_max_num_queries):
    give_gold(personas.acme)
    alice = personas.client_for("alice")
    rules_load()  # the rule tables are cached, as on a running server
    # and the nightly recompute has stored the day's account metrics
    account_metrics_refresh(on=timezone.localdate(), rules=rules_load())
    with django_assert_max_num_queries(10):
        page = alice.get(reverse("partners:dashboard")).content.decode()
    assert 'data-figure="performance-tier">Gold<' in page
    assert 'data-figure="total-points">500.00<' in page
    assert 'data-figure="sold-points">400.00<' in page
    assert 'data-figure="points-to-next">1,500.00<' in page  # Platinum needs 2,000


def test_bob_sees_acme_and_carol_sees_only_globex(personas):
    give_gold(personas.acme)
    assert (
        'data-figure="total-points">500.00<'
        in personas.client_for("bob").get(reverse("partners:dashboard")).content.decode()
    )
    carol_page = personas.client_for("carol").get(reverse("partners:dashboard")).content.decode()
    assert "Globex Digital" in carol_page
    assert "Acme" not in carol_page
    assert 'data-figure="total-points">0.00<' in carol_page
    assert 'data-figure="credited-tier">Untiered<' in carol_page


def test_a_user_without_a_partner_is_refused_the_partner_pages(client):
    user = UserFactory(email="staff@vendor.test", is_staff=True)
    client.force_login(user)
    assert client.get(reverse("partners:dashboard")).status_code == 403


def test_logout_needs_a_post_and_ends_the_session(personas):
    alice = personas.client_for("alice")
    response = alice.post(reverse("logout"))
    assert response.status_code == 302
    assert alice.get(reverse("partners:dashboard")).status_code == 302


def test_recompute_command_rejects_bad_dates_with_one_line(capsys):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("recompute_points", "--date", "2025-02-30")
    with pytest.raises(CommandError, match="before"):
        call_command("recompute_points", "--from", "2025-03-02", "--to", "2025-03-01")


def test_recompute_command_backfills_a_range_and_a_rerun_changes_nothing(capsys):
    DealFactory(closed_on=date(2025, 3, 2))
    call_command("recompute_points", "--from", "2025-03-01", "--to", "2025-03-03")
    first = capsys.readouterr().out.splitlines()
    assert len(first) == 3 and "won 1" in first[1]
    call_command("recompute_points", "--date", "2025-03-03")
    rerun = capsys.readouterr().out
    assert "0 ledger entries appended" in rerun
    assert "0 snapshots, 0 standings, 0 review results written" in rerun


def test_plotly_is_served_from_the_plotly_package_not_a_cdn(client):
    response = client.get("/static/vendor/plotly.min.js")
    assert response.status_code == 200
    served = b"".join(response.streaming_content) if response.streaming else response.content
    bundled = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()
    assert served == bundled
