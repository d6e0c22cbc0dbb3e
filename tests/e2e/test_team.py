"""In a real browser: alice invites a new colleague, who accepts from the mailed link with a
password of their own and lands on Acme's dashboard; alice then removes them."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from partners.models import Membership

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
NEW_PASSWORD = "a-long-unusual-passphrase-9"


def log_in(page, email: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("button[type=submit]")


def test_an_invitation_is_sent_accepted_and_the_member_removed(
    page, browser, live_server, personas
):
    log_in(page, "alice@acme.test", "portal-test-password")
    page.wait_for_url("**/partner/dashboard/")
    page.goto("/partner/settings/team/")
    page.fill("#id_email", "dana@example.test")
    page.select_option("#id_role", "user")
    page.click("text=Send invitation")
    page.wait_for_url("**/partner/settings/team/")
    assert "Invitation sent to dana@example.test" in page.text_content("main")
    assert page.locator('[data-invitation="dana@example.test"]').count() == 1
    assert not Membership.objects.filter(user__email="dana@example.test").exists()

    [message] = mail.outbox
    link = re.search(r"https?://\S+(/accounts/invitations/\S+/)", message.body).group(1)
    context = browser.new_context(base_url=live_server.url)
    invitee = context.new_page()
    invitee.goto(link)
    assert "Join Acme Growth Agency" in invitee.text_content("h1")
    invitee.fill("#id_password1", NEW_PASSWORD)
    invitee.fill("#id_password2", NEW_PASSWORD)
    invitee.click("text=Accept and join")
    invitee.wait_for_url("**/partner/dashboard/")
    assert invitee.text_content(".partner-name") == "Acme Growth Agency"

    page.reload()
    row = page.locator('tr[data-member="dana@example.test"]')
    assert row.count() == 1
    row.locator("text=Remove").click()
    page.wait_for_url("**/partner/settings/team/")
    assert page.locator('tr[data-member="dana@example.test"]').count() == 0
    invitee.goto("/partner/dashboard/")
    assert "/accounts/login/" in invitee.url  # their session ended with the removal
    context.close()
    assert page.console_errors == []
