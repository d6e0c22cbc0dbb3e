"""``manage.py seed_demo``: fill an empty database with the deterministic demo data set."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from demo.seed import (
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DemoSeedError,
    demo_clear,
    demo_data_exists,
    demo_highlights,
    demo_seed,
)
from demo.seed.bench import BENCH_PASSWORD, LARGEST_LOGIN, BenchSeedError, bench_seed


class Command(BaseCommand):
    help = (
        "Seed demo partners, users, clients and 24 months of history, then recompute points. "
        "Refuses a database that already has partners or clients unless --force is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--partners", type=int, default=20, help="Generated partners besides Acme and Globex."
        )
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="First delete all partners, clients, users and their history (rules are kept).",
        )
        parser.add_argument(
            "--scale",
            choices=["demo", "bench", "tenth"],
            default="demo",
            help="demo (default); bench: the benchmark data set (PostgreSQL); tenth: it at 1/10.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Seed only an empty database; otherwise keep its data and just print the logins.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["scale"] != "demo":
            self._bench(scale=1.0 if options["scale"] == "bench" else 0.1, seed=options["seed"])
            return
        partners: int = options["partners"]
        if partners < 0:
            raise CommandError("--partners must not be negative.")
        if options["if_empty"] and options["force"]:
            raise CommandError("--if-empty and --force contradict each other; give one.")
        if options["if_empty"] and demo_data_exists():
            self.stdout.write("The database already has data; it is kept as it is.")
            self._print_logins()
            return
        if demo_data_exists() and not options["force"]:
            raise CommandError(
                "The database already has partners or clients; pass --force to delete them "
                "(and all users) and seed again."
            )
        try:
            with transaction.atomic():  # a failed seed keeps the data it would have replaced
                if options["force"]:
                    demo_clear()
                    self.stdout.write("Removed all partners, clients, users and their history.")
                result = demo_seed(partners=partners, seed=options["seed"], stdout=self.stdout)
        except DemoSeedError as exc:
            raise CommandError(f"{exc}; pass --force to replace them.") from exc

        counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in result.counts().items())
        self.stdout.write(f"Seeded in {result.seconds:.1f}s: {counts}.")
        for name, standing in demo_highlights().items():
            self.stdout.write(
                f"  {name}: credited {standing.credited_tier}, performance "
                f"{standing.performance_tier}; {standing.total} points "
                f"(sold {standing.sold}, managed {standing.managed})"
            )
        self._print_logins()
        self.stdout.write(self.style.SUCCESS("Demo data ready."))

    def _bench(self, *, scale: float, seed: int) -> None:
        try:
            result = bench_seed(
                scale=scale, seed=seed, workers=os.cpu_count() or 1, say=self.stdout.write
            )
        except BenchSeedError as exc:
            raise CommandError(str(exc)) from exc
        counts = ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in result.counts.items())
        self.stdout.write(f"Benchmark data in {result.seconds['total']:.0f}s: {counts}.")
        self.stdout.write(f"Login of the largest partner: {LARGEST_LOGIN} / {BENCH_PASSWORD!r}")

    def _print_logins(self) -> None:
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD!r}):")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.email:<24} {login.role}")
