"""Record what every partner sees through the API, to a gzipped JSON file.

For the app-restructuring upgrade test: ``figures-1ccb197.json.gz`` beside this file is what
the code of commit 1ccb197 answered on the database of ``main-1ccb197.json.gz`` (see
``dump.py`` for how that was made). Run on the same data after the move, the new code must
answer the same: ``test_upgrade.py`` calls ``record()`` for that.

With the clock frozen at ``FROZEN_AT`` (time-machine, ``tick=False``) and for each partner,
as a member of it (its first super admin, else its first member), it GETs every ``/api/v1/``
read that takes no path argument, each page of the paginated ones (following ``next``), the
record and points of the first ``CLIENTS`` clients that ``clients/`` lists, and the rows of
each point-change kind that ``points/changes/`` answers. It uses only URLs, the test Client
and the ``Partner`` and ``Membership`` models, so that it runs whichever app they are in. Its
requests run in a transaction that is rolled back, so the database is left as it was, and the
output is byte-for-byte the same on every run.

Run it from the project root, with Django settings from the environment::

    python tests/upgrade/record.py OUT.json.gz

The committed ``figures-1ccb197.json.gz`` was made so in the worktree of 1ccb197, against the
seeded SQLite database that ``main-1ccb197.json.gz`` was dumped from (see ``dump.py``)::

    python /work/main/tests/upgrade/record.py /work/main/tests/upgrade/figures-1ccb197.json.gz
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import django
import time_machine
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.test.utils import setup_test_environment

FROZEN_AT = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
API = "/api/v1/"
READS = (
    "me/",
    "tier/standing/",
    "tier/insights/",
    "tier/breakdown/",
    "points/history/",
    "points/changes/",
    "points/ledger/",
    "clients/",
    "deals/",
    "renewals/",
    "commissions/lines/",
    "commissions/payments/",
    "lists/",
    "reports/",
)
CLIENTS = 5


def answer(response: Any) -> dict[str, Any]:
    if "json" in response.get("Content-Type", ""):
        return {"status": response.status_code, "body": response.json()}
    return {"status": response.status_code, "text": response.content.decode()}


def get_all(client: Any, url: str, out: dict[str, Any]) -> list[dict[str, Any]]:
    """GET ``url`` and every page after it into ``out``; the bodies, first page first."""
    bodies = []
    while url and url not in out:
        out[url] = answer(client.get(url))
        body = out[url].get("body")
        bodies.append(body)
        following = body.get("next") if isinstance(body, dict) else None
        url = "?".join(filter(None, urlsplit(following)[2:4])) if following else ""
    return bodies


def partner_answers(client: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for read in READS:
        get_all(client, API + read, out)
    changes = out[API + "points/changes/"].get("body") or {}
    for kind in sorted(key for key in changes if key != "range"):
        get_all(client, f"{API}points/changes/{kind}/", out)
    rows = (out[API + "clients/"].get("body") or {}).get("results", [])
    for row in rows[:CLIENTS]:
        get_all(client, f"{API}clients/{row['id']}/", out)
        get_all(client, f"{API}clients/{row['id']}/points/", out)
    return out


def record() -> dict[str, Any]:
    """Every partner's answers, as written to the output file (the clock is the caller's)."""
    partner_model = apps.get_model("partners", "Partner")
    membership_model = apps.get_model("partners", "Membership")
    responses: dict[str, Any] = {}
    with transaction.atomic():
        for partner in partner_model.objects.order_by("pk"):
            members = membership_model.objects.filter(partner=partner).select_related("user")
            member = min(members, key=lambda m: (m.role != "super_admin", m.pk), default=None)
            if member is None:
                responses[str(partner.pk)] = {}
                continue
            client = Client()
            client.force_login(member.user)
            responses[str(partner.pk)] = partner_answers(client)
        transaction.set_rollback(True)  # logging in writes sessions and last_login
    return {"frozen_at": FROZEN_AT.isoformat(), "responses": responses}


def main() -> None:
    parser = argparse.ArgumentParser(description="Record every partner's API answers.")
    parser.add_argument("out", type=Path, help="the .json.gz file to write")
    args = parser.parse_args()

    with time_machine.travel(FROZEN_AT, tick=False):
        sys.path.insert(0, os.getcwd())  # the project root: run from it
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "partner_portal.settings.local")
        django.setup()
        setup_test_environment()  # lets the test Client's "testserver" host in
        figures = record()
    text = json.dumps(figures, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    args.out.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    count = sum(len(answers) for answers in figures["responses"].values())
    print(f"{args.out}: {len(figures['responses'])} partners, {count} responses")


if __name__ == "__main__":
    main()
