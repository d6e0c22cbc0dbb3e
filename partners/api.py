"""The partner-scoped API views every app's endpoints build on: token or session, a member of a
partner, throttled per token."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from django.db.models import QuerySet
from django.http import HttpResponseBase
from django.utils import timezone
from django.utils.text import slugify
from rest_framework import exceptions, serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import BasePagination
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from core.api import ApiPagination, Column, CsvRenderer, XlsxRenderer, cell, query_dict
from core.exports import FORMATS, export_response
from core.parsers import BoundedJSONParser
from partners.authentication import ApiTokenAuthentication, IsPartnerMember
from partners.models import Partner
from partners.tenancy import PartnerApiRequest


class ApiTokenRateThrottle(SimpleRateThrottle):
    """Rate-limits requests authenticated by an API token, per user; sessions are not limited."""

    scope = "api"

    def get_rate(self) -> str | None:
        # Read the setting on each request so that an override (in tests) applies at once.
        return cast("str | None", api_settings.DEFAULT_THROTTLE_RATES.get(self.scope))

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.successful_authenticator, ApiTokenAuthentication):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class PartnerApi(GenericAPIView):
    """The base of every partner endpoint: who may call it, and ``self.partner``."""

    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsPartnerMember]
    throttle_classes = [ApiTokenRateThrottle]
    renderer_classes = [JSONRenderer]
    parser_classes = [BoundedJSONParser]
    pagination_class: type[BasePagination] | None = None
    request: PartnerApiRequest

    @property
    def partner(self) -> Partner:
        return self.request.partner

    @property
    def today(self) -> Any:
        return timezone.localdate()

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        if not force and request.query_params.get("format") == "":
            raise exceptions.ValidationError({"format": ["Choose a format, or leave it out."]})
        return super().perform_content_negotiation(request, force)

    def query(self, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
        """The query string read by ``serializer_class``; 400 with field messages if bad."""
        serializer = serializer_class(data=query_dict(self.request))
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


class PartnerListApi(PartnerApi):
    """A paginated list that also answers ``?format=csv`` and ``?format=xlsx``.

    Subclasses give ``items()`` (the filtered rows in a stable order), ``serializer_class``
    and ``export_columns`` (header and reader per column; the readers get the raw values, so
    numbers stay numbers in the file) or override ``export_rows``.
    """

    renderer_classes = [JSONRenderer, CsvRenderer, XlsxRenderer]
    pagination_class = ApiPagination
    export_name = "export"
    export_columns: Sequence[Column] = ()

    def items(self) -> QuerySet[Any] | Sequence[Any]:
        return self.filter_queryset(self.get_queryset())

    def export_header(self) -> list[str]:
        return [header for header, _ in self.export_columns]

    def export_rows(self, items: QuerySet[Any] | Sequence[Any]) -> Iterable[Sequence[Any]]:
        rows: Iterable[Any] = (
            items.iterator(chunk_size=2000) if isinstance(items, QuerySet) else items
        )
        readers = [read for _, read in self.export_columns]
        return ([cell(read(item)) for read in readers] for item in rows)

    def export_format(self) -> str:
        renderer = getattr(self.request, "accepted_renderer", None)
        fmt = getattr(renderer, "format", "")
        return fmt if fmt in FORMATS else ""

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response | HttpResponseBase:
        items = self.items()
        fmt = self.export_format()
        if fmt:
            # A download holds every row, but the paging parameters must still be well formed.
            paginator = cast(ApiPagination, self.paginator)
            paginator.get_page_size(request)
            paginator.get_page_number(request)
            name = f"{slugify(self.export_name) or 'export'}-{self.today.isoformat()}"
            return export_response(
                header=self.export_header(), rows=self.export_rows(items), name=name, fmt=fmt
            )
        page = self.paginate_queryset(items)  # type: ignore[arg-type]
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)

    def finalize_response(  # type: ignore[override]
        self, request: Request, response: Any, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        # An error asked for as CSV or XLSX is still answered as JSON.
        if isinstance(response, Response) and self.export_format():
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)
