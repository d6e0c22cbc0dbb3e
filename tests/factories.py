"""factory_boy factories for the domain models."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from clients.models import Client, Deal, ManagedAssignment, MrrRecord, Renewal
from partners.models import Membership, Partner, PartnerManagerContact

PASSWORD = "portal-test-password"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    username = factory.SelfAttribute("email")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            obj.save()


class PdmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerManagerContact

    name = factory.Sequence(lambda n: f"PDM {n}")
    email = factory.Sequence(lambda n: f"pdm{n}@vendor.example")
    description = "Helps partners grow."


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner {n}")
    country = "US"
    payout_currency = "USD"
    certified_until = date(2099, 1, 1)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    partner = factory.SubFactory(PartnerFactory)
    role = Membership.Role.USER


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Client {n}")
    domain = factory.Sequence(lambda n: f"client{n}.example")
    country = "US"
    currency = "USD"


class MrrFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MrrRecord

    client = factory.SubFactory(ClientFactory)
    date = date(2025, 1, 1)
    mrr = Decimal("1000")
    tools_used = 3


class DealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Deal

    partner = factory.SubFactory(PartnerFactory)
    client = factory.SubFactory(ClientFactory)
    deal_type = Deal.DealType.SOURCED
    mrr = Decimal("1000")
    stage = Deal.Stage.CLOSED_WON
    created_on = date(2025, 1, 1)
    closed_on = date(2025, 1, 10)


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ManagedAssignment

    partner = factory.SubFactory(PartnerFactory)
    client = factory.SubFactory(ClientFactory)
    start = date(2025, 1, 1)


class RenewalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Renewal

    client = factory.SubFactory(ClientFactory)
    date = date(2026, 1, 1)
