"""Forms of the Tier pages: the Points Breakdown's filters, sort and export."""

from __future__ import annotations

from django import forms

from core.exports import FORMATS
from tiers.breakdown import BREAKDOWN_SORTS, DEFAULT_SORT

SORT_CHOICES = [
    (f"{prefix}{key}", f"{key} {'descending' if prefix else 'ascending'}")
    for key in BREAKDOWN_SORTS
    for prefix in ("", "-")
]


class BreakdownForm(forms.Form):
    """The query string of the Points Breakdown; every field may be left out."""

    deal_type = forms.ChoiceField(
        label="Deal type",
        required=False,
        choices=[("", "All deal types"), ("sourced", "Sourced"), ("assisted", "Assisted")],
    )
    market_type = forms.ChoiceField(
        label="Market type",
        required=False,
        choices=[
            ("", "All markets"),
            ("growth", "Growth markets"),
            ("standard", "Standard markets"),
        ],
    )
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES)
    export = forms.ChoiceField(
        required=False, choices=[("", "")] + [(fmt, fmt.upper()) for fmt in FORMATS]
    )

    def clean_sort(self) -> str:
        return self.cleaned_data["sort"] or DEFAULT_SORT
