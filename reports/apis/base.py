"""What the clients API's endpoints share: path parameters, responses, the per-client report
rows' columns, and the checks of names and client ids in a request body."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from core.api import Conflict, attr, id_parameter
from partners.models import Partner
from reports.selectors import own_client_ids

CLIENT_ID = id_parameter("client_id", "A client of the caller's partner.")
LIST_ID = id_parameter("list_id", "A static list of the caller's partner.")
REPORT_ID = id_parameter("report_id", "A saved report of the caller's partner.")
DELETED = OpenApiResponse(description="Done; no content.")
REPORT_ROW_COLUMNS: list[tuple[str, Any]] = [
    ("Client ID", attr("client_id")),
    ("Client", attr("client_name")),
    ("Value", attr("value")),
    ("Entries", attr("entries")),
]


def name_taken(error: DjangoValidationError) -> Conflict:
    """A list name already taken (the serializer has refused empty and long names)."""
    return Conflict({"name": error.messages})


def bad_name(error: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError({"name": error.messages})


def check_client_ids(partner: Partner, client_ids: list[int]) -> list[int]:
    """The ids, if every one is a client of ``partner``; else a 400 naming the others."""
    foreign = sorted(set(client_ids) - own_client_ids(partner=partner, client_ids=client_ids))
    if foreign:
        listed = ", ".join(str(i) for i in foreign[:20])
        more = f" and {len(foreign) - 20} more" if len(foreign) > 20 else ""
        raise serializers.ValidationError(
            {"client_ids": [f"Not clients of your organisation: {listed}{more}."]}
        )
    return client_ids
