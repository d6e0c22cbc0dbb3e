"""The partners API: who is calling, for which partner organisation."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.api import errors
from partners.api import PartnerApi
from partners.serializers import MeSerializer
from partners.tenancy import PartnerApiRequest


class MeApi(PartnerApi):
    serializer_class = MeSerializer

    @extend_schema(
        operation_id="me",
        summary="The current user and their partner organisation",
        tags=["account"],
        responses={200: MeSerializer, **errors()},
    )
    def get(self, request: PartnerApiRequest) -> Response:
        return Response(MeSerializer(request.membership).data)
