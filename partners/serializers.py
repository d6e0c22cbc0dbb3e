"""Serializers of the partners API: the caller and its partner organisation."""

from __future__ import annotations

from rest_framework import serializers

from partners.models import Membership


class PartnerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    country = serializers.CharField()
    payout_currency = serializers.CharField()
    certified_until = serializers.DateField(allow_null=True)


class MeSerializer(serializers.Serializer):
    """The signed-in user, their role and their partner organisation."""

    id = serializers.IntegerField(source="user.pk")
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.get_full_name")
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    partner = PartnerSerializer()
