"""What every ``/api/v1/`` endpoint shares: pagination, the CSV and XLSX answers of list
endpoints, strict input fields and filters, figure fields, and the documented errors.
``partners.api`` builds the partner-scoped views on them (authentication, scope, throttling):

- Authentication: a personal API token (``Authorization: Token <key>``) or the browser
  session (which DRF checks for a CSRF token on unsafe methods).
- Scope: ``IsPartnerMember`` sets ``request.partner``; every read goes through a selector
  that takes ``partner=``, so another partner's object answers 404.
- Throttling: token clients only, per user, at ``DEFAULT_THROTTLE_RATES["api"]``; an
  exceeded rate answers 429 with ``Retry-After``.
- Lists: page-number pagination over a stable order; ``?format=csv`` or ``?format=xlsx``
  answers every filtered row (not one page) as a streamed download through
  ``core.exports``, so cells that a spreadsheet would run as formulas are
  neutralised.
- Ids and pages: one strict grammar (``core.ids``): a path id that is not 1 to 19
  ASCII digits for a number from 1 to 2**62 answers 404, a malformed ``?page=``,
  ``?page_size=`` or id filter answers 400 naming it; a page past the last answers 404.
- Bodies: JSON only, at most ``MAX_BODY_BYTES`` (1 MiB) and ``MAX_DEPTH`` (32) levels of
  nesting (``core.parsers``), else 400; a field an operation does not know
  answers 400 under its name (``StrictInputSerializer``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP
from functools import partial
from typing import Any, cast

import django_filters
from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

from core import figures
from core.ids import ID_MESSAGE, MAX_ID, IdFormField, InvalidParameter, parse_id, query_page
from core.parsers import MAX_BODY_BYTES, MAX_DEPTH

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


class ApiPagination(PageNumberPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_number(self, request: Request, paginator: Any = None) -> int:
        """The page asked for: 1 if left out; 400 unless a whole number from 1 (in ASCII
        digits); a page past the last is a 404 when the page is read."""
        try:
            return query_page(request.query_params, self.page_query_param)
        except InvalidParameter as error:
            raise exceptions.ValidationError({error.name: [error.message]}) from None

    def get_page_size(self, request: Request) -> int:
        """Rows per page: ``PAGE_SIZE`` if left out, at most ``MAX_PAGE_SIZE`` (a larger number
        is capped); 400 unless a whole number from 1."""
        name = self.page_size_query_param
        if name not in request.query_params:
            return self.page_size
        number = parse_id(request.query_params[name])
        if number is None:
            raise exceptions.ValidationError({name: [ID_MESSAGE]})
        return min(number, self.max_page_size)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"].update(minimum=1, maximum=MAX_ID)
            if parameter["name"] == self.page_query_param:
                parameter["description"] = (
                    "A page number from 1 (a malformed one answers 400, one past the last 404)."
                )
            else:
                parameter["description"] = (
                    f"Rows per page: {PAGE_SIZE} unless given, at most {MAX_PAGE_SIZE} (a larger "
                    "number is capped)."
                )
        return parameters


class CsvRenderer(BaseRenderer):
    """Declares ``text/csv``; list endpoints answer it with a streamed download."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None):
        raise exceptions.NotAcceptable("This endpoint has no CSV form.")  # pragma: no cover


class XlsxRenderer(CsvRenderer):
    """Declares the XLSX media type; list endpoints answer it with a download."""

    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None  # type: ignore[assignment]


class Conflict(exceptions.APIException):
    """409: the request clashes with what exists (such as a name already taken)."""

    status_code = 409
    default_detail = "That clashes with something that exists."
    default_code = "conflict"


# --- strict JSON input fields: a value of the wrong JSON type is refused, not converted ----


