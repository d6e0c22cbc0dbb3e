"""Partner > Dashboard, section by section: content, htmx partials, bad input and tenancy.

The point-changes scenario (T is today; Acme's clients pay in USD; sourced 5, managed 1 per
US$100):

- Sunny: sourced deal MRR 1000 won T-5 → +50 sold on T-5.
- Rainy: sourced deal MRR 2000 won T-20 → +100 sold on T-20; reversed T-3 → −100 sold on T-3.
- Early: sourced deal MRR 600 won T-40 → +30 sold on T-40.
- Kept: managed from T-10 at MRR 5000 → +50 managed on T-10; MRR 3000 from T-2 → −20
  managed on T-2.

Last 30 days (T-29 … T): new sold 50 + 100 = 150, lost sold 100, new managed 50, lost
managed 20. Last 90 days adds Early: new sold 180. Custom T-6 … T-1: new sold 50, lost sold
100, new managed 0, lost managed 20.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Client, Deal, Renewal
from commissions.models import CommissionPayment
from recompute.services import points_recompute
from tests.factories import (
    AssignmentFactory,
    ClientFactory,
    DealFactory,
    MrrFactory,
    PdmFactory,
    RenewalFactory,
)

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def days_ago(n: int) -> date:
    return timezone.localdate() - timedelta(days=n)


@dataclass
class Scenario:
    sunny: Client
    rainy: Client
    early: Client
    kept: Client


@pytest.fixture
def scenario(personas) -> Scenario:
    acme = personas.acme
    sunny = ClientFactory(name="Sunny Corp")
    rainy = ClientFactory(name="Rainy Ltd")
    early = ClientFactory(name="Early Inc")
    kept = ClientFactory(name="Kept LLC")
    DealFactory(partner=acme, client=sunny, mrr=Decimal("1000"), closed_on=days_ago(5))
    DealFactory(
        partner=acme,
        client=rainy,
        mrr=Decimal("2000"),
        closed_on=days_ago(20),
        stage=Deal.Stage.REVERSED,
        reversed_on=days_ago(3),
    )
    DealFactory(partner=acme, client=early, mrr=Decimal("600"), closed_on=days_ago(40))
    MrrFactory(client=kept, date=days_ago(60), mrr=Decimal("5000"))
    MrrFactory(client=kept, date=days_ago(2), mrr=Decimal("3000"))
    AssignmentFactory(partner=acme, client=kept, start=days_ago(10))
    globex_client = ClientFactory(name="Globex Customer")
    DealFactory(partner=personas.globex, client=globex_client, closed_on=days_ago(4))
    for day in (40, 20, 10, 5, 3, 2, 0):
        points_recompute(on=days_ago(day))
    return Scenario(sunny=sunny, rainy=rainy, early=early, kept=kept)


def figure(html: str, name: str, value: str) -> bool:
    return f'data-figure="{name}">{value}<' in html


# The page


def test_the_page_has_every_section_and_works_without_javascript(personas, scenario):
    html = personas.client_for("alice").get(reverse("partners:dashboard")).content.decode()
    for section in (
        "program-progress",
        "tier-progression",
        "point-changes",
        "shared-selling",
        "commission",
        "renewals",
    ):
        assert f'id="{section}"' in html
    # every htmx control is also a plain link or GET form to the page itself
    assert html.count('method="get" action="/partner/dashboard/#') == 3
    assert 'style="' not in html and "<style" not in html
    assert "<script>" not in html


# D1 Program progress


def test_program_progress_figures_link_to_what_they_are_made_of(personas, scenario):
    html = personas.client_for("bob").get(reverse("partners:dashboard")).content.decode()
    # sold: 50 (Sunny) + 30 (Early); Rainy's 100 was reversed; managed 30 (Kept at 3000)
    assert figure(html, "sold-points", "80.00")
    assert figure(html, "managed-points", "30.00")
    assert figure(html, "total-points", "110.00")
    assert figure(html, "points-to-next", "390.00")  # Gold needs 500
    # Sunny 1000 + Early 600 sourced and won; Rainy reversed before today
    assert figure(html, "sourced-mrr-12m", "US$1,600.00")
    assert figure(html, "sourced-amount-12m", "US$19,200.00")
    points_link = reverse("tiers:breakdown")
    assert f'<a href="{points_link}?sort=-combined" data-figure="total-points">' in html
    assert f'<a href="{points_link}?sort=-sold" data-figure="sold-points">' in html
    assert f'<a href="{points_link}?sort=-managed" data-figure="managed-points">' in html
    assert reverse("partners:dashboard-explain", args=["sourced"]) in html


def test_csr_shows_not_enough_history_without_any(personas):
    html = personas.client_for("carol").get(reverse("partners:dashboard")).content.decode()
    assert figure(html, "csr-12m", "not enough history")


def test_the_sourced_explanation_lists_the_deals(personas, scenario):
    html = (
        personas.client_for("alice")
        .get(reverse("partners:dashboard-explain", args=["sourced"]))
        .content.decode()
    )
    assert html.count("data-deal=") == 2
    assert "Sunny Corp" in html and "Early Inc" in html and "Rainy Ltd" not in html
    assert figure(html, "sourced-mrr-12m", "US$1,600.00")


def test_the_csr_explanation_lists_twelve_months(personas, scenario):
    response = personas.client_for("alice").get(reverse("partners:dashboard-explain", args=["csr"]))
    assert response.content.decode().count("data-month=") == 12


def test_an_unknown_explanation_is_a_404(personas):
    alice = personas.client_for("alice")
    assert alice.get(reverse("partners:dashboard-explain", args=["nope"])).status_code == 404


# D2 Tier progression


def test_get_to_defaults_to_the_next_tier_with_progress_bars(personas, scenario):
    html = personas.client_for("alice").get(reverse("partners:dashboard")).content.decode()
    assert '<option value="gold" selected>Gold</option>' in html
    assert 'data-target-tier="gold"' in html
    assert '<progress aria-labelledby="req-total" max="500.00" value="110.00">' in html
    assert '<progress aria-labelledby="req-sold" max="100.00" value="80.00">' in html


def test_changing_get_to_without_javascript_reloads_the_page_with_the_choice(personas, scenario):
    html = (
        personas.client_for("alice")
        .get(reverse("partners:dashboard"), {"get_to": "diamond", "d3-range": "last_90_days"})
        .content.decode()
    )
    assert '<option value="diamond" selected>Diamond</option>' in html
    # Diamond: 6,000 total, 1,200 sold, 1,200 managed
    assert "<span data-needed>5,890.00</span> needed" in html
    assert "<span data-needed>1,120.00</span> needed" in html
    # the other sections keep their own parameters
    assert figure(html, "new_sold", "180.00")
    assert '<input type="hidden" name="get_to" value="diamond">' in html


def test_get_to_with_htmx_renders_only_its_section(personas, scenario):
    response = personas.client_for("alice").get(
        reverse("partners:dashboard-progression"), {"get_to": "platinum"}, **HTMX
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card dashboard-section" id="tier-progression"')
    assert "<html" not in html and 'id="point-changes"' not in html
    assert '<option value="platinum" selected>' in html


def test_a_section_url_without_htmx_redirects_to_the_whole_page(personas):
    response = personas.client_for("alice").get(
        reverse("partners:dashboard-progression"), {"get_to": "elite"}
    )
    assert response.status_code == 302
    assert response.url == reverse("partners:dashboard") + "?get_to=elite"


@pytest.mark.parametrize("choice", ["untiered", "nope", "x" * 500, "<script>"])
def test_a_bad_get_to_shows_a_message_in_the_section(personas, choice):
    alice = personas.client_for("alice")
    for response in (
        alice.get(reverse("partners:dashboard"), {"get_to": choice}),
        alice.get(reverse("partners:dashboard-progression"), {"get_to": choice}, **HTMX),
    ):
        assert response.status_code == 200
        html = response.content.decode()
        assert "Choose a tier from the list." in html
        assert "<script>" not in html


# D3 Tier point changes


def test_point_changes_default_to_the_last_30_days(personas, scenario):
    html = personas.client_for("alice").get(reverse("partners:dashboard")).content.decode()
    assert figure(html, "new_sold", "150.00")
    assert figure(html, "lost_sold", "100.00")
    assert figure(html, "new_managed", "50.00")
    assert figure(html, "lost_managed", "20.00")


def test_a_preset_or_custom_range_re_renders_only_its_section(personas, scenario):
    alice = personas.client_for("alice")
    url = reverse("partners:dashboard-point-changes")
    html = alice.get(url, {"d3-range": "last_90_days"}, **HTMX).content.decode()
    assert html.lstrip().startswith('<section class="card dashboard-section" id="point-changes"')
    assert 'id="shared-selling"' not in html and "<html" not in html
    assert figure(html, "new_sold", "180.00")
    custom = {"d3-range": "custom", "d3-start": str(days_ago(6)), "d3-end": str(days_ago(1))}
    html = alice.get(url, custom, **HTMX).content.decode()
    assert figure(html, "new_sold", "50.00")
    assert figure(html, "lost_sold", "100.00")
    assert figure(html, "new_managed", "0.00")
    assert figure(html, "lost_managed", "20.00")
    assert f'value="{days_ago(6).isoformat()}"' in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"d3-range": "custom", "d3-start": "2025-05-01", "d3-end": "2025-04-01"}, "on or before"),
        ({"d3-range": "custom", "d3-start": "yesterday", "d3-end": "2025-04-01"}, "date like"),
        ({"d3-range": "custom", "d3-start": "2025-02-30", "d3-end": "2025-04-01"}, "date like"),
        ({"d3-range": "custom", "d3-start": "2025-01-01"}, "both a start and an end"),
        ({"d3-range": "last_century"}, "Choose a date range"),
        ({"d3-range": "custom", "d3-start": "1900-01-01", "d3-end": "2025-01-01"}, "5 years"),
        ({"d3-start": "9999-12-31", "d3-end": "0001-01-01"}, "on or before"),
    ],
)
def test_a_bad_range_shows_its_message_in_the_section_never_a_500(personas, params, message):
    alice = personas.client_for("alice")
    page = alice.get(reverse("partners:dashboard"), params)
    assert page.status_code == 200
    html = page.content.decode()
    assert message in html and "data-range-error" in html
    assert 'data-figure="deals_created"' in html  # the other date range is untouched
    partial = alice.get(reverse("partners:dashboard-point-changes"), params, **HTMX)
    assert partial.status_code == 200 and message in partial.content.decode()


# D4 Shared selling


def test_shared_selling_counts_the_partners_shared_deals(personas):
    acme = personas.acme
    common = {"partner": acme, "shared_selling": True, "closed_on": None}
    DealFactory(**common, created_on=days_ago(10), stage=Deal.Stage.IN_FLIGHT)
    DealFactory(**common, created_on=days_ago(15), deal_type="assisted", stage="created")
    DealFactory(partner=acme, shared_selling=True, created_on=days_ago(50), closed_on=days_ago(5))
    DealFactory(partner=acme, created_on=days_ago(8), stage="in_flight", closed_on=None)
    DealFactory(
        partner=personas.globex,
        shared_selling=True,
        created_on=days_ago(3),
        stage="created",
        closed_on=None,
    )
    alice = personas.client_for("alice")
    html = alice.get(reverse("partners:dashboard")).content.decode()
    assert figure(html, "deals_created", "2")
    assert figure(html, "deals_in_flight", "1")
    assert figure(html, "deals_closed_won", "1")
    html = alice.get(
        reverse("partners:dashboard-shared-selling"), {"d4-range": "last_90_days"}, **HTMX
    ).content.decode()
    assert html.lstrip().startswith('<section class="card dashboard-section" id="shared-selling"')
    assert figure(html, "deals_created", "3")


# The report dialog behind each figure


def test_a_figure_opens_the_per_client_rows_with_the_three_actions(personas, scenario):
    alice = personas.client_for("alice")
    html = alice.get(reverse("partners:dashboard")).content.decode()
    link = f"{reverse('partners:dashboard-report')}?kind=new_sold&amp;range=last_30_days"
    assert f'href="{link}' in html and f'hx-get="{link}' in html
    assert '<dialog id="report-dialog"' in html

    body = alice.get(
        reverse("partners:dashboard-report"), {"kind": "new_sold", "range": "last_30_days"}, **HTMX
    ).content.decode()
    assert "<html" not in body
    assert body.count("data-client=") == 2
    assert body.index("Rainy Ltd") < body.index("Sunny Corp")  # 100 before 50
    assert "total 150.00 points" in body
    assert reverse("clients:record", args=[scenario.rainy.pk]) in body
    for action in ("use-in-lists", "export", "save-report"):
        assert f'data-action="{action}"' in body
    assert reverse("lists:list-add") in body and reverse("lists:report-export") in body


def test_without_javascript_a_figure_is_a_page_of_its_own(personas, scenario):
    response = personas.client_for("bob").get(
        reverse("partners:dashboard-report"),
        {
            "kind": "lost_managed",
            "range": "custom",
            "start": str(days_ago(6)),
            "end": str(days_ago(0)),
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" in html
    assert html.count("data-client=") == 1 and "Kept LLC" in html and "20.00" in html
    assert 'data-action="save-report"' in html


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"kind": "everything", "range": "last_30_days"},
        {"kind": "new_sold", "range": "custom", "start": "2025-05-01", "end": "2025-01-01"},
        {"kind": "new_sold", "range": "custom", "start": "nope", "end": "2025-01-01"},
    ],
)
def test_a_bad_report_request_is_a_400_with_a_message(personas, params):
    alice = personas.client_for("alice")
    response = alice.get(reverse("partners:dashboard-report"), params)
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    partial = alice.get(reverse("partners:dashboard-report"), params, **HTMX)
    assert partial.status_code == 200 and 'role="alert"' in partial.content.decode()


# D5 Commission


def test_commission_shows_the_last_paid_and_next_scheduled_payments(personas):
    today = timezone.localdate()
    paid = CommissionPayment.objects.create(
        partner=personas.acme,
        quarter_start=date(2025, 1, 1),
        scheduled_on=date(2025, 5, 15),
        currency="USD",
        amount=Decimal("1234.50"),
        status="paid",
        paid_on=date(2025, 5, 16),
    )
    CommissionPayment.objects.create(
        partner=personas.acme,
        quarter_start=date(2099, 1, 1),
        scheduled_on=today + timedelta(days=30),
        currency="USD",
        amount=Decimal("99.00"),
    )
    html = personas.client_for("bob").get(reverse("partners:dashboard")).content.decode()
    assert f'<a href="{reverse("commissions:payment", args=[paid.pk])}">1,234.50 USD</a>' in html
    assert "paid 16 May 2025" in html
    assert ">99.00 USD</a>" in html
    assert reverse("commissions:statements") in html
    carol = personas.client_for("carol").get(reverse("partners:dashboard")).content.decode()
    assert "No commission has been paid yet." in carol and "No payment is scheduled." in carol
    assert "1,234.50" not in carol


# D6 Upcoming renewals


def test_renewals_show_the_next_120_days_soonest_first_with_deadlines(personas, scenario):
    today = timezone.localdate()
    RenewalFactory(
        client=scenario.kept,
        date=today + timedelta(days=60),
        products="Sales Hub Pro",
        mrr_change=Decimal("250"),
        last_active_employee="Eve Example",
        renewal_manager="Rita Renewals",
        status=Renewal.Status.AT_RISK,
    )
    RenewalFactory(client=scenario.sunny, date=today + timedelta(days=7))
    RenewalFactory(client=scenario.sunny, date=today + timedelta(days=200))
    html = personas.client_for("alice").get(reverse("partners:dashboard")).content.decode()
    assert html.count("data-renewal=") == 2
    assert html.index("7 days") < html.index("60 days")
    assert reverse("clients:record", args=[scenario.kept.pk]) in html
    deadline = today + timedelta(days=15)
    assert f"{deadline.day} {deadline:%b %Y}" in html
    for text in ("Sales Hub Pro", "+250.00 USD", "Eve Example", "Rita Renewals", "At risk"):
        assert text in html


def test_renewals_show_the_ten_soonest_then_all_on_request(personas):
    client = ClientFactory(name="Busy Co")
    AssignmentFactory(partner=personas.acme, client=client, start=days_ago(30))
    for n in range(12):
        RenewalFactory(client=client, date=days_ago(-1 - n))
    alice = personas.client_for("alice")
    html = alice.get(reverse("partners:dashboard"), {"get_to": "gold"}).content.decode()
    assert html.count("data-renewal=") == 10
    assert "The 10 soonest of 12 renewals" in html
    assert 'href="/partner/dashboard/?get_to=gold&amp;renewals=all#renewals"' in html
    html = alice.get(reverse("partners:dashboard"), {"renewals": "all"}).content.decode()
    assert html.count("data-renewal=") == 12 and "data-renewals-all" not in html
    partial = alice.get(reverse("partners:dashboard-renewals"), {"renewals": "all"}, **HTMX)
    html = partial.content.decode()
    assert html.lstrip().startswith('<section class="card dashboard-section" id="renewals"')
    assert html.count("data-renewal=") == 12


def test_no_renewals_says_so(personas):
    html = personas.client_for("carol").get(reverse("partners:dashboard")).content.decode()
    assert "None of your clients renews in the next 120 days." in html


# D7 Team


def test_team_shows_the_pdm_with_a_send_email_link(personas):
    personas.acme.pdm = PdmFactory(
        name="Pat Manager", email="pat@vendor.example", description="Helps you grow."
    )
    personas.acme.save()
    html = personas.client_for("bob").get(reverse("partners:dashboard-team")).content.decode()
    assert "Pat Manager" in html and "Helps you grow." in html
    assert '<a class="button primary" href="mailto:pat@vendor.example">Send email</a>' in html
    assert f'href="{reverse("partners:dashboard")}" aria-current="page"' in html
    carol = personas.client_for("carol").get(reverse("partners:dashboard-team")).content.decode()
    assert "No Partner Development Manager is assigned" in carol
    assert "Pat Manager" not in carol


# Tenancy


SECTION_URLS = [
    ("partners:dashboard", {}),
    ("partners:dashboard-progression", {"get_to": "gold"}),
    ("partners:dashboard-point-changes", {"d3-range": "last_90_days"}),
    ("partners:dashboard-shared-selling", {"d4-range": "last_90_days"}),
    ("partners:dashboard-report", {"kind": "new_sold", "range": "last_90_days"}),
    ("partners:dashboard-report", {"kind": "deals_created", "range": "last_90_days"}),
    ("partners:dashboard-renewals", {"renewals": "all"}),
    ("partners:dashboard-team", {}),
]


@pytest.mark.parametrize(("name", "params"), SECTION_URLS)
def test_every_dashboard_url_needs_a_login(client, name, params):
    response = client.get(reverse(name), params)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize(("name", "params"), SECTION_URLS)
def test_carol_never_sees_acmes_rows_or_names(personas, scenario, name, params):
    personas.acme.pdm = PdmFactory(name="Acme's PDM")
    personas.acme.save()
    RenewalFactory(client=scenario.kept, date=timezone.localdate() + timedelta(days=9))
    DealFactory(
        partner=personas.acme, client=scenario.sunny, shared_selling=True, created_on=days_ago(2)
    )
    carol = personas.client_for("carol")
    for extra in ({}, HTMX):
        html = carol.get(reverse(name), params, **extra).content.decode()
        for acme_name in ("Acme", "Sunny", "Rainy", "Early", "Kept LLC"):
            assert acme_name not in html


def test_carol_sees_globex_figures_and_bob_sees_acmes(personas, scenario):
    carol = personas.client_for("carol").get(
        reverse("partners:dashboard-report"), {"kind": "new_sold", "range": "last_30_days"}
    )
    assert "Globex Customer" in carol.content.decode()
    bob = personas.client_for("bob").get(reverse("partners:dashboard")).content.decode()
    assert figure(bob, "new_sold", "150.00")
