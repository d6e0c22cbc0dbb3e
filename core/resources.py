"""django-import-export helpers shared by every app's admin import.

Strict widgets, row errors and the formula guard. A resource exports text as it is stored to a
format that keeps cell types (XLSX, whose writer in ``core.formats`` marks formula-like text
with a quote prefix) and guarded with ``core.exports.csv_guard`` to one that does not (CSV,
whose reader in ``core.formats`` takes the guard off), so an exported file imports unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, Q
from django_countries import countries
from import_export import fields, resources, widgets
from import_export.results import Result

from core.exports import csv_guard
from program.models import FxRate, RuleStatus


class IsoDateWidget(widgets.DateWidget):
    """A date written YYYY-MM-DD (a spreadsheet's own date cells are accepted as they are)."""

    def __init__(self) -> None:
        super().__init__(format=DATE_FORMAT)

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> date | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = str(value).strip()
        try:
            return datetime.strptime(text, DATE_FORMAT).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            raise ValueError(
                f"Enter the date as YYYY-MM-DD, e.g. 2026-01-15 (got {text!r})."
            ) from None


class TextWidget(widgets.CharWidget):
    """Text, stripped; an empty cell is None when ``empty_is_none`` (for unique optional ids)."""

    def __init__(self, *, empty_is_none: bool = False, lower: bool = False) -> None:
        super().__init__(allow_blank=not empty_is_none)
        self.empty_is_none = empty_is_none
        self.lower = lower

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str | None:
        text = "" if value is None else str(value).strip()
        if self.lower:
            text = text.lower()
        if not text and self.empty_is_none:
            return None
        return text


class NumberWidget(widgets.DecimalWidget):
    """A decimal number; ``minimum`` refuses smaller values with ``what`` in the message."""

    def __init__(self, *, what: str = "The value", minimum: Decimal | None = None) -> None:
        super().__init__()
        self.what = what
        self.minimum = minimum

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Decimal | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            number = Decimal(str(value).strip().replace(",", ""))
        except InvalidOperation:
            raise ValueError(f"{self.what} must be a number (got {value!r}).") from None
        if not number.is_finite():
            raise ValueError(f"{self.what} must be a number (got {value!r}).")
        if self.minimum is not None and number < self.minimum:
            raise ValueError(f"{self.what} must not be negative (got {number}).")
        return number


class CountryWidget(widgets.CharWidget):
    """An ISO 3166-1 alpha-2 country code, case-insensitive."""

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        code = "" if value is None else str(value).strip().upper()
        if not code or not countries.alpha2(code):
            raise ValueError(f"Unknown country {code!r}: use an ISO 3166-1 alpha-2 code (US, BR).")
        return code

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return str(value or "")


class CurrencyWidget(widgets.CharWidget):
    """An ISO 4217 currency code that has a published program FX rate."""

    def __init__(self) -> None:
        super().__init__()
        self.known: set[str] | None = None

    def reset(self) -> None:
        self.known = None

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        if self.known is None:
            self.known = {
                code.upper()
                for code in FxRate.objects.filter(status=RuleStatus.PUBLISHED)
                .values_list("currency", flat=True)
                .distinct()
            }
        code = "" if value is None else str(value).strip().upper()
        if code not in self.known:
            raise ValueError(
                f"Unknown currency {code!r}: the program has no FX rate for it "
                "(add one under Program FX rates first)."
            )
        return code


class LookupWidget(widgets.ForeignKeyWidget):
    """A related row found by a natural key (case-insensitive), remembered for the whole file."""

    def __init__(self, model: type[Model], field: str, *, label: str, also: str = "") -> None:
        super().__init__(model, field=field)
        self.label = label
        self.also = also
        self.cache: dict[str, Model] = {}

    def reset(self) -> None:
        self.cache = {}

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Model | None:
        key = "" if value is None else str(value).strip()
        if not key:
            return None
        if key.lower() not in self.cache:
            condition = Q(**{f"{self.field}__iexact": key})
            if self.also:
                condition |= Q(**{self.also: key})
            found = self.model._default_manager.filter(condition).first()
            if found is None:
                raise ValueError(f"No {self.label} {key!r}: import it first.")
            self.cache[key.lower()] = found
        return self.cache[key.lower()]


@dataclass(frozen=True)
class RowError:
    """One problem in an imported file. ``row`` is as a spreadsheet numbers it (header = 1)."""

    row: int
    column: str
    message: str


class ProgramResource(resources.ModelResource):
    """All-or-nothing, natural-keyed imports with row, column and message for every bad row."""

    #: what the natural key is called in a duplicate-key message
    key_label = "key"

    class Meta:
        use_transactions = True
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def import_data(self, dataset: Any, *args: Any, **kwargs: Any) -> Result:
        # Any invalid row rolls back the whole file, not only rows that raised.
        kwargs["rollback_on_validation_errors"] = True
        kwargs["use_transactions"] = True
        return super().import_data(dataset, *args, **kwargs)

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        for field in self.fields.values():
            reset = getattr(field.widget, "reset", None)
            if reset is not None:
                reset()
        self.duplicate_of: dict[int, int] = {}
        first_row: dict[tuple[Any, ...], int] = {}
        for number, row in enumerate(dataset.dict, 1):
            key = self.natural_key(row)
            if key is None:
                continue
            if key in first_row:
                self.duplicate_of[number] = first_row[key]
            else:
                first_row[key] = number

    def natural_key(self, row: dict[str, Any]) -> tuple[Any, ...] | None:
        """The row's natural key, or None if a key column is missing or bad (reported later)."""
        try:
            key = tuple(self.fields[name].clean(row) for name in self.get_import_id_fields())
        except (ValueError, KeyError):
            return None
        if any(part in (None, "") for part in key):
            return None
        return tuple(part.lower() if isinstance(part, str) else part for part in key)

    def get_instance(self, instance_loader: Any, row: dict[str, Any]) -> Model | None:
        try:
            return super().get_instance(instance_loader, row)
        except ValueError:
            return None  # the bad key value is reported against its column by import_instance

    def import_instance(self, instance: Model, row: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, Any] = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        first = getattr(self, "duplicate_of", {}).get(kwargs.get("row_number") or 0)
        if first is not None:
            attribute = self.fields[self.get_import_id_fields()[0]].attribute
            errors.setdefault(attribute, []).append(
                f"Duplicate {self.key_label}: the same as row {first + 1} of this file."
            )
        if errors:
            raise ValidationError(errors)

    def export_field(self, field: fields.Field, instance: Model, **kwargs: Any) -> Any:
        value = super().export_field(field, instance, **kwargs)
        # Native values go to a format with cell types, which guards text itself; a number
        # rendered as text ("-50.00") is data, not a formula.
        if (
            isinstance(value, str)
            and not kwargs.get("force_native_type")
            and not isinstance(field.widget, widgets.NumberWidget)
        ):
            return csv_guard(value)
        return value


def import_errors(result: Result, resource: resources.Resource) -> list[RowError]:
    """Every error of an import as (row, column, message), in file order."""
    columns = {f.attribute: f.column_name for f in resource.fields.values() if f.attribute}
    found = [RowError(0, "", str(error.error)) for error in result.base_errors]
    for number, errors in result.row_errors():
        found.extend(RowError(number + 1, "", str(error.error)) for error in errors)
    for invalid in result.invalid_rows:
        for attribute, messages in invalid.field_specific_errors.items():
            column = columns.get(attribute, attribute)
            found.extend(RowError(invalid.number + 1, column, str(m)) for m in messages)
        found.extend(
            RowError(invalid.number + 1, "", str(m)) for m in invalid.non_field_specific_errors
        )
    return sorted(found, key=lambda e: (e.row, e.column))


def import_counts(result: Result) -> dict[str, int]:
    """How many rows an import would create, update and skip."""
    totals = result.totals
    return {kind: int(totals.get(kind, 0)) for kind in ("new", "update", "skip")}


def date_field(attribute: str, column: str | None = None) -> fields.Field:
    return fields.Field(
        attribute=attribute, column_name=column or attribute, widget=IsoDateWidget()
    )


def text_field(attribute: str, column: str | None = None, **kwargs: Any) -> fields.Field:
    return fields.Field(
        attribute=attribute, column_name=column or attribute, widget=TextWidget(**kwargs)
    )


DATE_FORMAT = "%Y-%m-%d"
