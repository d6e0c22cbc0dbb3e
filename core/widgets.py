"""Form widgets that render long choice lists without a template include per option."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


class Select(forms.Select):
    """``forms.Select`` with the markup of Django's templates, built in Python.

    Django renders each ``<option>`` through its own template include; a country list has
    about 250 of them, which made a page with two such lists spend most of its time there.
    """

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts: list[str] = [
            format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))
        ]
        for group_name, options, _index in widget["optgroups"]:
            rows = format_html_join(
                "",
                '\n  <option value="{}"{}>{}</option>',
                ((str(o["value"]), flatatt(o["attrs"]), o["label"]) for o in options),
            )
            if group_name:
                parts.append(
                    format_html('\n  <optgroup label="{}">{}\n  </optgroup>', group_name, rows)
                )
            else:
                parts.append(rows)
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part is escaped by format_html
