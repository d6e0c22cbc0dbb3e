"""Bulk import and export of clients, MRR history, deals, managed assignments and renewals.

Natural keys: a client by its domain; an MRR record by (client domain, date); a managed
assignment by (partner, client domain, start); a renewal by (client domain, date). A deal has no
external id, so a deal is keyed by (partner, client domain, created_on, deal_type): re-importing
a file updates those deals, and changing one of the four makes a new deal.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from import_export import fields, widgets

from clients.models import Client, Deal, ManagedAssignment, MrrRecord, Renewal
from core.resources import (
    CountryWidget,
    CurrencyWidget,
    LookupWidget,
    NumberWidget,
    ProgramResource,
    date_field,
    text_field,
)
from partners.resources import partner_field


def client_field() -> fields.Field:
    return fields.Field(
        attribute="client",
        column_name="client_domain",
        widget=LookupWidget(Client, "domain", label="client with domain"),
    )


def mrr_field(attribute: str = "mrr", *, signed: bool = False) -> fields.Field:
    return fields.Field(
        attribute=attribute,
        column_name=attribute,
        widget=NumberWidget(what="MRR", minimum=None if signed else Decimal(0)),
    )


class ClientResource(ProgramResource):
    key_label = "client domain"
    name = text_field("name")
    domain = text_field("domain", lower=True)
    country = fields.Field(attribute="country", column_name="country", widget=CountryWidget())
    currency = fields.Field(attribute="currency", column_name="currency", widget=CurrencyWidget())

    class Meta(ProgramResource.Meta):
        model = Client
        name = "Clients"
        import_id_fields = ("domain",)
        fields = ("name", "domain", "country", "currency")

    def get_instance(self, instance_loader: Any, row: dict[str, Any]) -> Client | None:
        domain = str(row.get("domain") or "").strip()
        return Client.objects.filter(domain__iexact=domain).first() if domain else None


class MrrRecordResource(ProgramResource):
    key_label = "client and date"
    client = client_field()
    date = date_field("date")
    mrr = mrr_field()
    tools_used = fields.Field(
        attribute="tools_used", column_name="tools_used", widget=widgets.IntegerWidget()
    )
    products = text_field("products")

    class Meta(ProgramResource.Meta):
        model = MrrRecord
        name = "MRR records"
        import_id_fields = ("client", "date")
        fields = ("client", "date", "mrr", "tools_used", "products")

    def get_queryset(self) -> Any:
        return MrrRecord.objects.select_related("client")


class DealResource(ProgramResource):
    key_label = "deal (partner, client, created_on, deal_type)"
    partner = partner_field()
    client = client_field()
    name = text_field("name")
    deal_type = text_field("deal_type", lower=True)
    mrr = mrr_field()
    stage = text_field("stage", lower=True)
    created_on = date_field("created_on")
    closed_on = date_field("closed_on")
    reversed_on = date_field("reversed_on")
    shared_selling = fields.Field(
        attribute="shared_selling", column_name="shared_selling", widget=widgets.BooleanWidget()
    )

    class Meta(ProgramResource.Meta):
        model = Deal
        name = "Deals"
        import_id_fields = ("partner", "client", "created_on", "deal_type")
        fields = (
            "partner",
            "client",
            "name",
            "deal_type",
            "mrr",
            "stage",
            "created_on",
            "closed_on",
            "reversed_on",
            "shared_selling",
        )

    def get_queryset(self) -> Any:
        return Deal.objects.select_related("partner", "client")


class ManagedAssignmentResource(ProgramResource):
    key_label = "assignment (partner, client, start)"
    partner = partner_field()
    client = client_field()
    start = date_field("start")
    end = date_field("end")

    class Meta(ProgramResource.Meta):
        model = ManagedAssignment
        name = "Managed assignments"
        import_id_fields = ("partner", "client", "start")
        fields = ("partner", "client", "start", "end")

    def get_queryset(self) -> Any:
        return ManagedAssignment.objects.select_related("partner", "client")


class RenewalResource(ProgramResource):
    key_label = "renewal (client, date)"
    client = client_field()
    date = date_field("date")
    products = text_field("products")
    mrr_change = mrr_field("mrr_change", signed=True)
    last_active_employee = text_field("last_active_employee")
    renewal_manager = text_field("renewal_manager")
    status = text_field("status", lower=True)

    class Meta(ProgramResource.Meta):
        model = Renewal
        name = "Renewals"
        import_id_fields = ("client", "date")
        fields = (
            "client",
            "date",
            "products",
            "mrr_change",
            "last_active_employee",
            "renewal_manager",
            "status",
        )

    def get_queryset(self) -> Any:
        return Renewal.objects.select_related("client")
