"""Settings > Team (S2): super admins invite, re-role and remove users; the last one stays."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partners.models import ApiToken, Invitation, Membership
from partners.services import api_token_create
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
TEAM = "/partner/settings/team/"


def role_url(membership):
    return reverse("partners:settings-team-role", args=[membership.pk])


def remove_url(membership):
    return reverse("partners:settings-team-remove", args=[membership.pk])


def test_bob_cannot_reach_the_team_page_or_its_actions(personas):
    bob = personas.client_for("bob")
    assert bob.get(TEAM).status_code == 403
    assert bob.post(TEAM, {"email": "eve@acme.test", "role": "super_admin"}).status_code == 403
    assert bob.post(role_url(personas.bob), {"role": "super_admin"}).status_code == 403
    assert bob.post(remove_url(personas.alice)).status_code == 403
    personas.bob.refresh_from_db()
    assert (
        personas.bob.role == "user"
        and Membership.objects.filter(partner=personas.acme).count() == 2
    )


def test_carol_gets_404_for_acmes_members(personas):
    carol = personas.client_for("carol")
    assert carol.post(role_url(personas.bob), {"role": "super_admin"}).status_code == 404
    assert carol.post(remove_url(personas.bob)).status_code == 404
    html = carol.get(TEAM).content.decode()
    assert "acme.test" not in html and "carol@globex.test" in html


def test_inviting_someone_sends_a_link_and_attaches_nobody_until_they_accept(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    alice = personas.client_for("alice")
    users = get_user_model().objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = alice.post(TEAM, {"email": "Dave@Acme.test", "role": "user"})
    assert response.status_code == 302
    assert get_user_model().objects.count() == users  # no account before acceptance
    assert not Membership.objects.filter(user__email__iexact="dave@acme.test").exists()
    invitation = Invitation.objects.get(partner=personas.acme)
    assert (invitation.email, invitation.role, invitation.status) == (
        "dave@acme.test",
        "user",
        "pending",
    )
    assert [m.to for m in mailoutbox] == [["dave@acme.test"]]
    page = alice.get(TEAM).content.decode()
    assert 'data-invitation="dave@acme.test"' in page and "password" not in page.lower().replace(
        "own password", ""
    )


def test_inviting_someone_already_on_the_team_says_so(personas, mailoutbox):
    response = personas.client_for("alice").post(TEAM, {"email": "BOB@acme.test", "role": "user"})
    assert response.status_code == 400 and "already on your team" in response.content.decode()
    assert not Invitation.objects.exists() and not mailoutbox


@pytest.mark.parametrize(
    "data", [{}, {"email": "not-an-email", "role": "user"}, {"email": "x@y.test", "role": "owner"}]
)
def test_bad_additions_answer_400_and_write_nothing(personas, data):
    users = get_user_model().objects.count()
    response = personas.client_for("alice").post(TEAM, data)
    assert response.status_code == 400 and get_user_model().objects.count() == users


def test_changing_a_role_and_the_last_super_admin_cannot_be_demoted(personas):
    alice = personas.client_for("alice")
    refused = alice.post(role_url(personas.alice), {"role": "user"})
    assert refused.status_code == 400 and "last super admin" in refused.content.decode()
    assert alice.post(role_url(personas.bob), {"role": "super_admin"}).status_code == 302
    assert alice.post(role_url(personas.alice), {"role": "user"}).status_code == 302
    personas.alice.refresh_from_db()
    assert personas.alice.role == "user"
    assert (
        alice.post(role_url(personas.bob), {"role": "owner"}).status_code == 403
    )  # no longer admin


def test_bad_role_answers_400(personas):
    response = personas.client_for("alice").post(role_url(personas.bob), {"role": "owner"})
    assert response.status_code == 400
    personas.bob.refresh_from_db()
    assert personas.bob.role == "user"


def test_removing_a_user_revokes_their_tokens_and_the_last_super_admin_stays(personas):
    alice = personas.client_for("alice")
    api_token_create(user=personas.bob.user, name="bob's script")
    assert alice.post(remove_url(personas.alice)).status_code == 400
    assert alice.post(remove_url(personas.bob)).status_code == 302
    assert not Membership.objects.filter(user=personas.bob.user).exists()
    assert ApiToken.objects.get(user=personas.bob.user).revoked_at is not None
    assert Membership.objects.filter(partner=personas.acme).count() == 1


def test_removing_needs_a_post(personas):
    assert personas.client_for("alice").get(remove_url(personas.bob)).status_code == 405


def test_team_page_queries_do_not_grow_from_5_to_500_members(personas):
    alice = personas.client_for("alice")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert alice.get(TEAM).status_code == 200
        return len(queries)

    for _ in range(3):
        MembershipFactory(partner=personas.acme)
    small = count()
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"m{n}@acme.test", email=f"m{n}@acme.test") for n in range(495)
    )
    Membership.objects.bulk_create(Membership(user=u, partner=personas.acme) for u in users)
    assert count() == small