class StrictBooleanField(serializers.BooleanField):
    """``true`` or ``false`` only (not 0, 1 or "yes")."""

    def to_internal_value(self, data: Any) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only (not "5", 5.0 or true)."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictDecimalField(serializers.DecimalField):
    """A decimal sent as a JSON string, such as "12.50" (not a JSON number)."""

    default_error_messages = {"not_a_string": 'Send a decimal as a string, such as "12.50".'}

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str):
            self.fail("not_a_string")
        return super().to_internal_value(data)


class StrictRegexField(serializers.RegexField):
    """Text matching a pattern, sent as a JSON string (not a number)."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


# Text with at least one character that is not whitespace (as Python's str.split sees it).
NOT_BLANK = r"[^\s\x1c-\x1f\x85]"


def name_field(max_length: int, **kwargs: Any) -> serializers.RegexField:
    """A name: up to ``max_length`` characters, not all whitespace."""
    return StrictRegexField(
        NOT_BLANK,
        max_length=max_length,
        error_messages={"invalid": "Give it a name."},
        **kwargs,
    )


def object_id(value: Any) -> int:
    """An id from the URL (``core.ids`` grammar); anything else is a 404."""
    number = parse_id(value)
    if number is None:
        raise exceptions.NotFound("Not found.")
    return number


class IdQueryField(serializers.IntegerField):
    """An id in a query string, in the strict grammar of ``core.ids`` (DRF's own
    IntegerField would read '𝟙', ' 1' or '1.0' as 1)."""

    default_error_messages = {"invalid": ID_MESSAGE}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        number = parse_id(data)
        if number is None:
            self.fail("invalid")
        return cast(int, number)


class StrictInputSerializer(serializers.Serializer):
    """The base of every serializer that reads a request body: a field it does not know is
    refused (400, ``{"name": ["Unknown field."]}``) rather than silently ignored, alongside
    the messages of the known fields."""

    unknown_field_message = "Unknown field."

    def _unknown(self, data: Any) -> list[str]:
        if not isinstance(data, Mapping):
            return []
        known = {name for name, field in self.fields.items() if not field.read_only}
        return sorted(str(name) for name in data if name not in known)

    def to_internal_value(self, data: Any) -> Any:
        unknown = {name: [self.unknown_field_message] for name in self._unknown(data)}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if unknown and isinstance(error.detail, dict):
                raise serializers.ValidationError({**unknown, **error.detail}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class StrictInputSchema(OpenApiSerializerExtension):
    """A ``StrictInputSerializer`` in the schema: an object with no additional properties."""

    target_class = StrictInputSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        schema["additionalProperties"] = False
        return schema


def id_parameter(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, OpenApiParameter.PATH, description=description)


# --- documented errors ---------------------------------------------------------------------

_DETAIL = inline_serializer("ErrorDetail", fields={"detail": serializers.CharField()})
FIELD_ERRORS = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description=(
        "Bad input: an object with one list of messages per invalid field or query parameter "
        "(`non_field_errors` for a problem of the whole request), such as a malformed `page`, "
        "or a body field the operation does not know (`Unknown field.`). A body that is not "
        f"JSON, is larger than {MAX_BODY_BYTES} bytes or nests arrays and objects more than "
        f"{MAX_DEPTH} levels deep answers `detail` instead."
    ),
)


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The error answers of an operation: always 400, 401, 403, 404 and 429, plus ``codes``."""
    described = {
        400: FIELD_ERRORS,
        401: OpenApiResponse(_DETAIL, description="No credentials, or a wrong or revoked token."),
        403: OpenApiResponse(
            _DETAIL,
            description=(
                "Not a member of a partner organisation, a session without CSRF token, or a "
                "delete of a list or report that neither the caller made nor is a super admin."
            ),
        ),
        404: OpenApiResponse(
            _DETAIL,
            description=(
                "No such object among the caller's partner's (an id that is not 1 to 19 ASCII "
                "digits included), or a page past the last."
            ),
        ),
        409: OpenApiResponse(
            response=OpenApiTypes.OBJECT,
            description="The name is taken: an object with the message under `name`.",
        ),
        429: OpenApiResponse(
            _DETAIL,
            description="Too many requests with this API token; retry after `Retry-After` seconds.",
        ),
    }
    wanted = {400, 401, 403, 404, 429, *codes}
    return {code: described[code] for code in sorted(wanted)}


