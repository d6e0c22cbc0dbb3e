"""The audit trail of the partner's own settings pages: team changes, invitations, beta opt-ins
and API tokens each leave one entry by the user who made them, and no secret shows in it."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from core.audit import MASK
from partners.models import ApiToken, BetaOptIn, Invitation, Membership
from partners.services import api_token_create, beta_opt_in, invitation_token
from tests.audit import changes, only_entry, recorded
from tests.conftest import Personas
from tests.factories import PASSWORD
from tests.tierpage.helpers import tier_points_feature

pytestmark = pytest.mark.django_db
TEAM = "/partner/settings/team/"
TOKENS = "/partner/settings/api-tokens/"
FEATURE_URL = "/partner/settings/beta/tier-points/"


def stored(entry: LogEntry) -> str:
    """Everything the entry keeps about the change, as text."""
    return json.dumps([entry.changes, entry.changes_text, entry.object_repr, entry.serialized_data])


# --- team and invitations -------------------------------------------------------------------


def test_an_invitation_is_recorded_as_the_inviters_without_its_nonce(personas: Personas) -> None:
    alice = personas.client_for("alice")
    with recorded() as written:
        assert alice.post(TEAM, {"email": "dave@acme.test", "role": "user"}).status_code == 302
    invitation = Invitation.objects.get()
    entry = only_entry(written, invitation)
    assert len(written) == 1
    assert entry.action == LogEntry.Action.CREATE and entry.actor == personas.alice.user
    assert changes(entry)["email"] == ["None", "dave@acme.test"]
    assert changes(entry)["invited_by"] == ["None", str(personas.alice.user.pk)]
    assert "nonce" not in changes(entry) and invitation.nonce not in stored(entry)


def test_resending_and_revoking_an_invitation_are_recorded(personas: Personas) -> None:
    alice = personas.client_for("alice")
    alice.post(TEAM, {"email": "dave@acme.test", "role": "user"})
    invitation = Invitation.objects.get()
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now() - timedelta(hours=1))
    old_nonce = invitation.nonce
    resend = reverse("partners:settings-invitation-resend", args=[invitation.pk])
    with recorded() as written:
        assert alice.post(resend).status_code == 302
    invitation.refresh_from_db()
    entry = only_entry(written, invitation)
    assert len(written) == 1 and entry.actor == personas.alice.user
    assert set(changes(entry)) == {"sent_at", "expires_at"}
    assert old_nonce not in stored(entry) and invitation.nonce not in stored(entry)
    revoke = reverse("partners:settings-invitation-revoke", args=[invitation.pk])
    with recorded() as written:
        assert alice.post(revoke).status_code == 302
    entry = only_entry(written, invitation)
    assert len(written) == 1 and entry.actor == personas.alice.user
    assert set(changes(entry)) == {"revoked_at"} and changes(entry)["revoked_at"][0] == "None"


def test_a_role_change_is_recorded_as_the_super_admins(personas: Personas) -> None:
    alice = personas.client_for("alice")
    url = reverse("partners:settings-team-role", args=[personas.bob.pk])
    with recorded() as written:
        assert alice.post(url, {"role": "super_admin"}).status_code == 302
    entry = only_entry(written, personas.bob)
    assert len(written) == 1
    assert entry.action == LogEntry.Action.UPDATE and entry.actor == personas.alice.user
    assert changes(entry) == {"role": ["user", "super_admin"]}


def test_a_refused_team_change_records_nothing(personas: Personas) -> None:
    alice = personas.client_for("alice")
    url = reverse("partners:settings-team-role", args=[personas.alice.pk])
    with recorded() as written:
        assert alice.post(url, {"role": "user"}).status_code == 400  # the last super admin
    assert written == []


def test_removing_a_member_records_the_membership_its_tokens_and_opt_ins(
    personas: Personas,
) -> None:
    token, _key = api_token_create(user=personas.bob.user, name="bob's script")
    opt_in = beta_opt_in(
        partner=personas.acme,
        user=personas.bob.user,
        feature=tier_points_feature(),
        terms_accepted=True,
    )
    alice = personas.client_for("alice")
    url = reverse("partners:settings-team-remove", args=[personas.bob.pk])
    with recorded() as written:
        assert alice.post(url).status_code == 302
    assert len(written) == 3
    assert {entry.actor for entry in written} == {personas.alice.user}
    assert only_entry(written, personas.bob).action == LogEntry.Action.DELETE
    assert only_entry(written, opt_in).action == LogEntry.Action.DELETE
    revoked = only_entry(written, token)
    assert revoked.action == LogEntry.Action.UPDATE and set(changes(revoked)) == {"revoked_at"}


def test_accepting_an_invitation_with_a_new_account_is_recorded_as_that_account(
    personas: Personas,
) -> None:
    personas.client_for("alice").post(TEAM, {"email": "dave@acme.test", "role": "user"})
    invitation = Invitation.objects.get()
    url = reverse("invitation-accept", args=[invitation_token(invitation)])
    password = "A-long-new-passphrase-42"
    with recorded() as written:
        response = HttpClient().post(url, {"password1": password, "password2": password})
    assert response.status_code == 302
    dave = get_user_model().objects.get(email="dave@acme.test")
    membership = Membership.objects.get(user=dave)
    joined = only_entry(written, membership)
    assert joined.action == LogEntry.Action.CREATE and joined.actor == dave
    accepted = only_entry(written, invitation)
    assert accepted.actor == dave and set(changes(accepted)) == {"accepted_at", "accepted_by"}
    account = only_entry(written, dave)
    assert account.action == LogEntry.Action.CREATE
    assert changes(account)["password"] == ["None", MASK]
    assert dave.password not in stored(account) and password not in stored(account)
    assert "last_login" not in changes(account)


def test_signing_in_records_nothing(personas: Personas) -> None:
    with recorded() as written:
        http = HttpClient()
        assert http.login(username=personas.bob.user.username, password=PASSWORD)
    assert written == []


# --- beta opt-ins ---------------------------------------------------------------------------


def test_opting_in_and_out_of_a_beta_is_recorded_as_the_users(personas: Personas) -> None:
    tier_points_feature()
    bob = personas.client_for("bob")
    with recorded() as written:
        assert bob.post(FEATURE_URL, {"action": "opt_in", "accept_terms": "on"}).status_code == 302
    opt_in = BetaOptIn.objects.get()
    entry = only_entry(written, opt_in)
    assert len(written) == 1
    assert entry.action == LogEntry.Action.CREATE and entry.actor == personas.bob.user
    assert changes(entry)["opted_in_by"] == ["None", str(personas.bob.user.pk)]
    assert changes(entry)["terms_accepted_at"][1] != "None"
    with recorded() as written:
        assert bob.post(FEATURE_URL, {"action": "opt_out"}).status_code == 302
    entry = only_entry(written, opt_in)
    assert len(written) == 1
    assert entry.action == LogEntry.Action.DELETE and entry.actor == personas.bob.user


def test_opting_every_member_in_records_each_opt_in_as_the_super_admins(
    personas: Personas,
) -> None:
    tier_points_feature()
    alice = personas.client_for("alice")
    with recorded() as written:
        response = alice.post(FEATURE_URL, {"action": "opt_in_everyone", "accept_terms": "on"})
    assert response.status_code == 302
    opt_ins = list(BetaOptIn.objects.order_by("user__email"))
    assert [o.user for o in opt_ins] == [personas.alice.user, personas.bob.user]
    assert len(written) == 2
    for opt_in in opt_ins:
        entry = only_entry(written, opt_in)
        assert entry.action == LogEntry.Action.CREATE and entry.actor == personas.alice.user
        assert changes(entry)["user"] == ["None", str(opt_in.user_id)]


# --- API tokens -----------------------------------------------------------------------------


def test_a_new_token_is_recorded_with_its_digest_masked(personas: Personas) -> None:
    bob = personas.client_for("bob")
    with recorded() as written:
        response = bob.post(TOKENS, {"name": "CRM sync"})
    key = response.content.decode().split("data-token-key>")[1].split("</code>")[0]
    token = ApiToken.objects.get()
    entry = only_entry(written, token)
    assert len(written) == 1
    assert entry.action == LogEntry.Action.CREATE and entry.actor == personas.bob.user
    assert changes(entry)["key_digest"] == ["None", MASK]
    assert changes(entry)["name"] == ["None", "CRM sync"]
    digest = hashlib.sha256(key.encode()).hexdigest()
    text = stored(entry)
    assert key not in text and digest not in text and digest[32:] not in text
    assert "last_used_at" not in changes(entry)


def test_revoking_a_token_is_recorded_and_using_one_is_not(personas: Personas) -> None:
    token, key = api_token_create(user=personas.bob.user, name="ci")
    with recorded() as written:
        used = HttpClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert used.status_code == 200 and written == []
    bob = personas.client_for("bob")
    with recorded() as written:
        url = reverse("partners:settings-api-token-revoke", args=[token.pk])
        assert bob.post(url).status_code == 302
    entry = only_entry(written, token)
    assert len(written) == 1 and entry.actor == personas.bob.user
    assert set(changes(entry)) == {"revoked_at"}
