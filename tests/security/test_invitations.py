"""Invitations replace "add by email": nothing is attached to an account until the owner of the
address accepts through the signed, expiring, single-use link mailed to it."""

from __future__ import annotations

import re
from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from partners.models import ApiToken, Invitation, Membership, UserSession
from partners.services import api_token_create, invitation_token
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
TEAM = "/partner/settings/team/"
NEW_PASSWORD = "a-long-unusual-passphrase-9"


@pytest.fixture
def invite(django_capture_on_commit_callbacks, mailoutbox):
    """Invite ``email`` as ``who`` (a logged-in client); returns the link mailed."""

    def send(who: HttpClient, email: str, role: str = "user") -> str:
        before = len(mailoutbox)
        with django_capture_on_commit_callbacks(execute=True):
            response = who.post(TEAM, {"email": email, "role": role})
        assert response.status_code == 302, response.content.decode()[:500]
        assert len(mailoutbox) == before + 1
        return link_in(mailoutbox[-1])

    return send


def link_in(mail) -> str:
    found = re.search(r"https?://[^/\s]+(/accounts/invitations/[^/\s]+/)", mail.body)
    assert found, mail.body
    html = mail.alternatives[0][0]
    assert found.group(1) in html
    return found.group(1)


def accept_new(link: str, password: str = NEW_PASSWORD) -> HttpClient:
    http = HttpClient()
    response = http.post(link, {"password1": password, "password2": password})
    assert response.status_code == 302 and response["Location"] == reverse("partners:dashboard")
    return http


def test_the_reported_account_capture_no_longer_works(personas, invite, mailoutbox):
    alice, carol = personas.client_for("alice"), personas.client_for("carol")
    link = invite(alice, "newhire@example.test")
    # alice sees no password anywhere, and no account exists until the invitee accepts
    assert "password" not in alice.get(TEAM).content.decode().lower().replace("own password", "")
    assert not get_user_model().objects.filter(email="newhire@example.test").exists()
    newhire = accept_new(link)
    member = Membership.objects.get(user__email="newhire@example.test")
    assert member.partner == personas.acme
    assert alice.post(reverse("partners:settings-team-remove", args=[member.pk])).status_code == 302
    # removal signed the newhire out everywhere
    assert newhire.get("/partner/dashboard/").status_code == 302
    # carol's invitation attaches nothing by itself either
    invite(carol, "newhire@example.test", role="super_admin")
    assert not Membership.objects.filter(user__email="newhire@example.test").exists()
    # the mail went to the address's owner only; nobody else learned anything to log in with
    assert {tuple(m.to) for m in mailoutbox} == {("newhire@example.test",)}


def test_staff_accounts_and_other_partners_members_are_never_sent_an_invitation(
    personas, mailoutbox, django_capture_on_commit_callbacks
):
    UserFactory(email="admin@example.com", is_staff=True, is_superuser=True)
    carol = personas.client_for("carol")
    for email in ("ADMIN@example.com", "bob@acme.test", "nobody-yet@example.test"):
        with django_capture_on_commit_callbacks(execute=True):
            response = carol.post(TEAM, {"email": email, "role": "super_admin"})
        # the same answer for all three: carol learns nothing about who has an account
        assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["nobody-yet@example.test"]]
    for email in ("admin@example.com", "bob@acme.test"):
        invitation = Invitation.objects.get(partner=personas.globex, email=email)
        link = reverse("invitation-accept", args=[invitation_token(invitation)])
        owner = HttpClient()
        assert owner.login(username=email, password=PASSWORD)
        assert owner.post(link).status_code == 409
    assert not Membership.objects.filter(user__email="admin@example.com").exists()
    assert Membership.objects.get(user__email="bob@acme.test").partner == personas.acme


def test_a_new_address_chooses_its_own_password_and_joins_with_the_invited_role(personas, invite):
    link = invite(personas.client_for("alice"), "Dave@Example.test", role="super_admin")
    anonymous = HttpClient()
    page = anonymous.get(link)
    assert page.status_code == 200 and "Acme Growth Agency" in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    assert (
        not get_user_model().objects.filter(email="dave@example.test").exists()
    )  # GET writes nothing

    mismatch = anonymous.post(link, {"password1": NEW_PASSWORD, "password2": "other"})
    weak = anonymous.post(link, {"password1": "12345678", "password2": "12345678"})
    assert mismatch.status_code == weak.status_code == 400
    assert not get_user_model().objects.filter(email="dave@example.test").exists()

    dave = accept_new(link)
    membership = Membership.objects.get(user__email="dave@example.test")
    assert (membership.partner, membership.role) == (personas.acme, "super_admin")
    assert dave.get("/partner/dashboard/").status_code == 200
    assert HttpClient().login(username="dave@example.test", password=NEW_PASSWORD)
    # the link works once
    again = HttpClient().post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert again.status_code == 410
    assert Membership.objects.filter(user__email="dave@example.test").count() == 1


