"""Deterministic demo data: partners, users, clients and 24 months of history (``seed_demo``).

Everything is planned in memory first from one ``random.Random(seed)`` with dates relative to
today (``partners``, ``clients``, ``products``; scaled by ``calibration``), then written with
``bulk_create`` (``writing``) and replayed through the nightly recompute (``standings``) so that
the ledger, snapshots, standings and tier reviews are exactly what the real job would have
written; the commission lines and payments follow (``commissions``). ``run`` ties the steps
together, ``clearing`` removes the data again. ``bench`` writes the much larger benchmark data
set instead.

Acme Growth Agency and Globex Digital are the personas the demo logins belong to; their figures
are calibrated (MRR and deal amounts scaled) so that Acme holds Platinum and Globex Gold, both
today and at the last tier review, whatever the seed.
"""

from __future__ import annotations

from demo.seed.clearing import demo_clear
from demo.seed.reference import ACME, DEMO_LOGINS, DEMO_PASSWORD, GLOBEX, DemoLogin
from demo.seed.run import DemoSeedError, demo_data_exists, demo_highlights, demo_plan, demo_seed
from demo.seed.writing import DemoResult

__all__ = [
    "ACME",
    "DEMO_LOGINS",
    "DEMO_PASSWORD",
    "GLOBEX",
    "DemoLogin",
    "DemoResult",
    "DemoSeedError",
    "demo_clear",
    "demo_data_exists",
    "demo_highlights",
    "demo_plan",
    "demo_seed",
]