# --- the base views ------------------------------------------------------------------------


def query_dict(request: Request) -> dict[str, str]:
    """The query string as a plain dict (the last value of a repeated name).

    Serializers read a QueryDict as a form and take an empty value as left out; read as a
    dict, ``?start=`` is refused like any other malformed value.
    """
    return {name: request.query_params[name] for name in request.query_params}


class StrictFilterSet(django_filters.FilterSet):
    """A FilterSet that refuses a filter given with an empty value (``?stage=``)."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name in self.filters:
            if name in self.data and self.data.get(name) == "":
                self.form.add_error(name, "Give a value, or leave the parameter out.")
                valid = False
        return valid


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.Filter):
    """An id filter in the strict grammar of ``core.ids`` (anything else is a 400 on
    that parameter)."""

    field_class = IdFormField


@extend_schema_field(OpenApiTypes.BOOL)
class BooleanFilter(django_filters.TypedChoiceFilter):
    """``true`` or ``false``, exactly (anything else is a 400 on that parameter)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("choices", [("true", "true"), ("false", "false")])
        kwargs.setdefault("coerce", lambda value: value == "true")
        super().__init__(*args, **kwargs)


Column = tuple[str, Callable[[Any], Any]]


def cell(value: Any) -> Any:
    """A time of day in the program's time zone, without the zone (spreadsheets have none)."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def attr(path: str) -> Callable[[Any], Any]:
    """A column reader: the value at a dotted attribute path (None past a missing link)."""

    def read(item: Any) -> Any:
        value = item
        for name in path.split("."):
            if value is None:
                return None
            value = getattr(value, name)
        return value() if callable(value) else value

    return read


def decimal(places: int = 2, **kwargs: Any) -> serializers.DecimalField:
    """A read-only Decimal, as a string with ``places`` decimal places."""
    return serializers.DecimalField(
        max_digits=24, decimal_places=places, rounding=ROUND_HALF_UP, read_only=True, **kwargs
    )


class FigureField(serializers.DecimalField):
    """A read-only points figure as shown (``core.figures.shown``): a string with 2
    places, rounded half-up from the exact value, the digits the pages and exports show."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            max_digits=24, decimal_places=figures.PLACES, rounding=ROUND_HALF_UP, **kwargs
        )

    def to_representation(self, value: Any) -> str:
        return f"{figures.shown(value):f}"


class ShownTotalField(FigureField):
    """A total beside its parts: the sum of the parts (attributes of the object) as shown."""

    def __init__(self, *, parts: Sequence[str], **kwargs: Any) -> None:
        self.parts = tuple(parts)
        super().__init__(source="*", **kwargs)

    def to_representation(self, value: Any) -> str:
        read: Callable[[str], Any] = (
            value.__getitem__ if isinstance(value, Mapping) else partial(getattr, value)
        )
        return f"{figures.shown_sum(read(part) for part in self.parts):f}"


def figure(**kwargs: Any) -> FigureField:
    """A read-only points figure field (2 places, half-up, as every surface shows it)."""
    return FigureField(read_only=True, **kwargs)


def shown_total(*parts: str, **kwargs: Any) -> ShownTotalField:
    """A read-only total of ``parts`` as shown, e.g. ``shown_total("sold", "managed")``."""
    return ShownTotalField(parts=parts, read_only=True, **kwargs)


def figure_column(path: str) -> Callable[[Any], Any]:
    """An export column reader for a points figure: the value at ``path`` as shown."""
    read = attr(path)

    def read_figure(item: Any) -> Any:
        return figures.shown_or_none(read(item))

    return read_figure
