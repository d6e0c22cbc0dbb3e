"""Bulk import and export (django-import-export) of partners and certifications, built on
``core.resources``.

Every import is keyed by natural keys (a partner's name or external id, a client's domain), so
the same file imported twice creates nothing new; it is all-or-nothing (any bad row rolls the
whole file back) and reports each bad row with its row number, column and a message.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model
from import_export import fields, widgets

from core.resources import (
    CountryWidget,
    CurrencyWidget,
    LookupWidget,
    ProgramResource,
    TextWidget,
    date_field,
    text_field,
)
from partners.models import Partner, PartnerManagerContact

# --- widgets: each bad value raises ValueError with a message for the row's error list ---------


# --- the shared base resource ------------------------------------------------------------------


def partner_field(column: str = "partner") -> fields.Field:
    return fields.Field(
        attribute="partner",
        column_name=column,
        widget=LookupWidget(
            Partner, "name", label="partner named or with external id", also="external_id"
        ),
    )


# --- partners and certifications ---------------------------------------------------------------


class PartnerResource(ProgramResource):
    """Partners by name; a row with an external id finds its partner by that id first."""

    key_label = "partner name"
    name = text_field("name")
    external_id = text_field("external_id", empty_is_none=True)
    country = fields.Field(attribute="country", column_name="country", widget=CountryWidget())
    payout_currency = fields.Field(
        attribute="payout_currency", column_name="payout_currency", widget=CurrencyWidget()
    )
    certified_until = date_field("certified_until")
    elite_invited = fields.Field(
        attribute="elite_invited", column_name="elite_invited", widget=widgets.BooleanWidget()
    )
    pdm = fields.Field(
        attribute="pdm",
        column_name="pdm_email",
        widget=LookupWidget(PartnerManagerContact, "email", label="Partner Development Manager"),
    )

    class Meta(ProgramResource.Meta):
        model = Partner
        name = "Partners"
        import_id_fields = ("name",)
        fields = (
            "name",
            "external_id",
            "country",
            "payout_currency",
            "certified_until",
            "elite_invited",
            "pdm",
        )

    def get_queryset(self) -> Any:
        return Partner.objects.select_related("pdm")

    def get_instance(self, instance_loader: Any, row: dict[str, Any]) -> Model | None:
        external_id = str(row.get("external_id") or "").strip()
        if external_id:
            found = Partner.objects.filter(external_id=external_id).first()
            if found is not None:
                return found
        name = str(row.get("name") or "").strip()
        return Partner.objects.filter(name__iexact=name).first() if name else None


class CertificationResource(ProgramResource):
    """Solutions Partner certifications: each row sets an existing partner's valid-until date."""

    key_label = "partner"
    name = fields.Field(attribute="name", column_name="partner", widget=TextWidget(), readonly=True)
    certified_until = date_field("certified_until")

    class Meta(ProgramResource.Meta):
        model = Partner
        name = "Certifications"
        import_id_fields = ("name",)
        fields = ("name", "certified_until")

    def get_instance(self, instance_loader: Any, row: dict[str, Any]) -> Model | None:
        name = str(row.get("partner") or "").strip()
        return Partner.objects.filter(name__iexact=name).first() if name else None

    def get_or_init_instance(self, instance_loader: Any, row: dict[str, Any]) -> tuple[Model, bool]:
        instance = self.get_instance(instance_loader, row)
        if instance is None:
            raise ValidationError(
                {"name": f"No partner named {row.get('partner')!r}: import the partners first."}
            )
        return instance, False
