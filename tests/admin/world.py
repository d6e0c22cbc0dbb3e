"""The rows and users of the admin permission walk: one row of every registered model, staff
users with no permission and with every view permission, and what the walk's writes send."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.test import Client as HttpClient
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from import_export.admin import ExportMixin, ImportMixin
from rest_framework.authtoken.models import Token

from clients.models import (
    AccountMetrics,
    Client,
    Deal,
    ManagedAssignment,
    MrrRecord,
    Renewal,
    SavedReport,
    StaticList,
    StaticListMember,
)
from commissions.models import CommissionLine, CommissionPayment, MonthEndRate
from partners.models import (
    ApiToken,
    BetaFeature,
    BetaOptIn,
    Invitation,
    Partner,
    PartnerManagerContact,
    UserSession,
)
from points.models import DailySnapshot, LedgerEntry
from program.models import FxRate, RuleStatus, Tier
from recompute.models import RecomputeRun
from tests.conftest import Personas
from tests.factories import DealFactory, UserFactory
from tiers.models import TierReview, TierReviewResult, TierStanding

# --- one row of everything, and the users ---------------------------------------------------


def csv_bytes(rows: list[list[str]]) -> bytes:
    """``rows`` as a CSV file."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


@dataclass
class World:
    """One row of every registered model, the users, and what the write requests send."""

    personas: Personas
    users: dict[str, Any]  # none, viewer and superuser
    client: Client
    day: date
    #: per import admin: a file of rows that do not exist yet
    new_rows: dict[type[Model], bytes] = field(default_factory=dict)
    #: per import admin: the confirmation a superuser's dry run of ``new_rows`` returned
    confirmations: dict[type[Model], dict[str, str]] = field(default_factory=dict)
    #: per export admin: the export form, every field ticked, as CSV
    export_forms: dict[type[Model], dict[str, str]] = field(default_factory=dict)
    #: per model admin: the actions a superuser is offered, and Django's "delete selected"
    actions: dict[type[Model], list[str]] = field(default_factory=dict)

    def pk(self, model: type[Model]) -> str:
        """The id of the first row of ``model``, as its admin URLs take it."""
        row = model._default_manager.order_by("pk").first()
        assert row is not None, f"no {model._meta.label} row: add one to the world fixture"
        return str(row.pk)

    def http(self, persona: str) -> HttpClient:
        """An HTTP client signed in as ``persona`` (none, viewer or superuser)."""
        http = HttpClient()
        http.force_login(self.users[persona])
        return http


def program_rows(personas: Personas, client: Client, day: date) -> None:
    """A row of every program model that the migrations do not ship."""
    tier, lower = Tier.objects.order_by("-rank")[0], Tier.objects.order_by("rank")[0]
    partner, user = personas.acme, personas.alice.user
    deal = DealFactory(partner=partner, client=client, created_on=day, closed_on=day)
    PartnerManagerContact.objects.create(name="Pat Manager", email="pat@vendor.example")
    MrrRecord.objects.create(client=client, date=day, mrr=Decimal("1000"))
    ManagedAssignment.objects.create(partner=partner, client=client, start=day)
    Renewal.objects.create(client=client, date=day + timedelta(days=30))
    LedgerEntry.objects.create(
        partner=partner,
        client=client,
        deal=deal,
        track="sold",
        kind="deal_won",
        points=Decimal("50"),
        effective_on=day,
        expires_on=day + timedelta(days=365),
        idempotency_key="walk-deal-won",
    )  # the database adds its pair balance
    DailySnapshot.objects.create(
        partner=partner, date=day, sold=Decimal("50"), managed=Decimal(0), total=Decimal("50")
    )
    TierStanding.objects.create(
        partner=partner,
        date=day,
        sold=Decimal("50"),
        managed=Decimal(0),
        total=Decimal("50"),
        performance_tier=tier,
        credited_tier=tier,
    )
    review = TierReview.objects.create(date=day - timedelta(days=90))
    TierReviewResult.objects.create(
        review=review,
        partner=partner,
        tier=tier,
        previous_tier=lower,
        sold=Decimal("50"),
        managed=Decimal(0),
    )
    MonthEndRate.objects.create(currency="EUR", month=date(2026, 1, 1), per_100_usd=Decimal(92))
    payment = CommissionPayment.objects.create(
        partner=partner,
        quarter_start=date(2026, 1, 1),
        scheduled_on=date(2026, 5, 15),
        currency="USD",
        amount=Decimal("200"),
    )
    CommissionLine.objects.create(
        partner=partner,
        client=client,
        month=date(2026, 1, 1),
        mrr=Decimal("1000"),
        mrr_currency="USD",
        share=Decimal("0.2000"),
        fx_per_100_usd=Decimal("100"),
        amount=Decimal("200"),
        currency="USD",
        payment=payment,
        idempotency_key="walk-commission",
    )
    static_list = StaticList.objects.create(partner=partner, name="Walked list")
    StaticListMember.objects.create(list=static_list, client=client)
    SavedReport.objects.create(
        partner=partner, created_by=user, name="Walked", kind="new_sold", start=day, end=day
    )
    BetaOptIn.objects.create(
        feature=BetaFeature.objects.order_by("pk")[0],
        partner=partner,
        user=user,
        terms_accepted_at=timezone.now(),
    )
    ApiToken.objects.create(user=user, name="CI", prefix="walk01", key_digest="0" * 64)
    Invitation.objects.create(
        partner=partner,
        email="walked-invitee@example.test",
        role="user",
        invited_by=user,
        nonce="walk",
        sent_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=7),
    )
    UserSession.objects.create(user=user, session_key="walked-session")
    AccountMetrics.objects.create(partner=partner, on=day, sourced_mrr_12m=Decimal("1000"))
    RecomputeRun.objects.create(on=day, status=RecomputeRun.Status.FINISHED)
    FxRate.objects.create(
        currency="JPY", per_100_usd=Decimal("15000"), effective_from=day, status=RuleStatus.DRAFT
    )  # a draft for "publish" to publish


