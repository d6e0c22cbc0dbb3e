"""Writing the planned demo data: partner manager contacts, partners, users, memberships,
clients, MRR records, deals, managed assignments and renewals, with ``bulk_create``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import models

from clients.models import Client, Deal, ManagedAssignment, MrrRecord, Renewal
from demo.seed.plans import Plan
from demo.seed.reference import DEMO_PASSWORD
from partners.models import Membership, Partner, PartnerManagerContact

BATCH = 1000


@dataclass
class DemoResult:
    """What ``demo_seed`` wrote."""

    pdms: int = 0
    partners: int = 0
    users: int = 0
    memberships: int = 0
    clients: int = 0
    mrr_records: int = 0
    deals: int = 0
    assignments: int = 0
    renewals: int = 0
    recompute_dates: int = 0
    ledger_entries: int = 0
    snapshots: int = 0
    standings: int = 0
    tier_reviews: int = 0
    commission_lines: int = 0
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if isinstance(v, int)}


def _created(model: type[models.Model], objs: list[Any], key: str) -> list[Any]:
    """bulk_create ``objs``; make sure each has its primary key (looked up by ``key`` if not)."""
    created = model._default_manager.bulk_create(objs, batch_size=BATCH)
    if any(o.pk is None for o in created):
        pks = dict(
            model._default_manager.filter(
                **{f"{key}__in": [getattr(o, key) for o in created]}
            ).values_list(key, "pk")
        )
        for o in created:
            o.pk = pks[getattr(o, key)]
    return created


def plan_write(plan: Plan, result: DemoResult) -> dict[int, Partner]:
    """Write ``plan``, count the rows in ``result``; returns the partners by their index in the
    plan."""
    user_model = get_user_model()
    pdms = _created(
        PartnerManagerContact,
        [PartnerManagerContact(name=n, email=e, description=d) for n, e, d in plan.pdms],
        "email",
    )
    partners = _created(
        Partner,
        [
            Partner(
                name=p.name,
                external_id=f"PRT-{10001 + i}",
                country=p.country,
                payout_currency=p.payout_currency,
                certified_until=p.certified_until,
                pdm=pdms[p.pdm] if p.pdm is not None else None,
                elite_invited=p.elite_invited,
            )
            for i, p in enumerate(plan.partners)
        ],
        "name",
    )
    password = make_password(DEMO_PASSWORD)
    user_plans = [plan.admin] + [u for p in plan.partners for u in p.users]
    users = _created(
        user_model,
        [
            user_model(
                username=u.email,
                email=u.email,
                first_name=u.first_name,
                last_name=u.last_name,
                password=password,
                is_staff=u.staff,
                is_superuser=u.staff,
            )
            for u in user_plans
        ],
        "username",
    )
    user_by_email = {u.username: u for u in users}
    memberships = Membership.objects.bulk_create(
        [
            Membership(user=user_by_email[u.email], partner=partners[i], role=u.role)
            for i, p in enumerate(plan.partners)
            for u in p.users
            if u.role is not None
        ],
        batch_size=BATCH,
    )
    clients = _created(
        Client,
        [
            Client(name=c.name, domain=c.domain, country=c.country, currency=c.currency)
            for c in plan.clients
        ],
        "domain",
    )
    records: list[MrrRecord] = []
    deals: list[Deal] = []
    assignments: list[ManagedAssignment] = []
    renewals: list[Renewal] = []
    for client, cp in zip(clients, plan.clients, strict=True):
        records.extend(
            MrrRecord(
                client=client, date=r.date, mrr=r.mrr, tools_used=r.tools, products=r.products
            )
            for r in cp.mrr
        )
        deals.extend(
            Deal(
                partner=partners[d.partner],
                client=client,
                name=d.name,
                deal_type=d.deal_type,
                mrr=d.mrr,
                stage=d.stage,
                created_on=d.created_on,
                closed_on=d.closed_on,
                reversed_on=d.reversed_on,
                shared_selling=d.shared_selling,
            )
            for d in cp.deals
        )
        assignments.extend(
            ManagedAssignment(partner=partners[p], client=client, start=start, end=end)
            for p, start, end in cp.assignments
        )
        if cp.renewal is not None:
            r = cp.renewal
            renewals.append(
                Renewal(
                    client=client,
                    date=r.date,
                    products=r.products,
                    mrr_change=r.mrr_change,
                    last_active_employee=r.last_active_employee,
                    renewal_manager=r.renewal_manager,
                    status=r.status,
                )
            )
    deals.sort(key=lambda d: (d.created_on, d.client.domain, d.name))
    MrrRecord.objects.bulk_create(records, batch_size=BATCH)
    Deal.objects.bulk_create(deals, batch_size=BATCH)
    ManagedAssignment.objects.bulk_create(assignments, batch_size=BATCH)
    Renewal.objects.bulk_create(renewals, batch_size=BATCH)
    result.pdms, result.partners, result.users = len(pdms), len(partners), len(users)
    result.memberships, result.clients = len(memberships), len(clients)
    result.mrr_records, result.deals = len(records), len(deals)
    result.assignments, result.renewals = len(assignments), len(renewals)
    return dict(enumerate(partners))