def test_an_existing_account_accepts_with_its_own_password_only(personas, invite):
    UserFactory(email="erin@example.test")
    link = invite(personas.client_for("alice"), "erin@example.test")
    wrong = HttpClient().post(link, {"password": "not her password"})
    assert wrong.status_code == 400 and not Membership.objects.filter(
        user__email="erin@example.test"
    )
    # a new-account form cannot be used to overwrite her password
    HttpClient().post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert not HttpClient().login(username="erin@example.test", password=NEW_PASSWORD)
    erin = HttpClient()
    assert erin.post(link, {"password": PASSWORD}).status_code == 302
    assert Membership.objects.get(user__email="erin@example.test").partner == personas.acme


def test_signed_in_as_the_invited_account_accepts_with_one_click(personas, invite):
    UserFactory(email="erin@example.test")
    link = invite(personas.client_for("alice"), "erin@example.test")
    erin = HttpClient()
    assert erin.login(username="erin@example.test", password=PASSWORD)
    assert erin.post(link).status_code == 302
    assert Membership.objects.filter(user__email="erin@example.test").exists()


def test_signed_in_as_another_account_cannot_accept(personas, invite):
    link = invite(personas.client_for("alice"), "frank@example.test")
    carol = personas.client_for("carol")
    response = carol.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 403
    assert not get_user_model().objects.filter(email="frank@example.test").exists()
    assert Membership.objects.get(user=personas.carol.user).partner == personas.globex