def other_apps_rows(user: AbstractBaseUser) -> None:
    """A row of every model that the other installed apps register in admin."""
    Group.objects.create(name="Walked group")
    seen = {"user_agent": "walk", "ip_address": "10.0.0.1", "username": "x", "http_accept": "*/*"}
    AccessAttempt.objects.create(
        **seen, path_info="/", get_data="", post_data="", failures_since_start=1
    )
    AccessLog.objects.create(**seen, path_info="/")
    AccessFailureLog.objects.create(**seen, path_info="/")
    interval = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS)
    CrontabSchedule.objects.create(minute="0", hour="3")
    SolarSchedule.objects.create(event="sunrise", latitude=Decimal(0), longitude=Decimal(0))
    ClockedSchedule.objects.create(clocked_time=timezone.now())
    # No such task: a "run selected tasks" let through would find nothing to run.
    PeriodicTask.objects.create(name="walked", task="walk.no_such_task", interval=interval)
    Token.objects.create(user=user)


def new_rows(personas: Personas, client: Client) -> dict[type[Model], bytes]:
    """Per import admin, a file of rows that do not exist yet (so an import would add them)."""
    partner = personas.acme.name
    return {
        Partner: csv_bytes(
            [
                ["name", "external_id", "country", "payout_currency", "certified_until"],
                ["Walked Partner", "WALK-1", "US", "USD", "2030-01-31"],
            ]
        ),
        Client: csv_bytes(
            [["name", "domain", "country", "currency"], ["Walked", "walked.example", "US", "USD"]]
        ),
        MrrRecord: csv_bytes(
            [["client_domain", "date", "mrr"], [client.domain, "2024-02-01", "10"]]
        ),
        Deal: csv_bytes(
            [
                ["partner", "client_domain", "deal_type", "mrr", "stage", "created_on"],
                [partner, client.domain, "assisted", "10", "created", "2024-02-01"],
            ]
        ),
        ManagedAssignment: csv_bytes(
            [["partner", "client_domain", "start"], [partner, client.domain, "2024-02-01"]]
        ),
        Renewal: csv_bytes(
            [
                ["client_domain", "date", "status"],
                [client.domain, "2024-02-01", Renewal.Status.UPCOMING],
            ]
        ),
    }


def _view_permissions() -> list[Permission]:
    """The view permission of every registered model (proxies have their own)."""
    permissions = []
    for model in admin.site._registry:
        content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
        codename = f"view_{model._meta.model_name}"
        permissions.append(Permission.objects.get(content_type=content_type, codename=codename))
    return permissions


def url_of(model: type[Model], view: str, *args: str) -> str:
    """The URL of one of ``model``'s admin views."""
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def staff_users() -> dict[str, Any]:
    """Staff without permissions, staff who may view every registered model, a superuser."""
    viewer = UserFactory(email="viewer@vendor.example", is_staff=True)
    viewer.user_permissions.set(_view_permissions())
    return {
        "none": UserFactory(email="nobody@vendor.example", is_staff=True),
        "viewer": viewer,
        "superuser": UserFactory(email="root@vendor.example", is_staff=True, is_superuser=True),
    }


def prepare_writes(world: World) -> None:
    """What the walk's POSTs send, as a superuser's pages offer it: each admin's actions, each
    import's confirmation of a dry run of new rows, each export's form."""
    root = world.http("superuser")
    request = RequestFactory().get("/")
    request.user = world.users["superuser"]
    for model, model_admin in admin.site._registry.items():
        world.actions[model] = sorted({*model_admin.get_actions(request), "delete_selected"})
        if isinstance(model_admin, ImportMixin):
            assert model in world.new_rows, f"no file of new rows for {model._meta.label}"
            upload = SimpleUploadedFile("walk.csv", world.new_rows[model])
            preview = root.post(
                url_of(model, "import"), {"resource": "0", "format": "0", "import_file": upload}
            )
            form = preview.context["confirm_form"]
            assert form is not None, preview.context.get("row_error_list")
            world.confirmations[model] = {name: str(value) for name, value in form.initial.items()}
        if isinstance(model_admin, ExportMixin):
            fields = root.get(url_of(model, "export")).context["form"].fields
            options = ("resource", "format", "export_items")
            ticked = {name: "on" for name in fields if name not in options}
            world.export_forms[model] = {**ticked, "resource": "0", "format": "0"}
