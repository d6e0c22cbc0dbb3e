"""Django admin permissions, walked URL by URL: staff get only what their permissions allow.

Every route of the admin site is enumerated from the URL resolver under ``admin:`` and needs an
entry in ``EXPECTED`` (``test_every_admin_route_has_an_expectation``): a new admin page or a new
model admin fails the walk until someone decides what it answers. Each route is requested with
GET and with a POST that would write if it were let through (the changelist once per action,
sent as its action form sends it; imports with a file of new rows; confirmations with what a
superuser's dry run returned), as two staff users:

- ``none``, staff without any permission: 403 everywhere except the admin's own pages (index,
  login, logout, password change and its done page, the JavaScript translations), and Django's
  404 for an app index or a "view on site" link that shows nothing;
- ``viewer``, staff who may view every registered model: changelists, change pages, history,
  exports and the rule-change preview answer 200; adds, changes, deletes, imports, actions and
  the custom write pages answer 403 (a list without actions, as the read-only ones are,
  answers an action's POST with the list itself, as Django does).

No request of either may write: every SQL statement of each request is captured and none may
insert, update or delete outside the session table, and the rows of every registered model are
counted before and after the walk. ``test_the_refused_writes_would_write_for_a_superuser`` sends
the same write requests as a superuser, to show that they are real writes, not malformed ones.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from import_export.admin import ImportMixin

from clients.models import Client, Deal, ManagedAssignment, MrrRecord, Renewal
from commissions.models import CommissionPayment
from core.admin import ActionPermissionsMixin, ProgramImportExportMixin
from partners.models import Partner
from program.models import FxRate, PointRate, RuleStatus
from tests.admin.walk import (
    EXPECTED,
    LIVE_ACTIONS,
    LIVE_KINDS,
    PERSONAS,
    admin_routes,
    row_counts,
    send,
    visits,
    walk,
)
from tests.admin.world import (
    World,
    new_rows,
    other_apps_rows,
    prepare_writes,
    program_rows,
    staff_users,
    url_of,
)
from tests.conftest import Personas
from tests.factories import ClientFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas: Personas) -> Iterator[World]:
    """One row of every registered model, the users, and what the walk's POSTs send; removes
    the files that the refused confirmations leave in the import folder."""
    day = timezone.localdate() - timedelta(days=10)
    client = ClientFactory(name="Walked Client", domain="walked-client.example")
    program_rows(personas, client, day)
    other_apps_rows(personas.bob.user)
    world = World(personas, staff_users(), client, day, new_rows=new_rows(personas, client))
    missing = [m._meta.label for m in admin.site._registry if not m._default_manager.exists()]
    assert not missing, f"no row of {missing}: add one to the world fixture"
    prepare_writes(world)
    yield world
    for confirmation in world.confirmations.values():
        Path(tempfile.gettempdir(), confirmation["import_file_name"]).unlink(missing_ok=True)


# --- the walk ---------------------------------------------------------------------------------


def test_every_admin_route_has_an_expectation() -> None:
    kinds = {route.kind for route in admin_routes()}
    assert kinds - EXPECTED.keys() == set(), "admin routes the walk does not know"
    assert EXPECTED.keys() - kinds == set(), "expectations of routes that no longer exist"


def test_import_and_export_permission_codes_are_set() -> None:
    # Unset, django-import-export lets every staff user import and export every model.
    assert settings.IMPORT_EXPORT_IMPORT_PERMISSION_CODE == "add"
    assert settings.IMPORT_EXPORT_EXPORT_PERMISSION_CODE == "view"


def test_every_admin_guards_its_actions_and_every_import_is_the_programs() -> None:
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, ActionPermissionsMixin), model._meta.label
        if isinstance(model_admin, ImportMixin):
            assert isinstance(model_admin, ProgramImportExportMixin), model._meta.label


@pytest.mark.parametrize("persona", PERSONAS)
def test_staff_reach_only_what_their_permissions_allow_and_write_nothing(
    world: World, persona: str
) -> None:
    before = row_counts()
    sent, problems = walk(world, persona)
    assert problems == []
    assert row_counts() == before
    assert sent >= 2 * len(admin_routes())  # a GET and a POST of each, or more


def test_the_refused_writes_would_write_for_a_superuser(world: World) -> None:
    http = world.http("superuser")
    silent = []
    for route in admin_routes():
        for visit in visits(route, world):
            live = route.kind in LIVE_KINDS or visit.note in LIVE_ACTIONS
            if visit.method != "POST" or not live:
                continue
            response, written = send(http, visit)
            if response.status_code not in (200, 302) or not written - {"django_admin_log"}:
                silent.append(f"{visit}: {response.status_code}, wrote {sorted(written)}")
    assert silent == []


# --- import and export ------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_staff_without_add_and_change_cannot_import_clients(world: World, persona: str) -> None:
    http = world.http(persona)
    before = Client.objects.count()
    assert http.get(url_of(Client, "import")).status_code == 403
    upload = SimpleUploadedFile("clients.csv", world.new_rows[Client])
    dry_run = {"resource": "0", "format": "0", "import_file": upload}
    assert http.post(url_of(Client, "import"), dry_run).status_code == 403
    confirm = world.confirmations[Client]
    assert http.get(url_of(Client, "process_import")).status_code == 403
    assert http.post(url_of(Client, "process_import"), confirm).status_code == 403
    assert Client.objects.count() == before
    assert not Client.objects.filter(domain="walked.example").exists()


def test_import_needs_both_add_and_change(world: World) -> None:
    user = UserFactory(email="adder@vendor.example", is_staff=True)
    client_type = ContentType.objects.get_for_model(Client)
    user.user_permissions.set(Permission.objects.filter(content_type=client_type))
    http = HttpClient()
    http.force_login(user)
    assert http.get(url_of(Client, "import")).status_code == 200
    user.user_permissions.remove(Permission.objects.get(codename="change_client"))
    assert http.get(url_of(Client, "import")).status_code == 403
    assert (
        http.post(url_of(Client, "process_import"), world.confirmations[Client]).status_code == 403
    )
    assert not Client.objects.filter(domain="walked.example").exists()


def test_staff_without_the_view_permission_cannot_export(world: World) -> None:
    http = world.http("none")
    url = url_of(Client, "export") + "?format=csv"
    assert http.get(url).status_code == 403
    assert http.post(url, world.export_forms[Client]).status_code == 403


def read_csv(content: bytes) -> list[list[str]]:
    """An exported CSV file's rows."""
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.mark.parametrize("persona", ["viewer", "superuser"])
def test_clients_export_with_the_format_in_the_query_reads_back(world: World, persona: str) -> None:
    http = world.http(persona)
    url = url_of(Client, "export") + "?format=csv"
    page = http.get(url)
    assert page.status_code == 200
    response = http.post(url, world.export_forms[Client])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment")
    rows = read_csv(response.content)
    assert rows[0] == ["name", "domain", "country", "currency"]
    expected = [[c.name, c.domain, c.country.code, c.currency] for c in Client.objects.all()]
    assert sorted(rows[1:]) == sorted(expected)
    assert ["Walked Client", "walked-client.example", "US", "USD"] in rows


