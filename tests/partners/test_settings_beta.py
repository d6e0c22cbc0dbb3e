"""Settings > Beta features (S1): opt in with the terms, opt out, opt every user in."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partners.models import BetaOptIn
from tests.tierpage.helpers import give_clients, tier_points_feature

pytestmark = pytest.mark.django_db
FEATURE_URL = "/partner/settings/beta/tier-points/"


def test_the_tier_points_beta_ships_with_terms():
    feature = tier_points_feature()
    assert feature.name == "Tier Points" and "beta" in feature.terms


def test_the_dialog_shows_the_terms_and_only_a_super_admin_can_opt_everyone_in(personas):
    bob = personas.client_for("bob").get(FEATURE_URL, HTTP_HX_REQUEST="true").content.decode()
    assert bob.lstrip().startswith("<dialog open") and "may change or be withdrawn" in bob
    assert "Try beta" in bob and "Opt all users into beta" not in bob
    alice = personas.client_for("alice").get(FEATURE_URL).content.decode()
    assert "<html" in alice and "Opt all users into beta" in alice


def test_opting_in_needs_the_terms_accepted_and_records_the_time(personas):
    bob = personas.client_for("bob")
    refused = bob.post(FEATURE_URL, {"action": "opt_in"})
    assert refused.status_code == 400 and "Accept the beta terms" in refused.content.decode()
    assert not BetaOptIn.objects.exists()
    response = bob.post(
        FEATURE_URL, {"action": "opt_in", "accept_terms": "on", "next": "/partner/tier/"}
    )
    assert response.status_code == 302 and response.url == "/partner/tier/"
    opt_in = BetaOptIn.objects.get()
    assert opt_in.user == personas.bob.user and opt_in.opted_in_by == personas.bob.user
    assert opt_in.partner == personas.acme and opt_in.terms_accepted_at is not None
    assert "Preview Tier Points" in bob.get(reverse("tiers:tier")).content.decode()


def test_opting_out_is_one_click(personas):
    bob = personas.client_for("bob")
    bob.post(FEATURE_URL, {"action": "opt_in", "accept_terms": "on"})
    page = bob.get(reverse("partners:settings-beta")).content.decode()
    assert 'data-beta-status="on"' in page
    assert bob.post(FEATURE_URL, {"action": "opt_out"}).status_code == 302
    assert not BetaOptIn.objects.exists()
    assert "Try the new Tier Points beta" in bob.get(reverse("tiers:tier")).content.decode()


def test_a_super_admin_opts_every_member_in_recorded_as_done_by_them(personas):
    alice = personas.client_for("alice")
    response = alice.post(FEATURE_URL, {"action": "opt_in_everyone", "accept_terms": "on"})
    assert response.status_code == 302
    opt_ins = BetaOptIn.objects.order_by("user__email")
    assert [o.user.email for o in opt_ins] == ["alice@acme.test", "bob@acme.test"]
    assert all(o.opted_in_by == personas.alice.user for o in opt_ins)
    bob_page = personas.client_for("bob").get(reverse("partners:settings-beta")).content.decode()
    assert "opted in by alice@acme.test" in bob_page
    assert not BetaOptIn.objects.filter(partner=personas.globex).exists()


def test_a_standard_user_cannot_opt_everyone_in(personas):
    response = personas.client_for("bob").post(
        FEATURE_URL, {"action": "opt_in_everyone", "accept_terms": "on"}
    )
    assert response.status_code == 403 and not BetaOptIn.objects.exists()


@pytest.mark.parametrize(
    "data", [{}, {"action": "everything"}, {"action": "opt_in_everyone"}, {"action": "x" * 5000}]
)
def test_bad_posts_answer_400_and_write_nothing(personas, data):
    response = personas.client_for("alice").post(FEATURE_URL, data)
    assert response.status_code == 400 and not BetaOptIn.objects.exists()


def test_an_unknown_feature_is_404(personas):
    assert personas.client_for("alice").get("/partner/settings/beta/nope/").status_code == 404


def test_next_never_leaves_the_site(personas):
    response = personas.client_for("bob").post(
        FEATURE_URL, {"action": "opt_in", "accept_terms": "on", "next": "https://evil.example/"}
    )
    assert response.url == reverse("partners:settings-beta")


def test_carol_sees_only_globex_counts(personas):
    personas.client_for("alice").post(
        FEATURE_URL, {"action": "opt_in_everyone", "accept_terms": "on"}
    )
    html = personas.client_for("carol").get(reverse("partners:settings-beta")).content.decode()
    assert "0 members of Globex Digital opted in" in html and "Acme" not in html


def test_beta_page_queries_do_not_grow_from_5_to_500_clients(personas):
    alice = personas.client_for("alice")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert alice.get(reverse("partners:settings-beta")).status_code == 200
        return len(queries)

    give_clients(personas.acme, 5)
    small = count()
    give_clients(personas.acme, 495, prefix="More")
    assert count() == small
