"""Ids and page numbers read from URLs, query strings, form fields and the command line.

One grammar for every route and parameter: ASCII decimal digits only, at most 19 of them, for
a number from 1 to ``MAX_ID`` (2**62). Python's ``int()`` would also take Unicode digits
(``'𝟙'``, ``'٣'``), surrounding whitespace, underscores and signs, and ``str.isdigit()`` is true
for digits ``int()`` refuses (``'¹'``); so a malformed id could either crash a view (500) or
alias another object (``DELETE /lists/𝟙/`` deleting list 1). Here none of them is a number:

- a path segment that is not an id answers 404 (``id_or_404``), like an id nobody has;
- a query parameter that is not one answers 400 naming the parameter (``InvalidParameter``,
  raised by ``query_id`` and ``query_page``; ``checks_query`` answers it as the 400 page); a
  page past the last may still answer as the paginator does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import wraps
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from core.errors import error_response

MAX_ID = 2**62
# re's \d would match every Unicode decimal digit; [0-9] is ASCII only, and fullmatch (unlike
# match with $) refuses a trailing newline.
_DIGITS = re.compile(r"[0-9]{1,19}")
ID_MESSAGE = f"A whole number from 1 to {MAX_ID}, in the digits 0-9 only."

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponseBase])


class InvalidParameter(BadRequest):
    """A query parameter given but malformed: a 400 whose message names the parameter.

    A Django ``BadRequest``, so one that no view catches is still a 400, never a 500.
    """

    def __init__(self, name: str, message: str = ID_MESSAGE) -> None:
        super().__init__(f"Invalid {name!r}: {message}")
        self.name = name
        self.message = message


def parse_whole_number(value: object, *, minimum: int = 0, maximum: int = MAX_ID) -> int | None:
    """``value`` as a whole number from ``minimum`` to ``maximum``, or None.

    A string counts only if it is 1 to 19 ASCII digits and nothing else (no sign, space,
    underscore or other digit); an ``int`` (from Django's ``<int:...>`` converter) only if in
    range; anything else (``bool``, ``float``, None) never.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if minimum <= number <= maximum else None


def parse_id(value: object) -> int | None:
    """An object id (1 to ``MAX_ID``) spelled in ASCII digits, or None."""
    return parse_whole_number(value, minimum=1)


def id_or_404(value: object) -> int:
    """An id from the URL; anything that is not one answers 404, like an id nobody has."""
    number = parse_id(value)
    if number is None:
        raise Http404("No such object.")
    return number


def query_id(query: Mapping[str, Any], name: str) -> int | None:
    """The id in query parameter ``name``: None if left out, ``InvalidParameter`` if malformed
    (an empty value included)."""
    if name not in query:
        return None
    number = parse_id(query.get(name))
    if number is None:
        raise InvalidParameter(name)
    return number


def query_page(query: Mapping[str, Any], name: str = "page") -> int:
    """The page number in query parameter ``name``: 1 if left out, ``InvalidParameter`` if it is
    not a whole number from 1 (a page past the last is left to the paginator)."""
    number = query_id(query, name)
    return 1 if number is None else number


def bad_parameter_response(request: HttpRequest, error: InvalidParameter) -> HttpResponse:
    """The 400 page of a page whose query string has a malformed parameter, naming it."""
    return error_response(request, 400, str(error))


def checks_query(*names: str) -> Callable[[ViewFunc], ViewFunc]:
    """A view decorator: the query parameters ``names`` must be well-formed ids or page numbers.

    They are checked before the view runs, so a malformed one answers the 400 page (naming it)
    before any write; an ``InvalidParameter`` the view raises itself answers the same way.
    """

    def decorate(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                for name in names:
                    query_id(request.GET, name)
                return view(request, *args, **kwargs)
            except InvalidParameter as error:
                return bad_parameter_response(request, error)

        return wrapper  # type: ignore[return-value]

    return decorate


class IdFormField(forms.Field):
    """A form field holding an id in the same strict grammar (for query-string filters)."""

    default_error_messages = {"invalid": ID_MESSAGE}

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        number = parse_id(value)
        if number is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return number