def test_export_options_in_the_query_keep_the_filters(world: World) -> None:
    ClientFactory(name="Brazil Co", domain="br.example", country="BR")
    http = world.http("superuser")
    url = url_of(Client, "export") + "?country=BR&format=csv&resource=0"
    response = http.post(url, world.export_forms[Client])
    assert read_csv(response.content)[1:] == [["Brazil Co", "br.example", "BR", "USD"]]


@pytest.mark.parametrize("model", [Partner, Client, MrrRecord, Deal, ManagedAssignment, Renewal])
def test_every_export_page_answers_with_the_format_in_the_query(
    world: World, model: type[Model]
) -> None:
    http = world.http("superuser")
    url = url_of(model, "export") + "?format=csv"
    assert http.get(url).status_code == 200
    response = http.post(url, world.export_forms[model])
    assert response.status_code == 200
    assert len(read_csv(response.content)) >= 2


def test_an_export_with_a_filter_the_list_has_not_goes_back_to_the_list(world: World) -> None:
    http = world.http("superuser")
    response = http.get(url_of(Deal, "export") + "?no_such_field=1")
    assert response.status_code == 302
    assert response["Location"] == url_of(Deal, "changelist") + "?e=1"


# --- what the list pages offer ----------------------------------------------------------------


def test_view_only_staff_are_offered_export_but_no_import_or_write_action(world: World) -> None:
    http = world.http("viewer")
    page = http.get(url_of(Partner, "changelist")).content.decode()
    assert url_of(Partner, "export") in page
    assert url_of(Partner, "import") not in page
    assert reverse("admin:partners_partner_recompute_all") not in page
    assert 'value="recompute_now"' not in page
    payments = http.get(url_of(CommissionPayment, "changelist")).content.decode()
    assert 'value="mark_paid_today"' not in payments
    tasks = http.get(url_of(PeriodicTask, "changelist")).content.decode()
    assert 'value="run_tasks"' not in tasks


def test_a_refused_action_answers_403_and_an_unchosen_one_is_djangos_message(
    world: World,
) -> None:
    payment = CommissionPayment.objects.get()
    form = {"index": "0", "_selected_action": [payment.pk]}
    viewer = world.http("viewer")
    url = url_of(CommissionPayment, "changelist")
    assert viewer.post(url, {**form, "action": "mark_paid_today"}).status_code == 403
    assert viewer.post(url, {**form, "action": ""}).status_code == 200
    root = world.http("superuser")
    assert root.post(url, {**form, "action": ""}).status_code == 302  # "No action selected"
    payment.refresh_from_db()
    assert payment.status == CommissionPayment.Status.SCHEDULED


def test_publishing_rules_needs_the_change_permission_on_every_rule_table(world: World) -> None:
    user = UserFactory(email="rates@vendor.example", is_staff=True)
    point_rate = ContentType.objects.get_for_model(PointRate)
    user.user_permissions.set(Permission.objects.filter(content_type=point_rate))
    http = HttpClient()
    http.force_login(user)
    assert http.get(reverse("admin:program_rule_change")).status_code == 403
    assert http.post(reverse("admin:program_rule_publish")).status_code == 403
    assert FxRate.objects.filter(status=RuleStatus.DRAFT).exists()
