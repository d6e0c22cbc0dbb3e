"""Accounts: emails in any case, one account per email, password reset by mail, and a
password change that cannot be used to guess the password."""

from __future__ import annotations

import re
from importlib import import_module

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client as HttpClient

from partners.models import UserSession
from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "another-long-passphrase-7"


def log_in(http: HttpClient, username: str, password: str):
    return http.post("/accounts/login/", {"username": username, "password": password})


def test_email_login_ignores_case_and_surrounding_spaces(personas):
    response = log_in(HttpClient(), "  Alice@ACME.test ", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/partner/dashboard/"


def test_two_accounts_cannot_share_an_email_in_different_cases(personas):
    with pytest.raises(IntegrityError), transaction.atomic():
        get_user_model().objects.create_user(username="other", email="ALICE@acme.test")
    with pytest.raises(IntegrityError), transaction.atomic():
        get_user_model().objects.create_user(username="Alice@Acme.test", email="x@y.test")
    # the database refuses it too, whatever writes the row
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE auth_user SET email = 'BOB@ACME.TEST' WHERE id = %s", [personas.alice.user_id]
        )


def test_emails_and_usernames_are_stored_as_they_are_compared(db):
    user = get_user_model().objects.create_user(
        username=" Mia@Example.TEST ", email="Mia@Example.TEST"
    )
    user.refresh_from_db()
    assert (user.username, user.email) == ("mia@example.test", "mia@example.test")


def test_the_upgrade_reports_accounts_whose_emails_differ_only_in_case(personas):
    migration = import_module("partners.migrations.0004_invitations_sessions_unique_emails")
    migration.refuse_duplicate_emails(apps, None)  # no clash: passes
    with connection.cursor() as cursor:
        for sql in migration.unique_index_sql(reverse=True):
            cursor.execute(sql)
    try:
        legacy = get_user_model().objects.create_user(username="alice2", email="x@example.test")
        # rows from before the upgrade: stored as typed, bypassing today's normalisation
        get_user_model().objects.filter(pk=legacy.pk).update(email="Alice@Acme.TEST")
        with pytest.raises(RuntimeError, match=r"Alice@Acme\.TEST") as refused:
            migration.refuse_duplicate_emails(apps, None)
        assert "'alice@acme.test'" in str(refused.value)
        get_user_model().objects.filter(pk=legacy.pk).update(email=" Kim@Example.TEST")
        migration.normalise_login_names(apps, None)
        legacy.refresh_from_db()
        assert legacy.email == "kim@example.test"
    finally:
        get_user_model().objects.filter(username="alice2").delete()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # run the deferred foreign-key checks now, or CREATE INDEX is refused
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for sql in migration.unique_index_sql():
                cursor.execute(sql)


def test_a_staff_user_logging_in_on_the_partner_login_lands_in_admin(db):
    UserFactory(email="staff@vendor.example", is_staff=True)
    response = log_in(HttpClient(), "staff@vendor.example", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"


def reset_link(mail) -> str:
    found = re.search(r"https?://[^/\s]+(/accounts/password/reset/[^/\s]+/[^/\s]+/)", mail.body)
    assert found, mail.body
    return found.group(1)


def test_password_reset_by_mail_sets_a_new_password_once(personas, mailoutbox):
    http = HttpClient()
    sent = http.post("/accounts/password/reset/", {"email": "BOB@acme.test"})
    assert sent.status_code == 302 and sent["Location"] == "/accounts/password/reset/sent/"
    assert [m.to for m in mailoutbox] == [["bob@acme.test"]]
    link = reset_link(mailoutbox[0])
    form = http.get(link, follow=True)
    assert form.status_code == 200 and 'name="new_password1"' in form.content.decode()
    set_url = form.redirect_chain[-1][0]
    done = http.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert log_in(HttpClient(), "bob@acme.test", NEW_PASSWORD).status_code == 302
    assert log_in(HttpClient(), "bob@acme.test", PASSWORD).status_code == 200
    reused = HttpClient().get(link, follow=True)
    assert 'id="invalid-link"' in reused.content.decode()


def test_password_reset_tells_nobody_which_emails_exist_and_limits_mails(
    personas, mailoutbox, settings
):
    unknown = HttpClient().post("/accounts/password/reset/", {"email": "nobody@example.test"})
    assert unknown.status_code == 302 and unknown["Location"] == "/accounts/password/reset/sent/"
    assert not mailoutbox
    for _ in range(settings.PASSWORD_RESET_MAILS_PER_HOUR + 2):
        HttpClient().post("/accounts/password/reset/", {"email": "bob@acme.test"})
    assert len(mailoutbox) == settings.PASSWORD_RESET_MAILS_PER_HOUR


def change(http: HttpClient, old: str):
    return http.post(
        "/accounts/password/",
        {"old_password": old, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )


def test_password_change_is_refused_after_repeated_wrong_current_passwords(personas, settings):
    member = MembershipFactory(partner=personas.acme, user__email="kim@acme.test")
    http = HttpClient()
    assert http.login(username="kim@acme.test", password=PASSWORD)
    for _ in range(settings.PASSWORD_CHANGE_FAILURE_LIMIT):
        assert change(http, "wrong").status_code == 200
    locked = change(http, PASSWORD)
    assert locked.status_code == 429 and "locked" in locked.content.decode()
    member.user.refresh_from_db()
    assert member.user.check_password(PASSWORD)


def test_password_change_works_and_keeps_the_session(personas):
    member = MembershipFactory(partner=personas.acme, user__email="lee@acme.test")
    http = HttpClient()
    assert http.login(username="lee@acme.test", password=PASSWORD)
    assert change(http, "wrong").status_code == 200
    assert change(http, PASSWORD).status_code == 302
    member.user.refresh_from_db()
    assert member.user.check_password(NEW_PASSWORD)
    assert http.get("/partner/dashboard/").status_code == 200
    assert UserSession.objects.filter(
        user=member.user, session_key=http.session.session_key
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_upgrading_a_database_with_mixed_case_logins_normalises_them_and_adds_the_indexes():
    """The real migration, from the layout before it, on the test database's engine."""
    before = [("partners", "0003_tier_points_beta")]
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(before)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,"
                " email, is_staff, is_active, date_joined) VALUES"
                " ('!', false, ' Mixed@Example.TEST', '', '', 'Mixed@Example.TEST', false, true,"
                " CURRENT_TIMESTAMP)"
            )
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)
        user = get_user_model().objects.get(email="mixed@example.test")
        assert user.username == "mixed@example.test"
        # whatever writes the row, the database refuses a second account of that email
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,"
                " email, is_staff, is_active, date_joined) VALUES ('!', false, 'other', '', '',"
                " 'MIXED@example.test', false, true, CURRENT_TIMESTAMP)"
            )
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(latest)