def test_forged_expired_resent_and_revoked_links_do_not_work(personas, invite):
    alice = personas.client_for("alice")
    link = invite(alice, "gina@example.test")
    invitation = Invitation.objects.get(email="gina@example.test")
    assert HttpClient().get(link[:-3] + "xx/").status_code == 404
    assert HttpClient().get("/accounts/invitations/%C2%B9/").status_code == 404

    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(1))
    assert HttpClient().get(link).status_code == 410
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() + timedelta(1))

    resend = reverse("partners:settings-invitation-resend", args=[invitation.pk])
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now() - timedelta(hours=1))
    assert alice.post(resend).status_code == 302
    invitation.refresh_from_db()
    assert HttpClient().get(link).status_code == 404  # replaced by the resend
    new_link = reverse("invitation-accept", args=[invitation_token(invitation)])
    assert HttpClient().get(new_link).status_code == 200

    revoke = reverse("partners:settings-invitation-revoke", args=[invitation.pk])
    assert alice.post(revoke).status_code == 302
    refused = HttpClient().post(new_link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert refused.status_code == 410
    assert not get_user_model().objects.filter(email="gina@example.test").exists()


def test_an_invitee_who_joined_another_partner_meanwhile_is_not_attached(personas, invite):
    link = invite(personas.client_for("alice"), "hal@example.test")
    carol_link = invite(personas.client_for("carol"), "hal@example.test")
    hal = accept_new(carol_link)
    response = hal.post(link)
    assert response.status_code == 409
    assert Membership.objects.get(user__email="hal@example.test").partner == personas.globex


def test_only_the_partners_super_admins_manage_its_invitations(personas, invite):
    link = invite(personas.client_for("alice"), "ivy@example.test")
    invitation = Invitation.objects.get(email="ivy@example.test")
    resend = reverse("partners:settings-invitation-resend", args=[invitation.pk])
    revoke = reverse("partners:settings-invitation-revoke", args=[invitation.pk])
    bob, carol = personas.client_for("bob"), personas.client_for("carol")
    assert bob.post(TEAM, {"email": "x@example.test", "role": "super_admin"}).status_code == 403
    assert bob.post(resend).status_code == 403 and bob.post(revoke).status_code == 403
    assert carol.post(resend).status_code == 404 and carol.post(revoke).status_code == 404
    assert "ivy@example.test" not in carol.get(TEAM).content.decode()
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert HttpClient().get(link).status_code == 200


def test_one_open_invitation_per_address(personas, invite):
    alice = personas.client_for("alice")
    invite(alice, "jo@example.test")
    again = alice.post(TEAM, {"email": "JO@example.test", "role": "user"})
    assert again.status_code == 400 and "resend" in again.content.decode()
    assert Invitation.objects.filter(email="jo@example.test").count() == 1


def test_removing_a_member_ends_their_sessions_and_tokens(personas):
    bob = personas.client_for("bob")
    other_device = personas.client_for("bob")
    api_token_create(user=personas.bob.user, name="script")
    assert UserSession.objects.filter(user=personas.bob.user).count() == 2
    alice = personas.client_for("alice")
    assert (
        alice.post(reverse("partners:settings-team-remove", args=[personas.bob.pk])).status_code
        == 302
    )
    for device in (bob, other_device):
        assert device.get("/partner/dashboard/").status_code == 302  # back to log in
    assert not ApiToken.objects.filter(user=personas.bob.user, revoked_at__isnull=True).exists()
    assert not UserSession.objects.filter(user=personas.bob.user).exists()
    assert alice.get("/partner/dashboard/").status_code == 200  # her own session is untouched


def test_pages_with_a_secret_are_not_cached(personas):
    alice = personas.client_for("alice")
    created = alice.post("/partner/settings/api-tokens/", {"name": "ci"})
    assert created.status_code == 200 and "no-store" in created["Cache-Control"]
    assert "no-store" in HttpClient().get("/accounts/password/reset/")["Cache-Control"]


def test_a_lookalike_address_does_not_reach_an_existing_account(personas, invite):
    """PostgreSQL's case-insensitive match folds the dotless ı into I: the portal compares
    normalised names exactly, so ``kım@…`` is another address than ``kim@…``."""
    UserFactory(email="kim@example.test")
    link = invite(personas.client_for("alice"), "kım@example.test")
    page = HttpClient().get(link).content.decode()
    assert "You have an account already" not in page
    assert HttpClient().post(link, {"password": PASSWORD}).status_code == 400
    assert not Membership.objects.filter(user__email="kim@example.test").exists()


def test_an_account_whose_username_is_the_address_accepts_with_its_password(personas, invite):
    UserFactory(username="lou@example.test", email="lou.other@example.test")
    link = invite(personas.client_for("alice"), "lou@example.test")
    assert (
        HttpClient().post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}).status_code
        == 400
    )
    assert HttpClient().post(link, {"password": PASSWORD}).status_code == 302
    assert Membership.objects.get(user__username="lou@example.test").partner == personas.acme


def test_resends_wait_between_mails_and_a_partner_sends_a_bounded_number_a_day(
    personas, invite, settings, mailoutbox
):
    alice = personas.client_for("alice")
    invite(alice, "max@example.test")
    invitation = Invitation.objects.get(email="max@example.test")
    resend = reverse("partners:settings-invitation-resend", args=[invitation.pk])
    too_soon = alice.post(resend)
    assert too_soon.status_code == 400 and "at the earliest" in too_soon.content.decode()
    Invitation.objects.filter(pk=invitation.pk).update(
        sent_at=timezone.now() - timedelta(minutes=settings.INVITATION_RESEND_MINUTES + 1)
    )
    assert alice.post(resend).status_code == 302
    settings.INVITATION_MAILS_PER_DAY = 2  # two sent already: the first and the resend
    capped = alice.post(TEAM, {"email": "ned@example.test", "role": "user"})
    assert capped.status_code == 400 and "tomorrow" in capped.content.decode()
    assert not Invitation.objects.filter(email="ned@example.test").exists()


def test_the_upgrade_records_sessions_signed_in_before_it(personas):
    bob = personas.client_for("bob")
    UserSession.objects.all().delete()  # as for a session from before the upgrade
    import_module(
        "partners.migrations.0004_invitations_sessions_unique_emails"
    ).record_live_sessions(apps, None)
    assert UserSession.objects.filter(user=personas.bob.user).count() == 1
    alice = personas.client_for("alice")
    remove = reverse("partners:settings-team-remove", args=[personas.bob.pk])
    assert alice.post(remove).status_code == 302
    assert bob.get("/accounts/password/").status_code == 302  # signed out
