"""Forms of the client record, static lists and report actions."""

from __future__ import annotations

from typing import Any

from django import forms

from clients.services import NAME_MAX
from core.exports import FORMATS
from program.models import Track


class NameForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX, strip=True)

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError("Give it a name.")
        return name


class ListAddForm(forms.Form):
    """Add a report's clients to an existing list (``list``) or a new one (``new_list_name``)."""

    list = forms.IntegerField(required=False, min_value=1, label="Add to an existing list")
    new_list_name = forms.CharField(
        required=False, max_length=NAME_MAX, strip=True, label="Or create a new list"
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        has_list = data.get("list") is not None
        has_name = bool(data.get("new_list_name"))
        if has_list and has_name:
            raise forms.ValidationError("Choose an existing list or name a new one, not both.")
        if not has_list and not has_name:
            raise forms.ValidationError("Choose an existing list or name a new one.")
        return data


class ExportForm(forms.Form):
    name = forms.CharField(max_length=200, strip=True, label="Export name")
    format = forms.ChoiceField(
        choices=[(fmt, fmt.upper()) for fmt in FORMATS], initial="csv", label="File format"
    )


class EntriesFilterForm(forms.Form):
    """The "why did this change?" filter of the client record's ledger entries."""

    track = forms.ChoiceField(
        choices=[("", "Sold and managed"), *Track.choices], required=False, label="Track"
    )
    start = forms.DateField(required=False, label="From")
    end = forms.DateField(required=False, label="To")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError("The start date must be on or before the end date.")
        return data
