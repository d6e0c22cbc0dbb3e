"""The audit log in Django admin (read-only, filterable, staff only) and the audit trail's
shared pieces: masking, the actor of work done outside a request, the request id and the
client address an entry carries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import structlog
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.test import Client as HttpClient
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from core.audit import MASK, acting_as, correlation_id, mask
from partners.models import ApiToken, Membership
from partners.services import api_token_create
from tests.audit import only_entry, recorded
from tests.conftest import Personas
from tests.factories import PASSWORD, PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db
LIST = reverse("admin:auditlog_logentry_changelist")
ADD = reverse("admin:auditlog_logentry_add")


def change_url(entry: LogEntry) -> str:
    return reverse("admin:auditlog_logentry_change", args=[entry.pk])


def delete_url(entry: LogEntry) -> str:
    return reverse("admin:auditlog_logentry_delete", args=[entry.pk])


def listed(http: HttpClient, **query: Any) -> list[LogEntry]:
    response = http.get(LIST, query)
    assert response.status_code == 200, response
    return list(response.context["cl"].result_list)


@pytest.fixture
def log(personas: Personas) -> dict[str, Any]:
    """A role change by alice (a partner user), a token created by staff's hand and one written
    by no signed-in user, each with its entry."""
    staff = UserFactory(email="auditor@vendor.example", is_staff=True, is_superuser=True)
    with recorded() as by_alice:
        response = personas.client_for("alice").post(
            reverse("partners:settings-team-role", args=[personas.bob.pk]), {"role": "super_admin"}
        )
        assert response.status_code == 302
    with recorded() as by_staff, set_actor(staff):
        token, _key = api_token_create(user=personas.carol.user, name="carol's sync")
    with recorded() as by_nobody:
        other = PartnerFactory(name="Initech")
    return {
        "staff": staff,
        "role": only_entry(by_alice, personas.bob),
        "token": only_entry(by_staff, token),
        "partner": only_entry(by_nobody, other),
    }


@pytest.fixture
def root(log: dict[str, Any]) -> HttpClient:
    http = HttpClient()
    assert http.login(username=log["staff"].username, password=PASSWORD)
    return http


# --- the list and its filters ---------------------------------------------------------------


def test_the_list_filters_by_actor(log: dict[str, Any], root: HttpClient, personas: Personas):
    role, token, partner = log["role"], log["token"], log["partner"]
    assert role.actor == personas.alice.user and token.actor == log["staff"]
    assert partner.actor is None
    assert role in listed(root) and token in listed(root) and partner in listed(root)
    assert listed(root, actor=str(personas.alice.user.pk)) == [role]
    assert listed(root, actor=str(log["staff"].pk)) == [token]
    assert role in listed(root, actor="partner-users")
    assert token not in listed(root, actor="partner-users")
    nobody = listed(root, actor="nobody")
    assert partner in nobody and role not in nobody and token not in nobody
    page = root.get(LIST).content.decode()
    assert "auditor@vendor.example" in page  # the staff are offered as actors


def test_the_list_filters_by_model_action_and_date(log: dict[str, Any], root: HttpClient) -> None:
    role, token = log["role"], log["token"]
    membership_type = ContentType.objects.get_for_model(Membership)
    memberships = listed(root, model=str(membership_type.pk))
    assert role in memberships and {e.content_type for e in memberships} == {membership_type}
    in_tokens = listed(root, model=str(ContentType.objects.get_for_model(ApiToken).pk))
    assert in_tokens == [token]
    updates = listed(root, action=str(LogEntry.Action.UPDATE))
    assert role in updates and token not in updates
    now = timezone.localtime()
    assert role in listed(root, timestamp__year=str(now.year), timestamp__month=str(now.month))
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    assert role in listed(root, timestamp__gte=midnight.isoformat())  # the "Today" choice
    tomorrow = midnight + timedelta(days=1)
    assert listed(root, timestamp__gte=tomorrow.isoformat()) == []
    page = root.get(LIST).content.decode()
    assert "Partners: API token" in page and "Partners: membership" in page


def test_the_list_is_searched_by_the_records_name(log: dict[str, Any], root: HttpClient) -> None:
    assert listed(root, q="carol's sync") == [log["token"]]
    assert listed(root, q="Initech") == [log["partner"]]


@pytest.mark.parametrize(
    "query", [{"actor": "alice"}, {"actor": "𝟙"}, {"model": "-1"}, {"model": "1 "}]
)
def test_a_malformed_filter_goes_back_to_the_whole_list(
    log: dict[str, Any], root: HttpClient, query: dict[str, str]
) -> None:
    response = root.get(LIST, query)
    assert response.status_code == 302 and response["Location"].endswith("?e=1")


def test_an_entry_shows_its_changes_but_never_a_masked_secret(
    log: dict[str, Any], root: HttpClient
) -> None:
    token = ApiToken.objects.get(name="carol's sync")
    page = root.get(change_url(log["token"])).content.decode()
    assert "carol&#x27;s sync" in page and MASK in page
    assert token.key_digest not in page and token.key_digest[32:] not in page


# --- append-only, staff only ----------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_every_write_is_refused_even_to_a_superuser(
    log: dict[str, Any], root: HttpClient, method: str
) -> None:
    entry = log["role"]
    before = (LogEntry.objects.count(), entry.changes, entry.object_repr)
    send = getattr(root, method)
    for url in (ADD, change_url(entry), delete_url(entry)):
        assert send(url, {"object_repr": "forged", "post": "yes"}).status_code == 403, url
    bulk = {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    assert send(LIST, bulk).status_code == 405
    entry.refresh_from_db()
    assert (LogEntry.objects.count(), entry.changes, entry.object_repr) == before


def test_the_list_has_no_actions_and_the_entry_no_save_button(
    log: dict[str, Any], root: HttpClient
) -> None:
    assert 'name="action"' not in root.get(LIST).content.decode()
    page = root.get(change_url(log["role"])).content.decode()
    assert 'name="_save"' not in page and "Delete" not in page.split('id="content"')[1]
    assert root.get(delete_url(log["role"])).status_code == 403


def test_partner_users_never_reach_the_log(log: dict[str, Any], personas: Personas) -> None:
    for name in ("alice", "bob", "carol"):
        http = personas.client_for(name)
        for url in (LIST, change_url(log["role"])):
            response = http.get(url)
            assert response.status_code == 302 and response["Location"].startswith(
                reverse("admin:login")
            )


def test_staff_read_the_log_only_with_its_view_permission(log: dict[str, Any]) -> None:
    clerk = UserFactory(email="clerk@vendor.example", is_staff=True)
    http = HttpClient()
    assert http.login(username=clerk.username, password=PASSWORD)
    assert http.get(LIST).status_code == 403
    assert http.post(LIST).status_code == 403
    log_type = ContentType.objects.get_for_model(LogEntry)
    clerk.user_permissions.add(
        Permission.objects.get(content_type=log_type, codename="view_logentry")
    )
    assert http.get(LIST).status_code == 200
    assert http.get(change_url(log["role"])).status_code == 200
    assert http.post(change_url(log["role"])).status_code == 403


# --- the shared pieces ----------------------------------------------------------------------


def test_a_masked_value_shows_only_whether_it_was_set() -> None:
    assert mask("pbkdf2_sha256$1000000$salt$hash") == MASK
    assert mask("None") == "None" and mask("") == ""


def test_acting_as_names_the_actor_and_gives_the_surrounding_one_back(personas: Personas):
    alice, bob = personas.alice.user, personas.bob.user
    with set_actor(alice, remote_addr="198.51.100.7"), recorded() as written:
        with acting_as(bob):
            first = PartnerFactory(name="By Bob")
        second = PartnerFactory(name="By Alice")
        with acting_as(None):
            third = PartnerFactory(name="Still Alice")
    assert only_entry(written, first).actor == bob
    assert only_entry(written, first).remote_addr == "198.51.100.7"
    assert only_entry(written, second).actor == alice
    assert only_entry(written, third).actor == alice


def test_an_entry_carries_the_request_id_of_the_logs_bounded() -> None:
    structlog.contextvars.bind_contextvars(request_id="r" * 300)
    try:
        assert correlation_id() == "r" * 255
        with recorded() as written:
            partner = PartnerFactory(name="Logged")
    finally:
        structlog.contextvars.clear_contextvars()
    assert only_entry(written, partner).cid == "r" * 255
    assert correlation_id() is None


@pytest.mark.parametrize(
    ("proxies", "expected"), [(0, "127.0.0.1"), (1, "192.0.2.10")], ids=["direct", "one-proxy"]
)
def test_an_entry_records_the_client_address_the_portal_trusts(
    personas: Personas, proxies: int, expected: str
) -> None:
    alice = personas.client_for("alice")
    url = reverse("partners:settings-team-role", args=[personas.bob.pk])
    with override_settings(TRUSTED_PROXY_COUNT=proxies), recorded() as written:
        response = alice.post(
            url,
            {"role": "super_admin"},
            HTTP_X_FORWARDED_FOR="203.0.113.66, 192.0.2.10",
            HTTP_X_FORWARDED_PORT="4444",
        )
    assert response.status_code == 302
    entry = only_entry(written, personas.bob)
    assert entry.remote_addr == expected and entry.remote_port is None


def test_an_entry_of_a_request_is_filed_under_its_request_id(personas: Personas) -> None:
    alice = personas.client_for("alice")
    url = reverse("partners:settings-team-role", args=[personas.bob.pk])
    with recorded() as written:
        response = alice.post(url, {"role": "super_admin"})
    entry = only_entry(written, personas.bob)
    assert entry.cid and entry.cid == response["X-Request-ID"]
