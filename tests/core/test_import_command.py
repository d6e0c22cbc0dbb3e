"""``manage.py import``: every bad row printed, exit 1 and nothing written; true counts
otherwise. ``manage.py export`` writes what it reads back unchanged."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.management import call_command, get_commands
from django.core.management.base import CommandError
from django.db import connection
from openpyxl import Workbook

from clients.models import Client
from partners.models import Partner
from tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
HEADER = ["name", "domain", "country", "currency"]
GOOD = [
    HEADER,
    ["Initech", "initech.example", "FR", "EUR"],
    ["Umbrella", "umbrella.example", "BR", "USD"],
]
BAD = [*GOOD, ["Hooli", "hooli.example", "ZZ", "XYZ"]]


def write_csv(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(rows)
    return path


def run(*args: str) -> tuple[str, str]:
    """``manage.py import --no-input`` through call_command: (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, "--no-input", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args: str) -> tuple[str, str]:
    """The message of the CommandError that ``manage.py import --no-input`` ends with, and
    what it printed on stderr before."""
    err = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import", *args, "--no-input", stdout=io.StringIO(), stderr=err)
    return str(error.value), err.getvalue()


def domains() -> list[str]:
    return sorted(Client.objects.values_list("domain", flat=True))


def test_the_projects_command_answers_to_import_and_export() -> None:
    commands = get_commands()
    assert (commands["import"], commands["export"]) == ("core", "core")


def test_a_bad_row_is_printed_and_nothing_is_written(tmp_path: Path) -> None:
    message, printed = refused("clients.Client", str(write_csv(tmp_path / "clients.csv", BAD)))
    assert message == "Nothing was imported: 2 errors."
    assert printed.splitlines() == [
        "Row 4, column country: Unknown country 'ZZ': use an ISO 3166-1 alpha-2 code (US, BR).",
        "Row 4, column currency: Unknown currency 'XYZ': the program has no FX rate for it "
        "(add one under Program FX rates first).",
    ]
    assert domains() == []


def test_a_good_file_prints_the_counts_it_wrote(tmp_path: Path) -> None:
    path = str(write_csv(tmp_path / "clients.csv", GOOD))
    out, err = run("clients.Client", path)
    assert out.strip() == "Imported 2 new, 0 updated, 0 unchanged (skipped) clients."
    assert err == ""
    assert domains() == ["initech.example", "umbrella.example"]
    changed = [GOOD[0], GOOD[1], ["Umbrella Corp", "umbrella.example", "BR", "USD"]]
    out, _ = run("clients.resources.ClientResource", str(write_csv(tmp_path / "c2.csv", changed)))
    assert out.strip() == "Imported 0 new, 1 updated, 1 unchanged (skipped) clients."
    assert Client.objects.get(domain="umbrella.example").name == "Umbrella Corp"


def test_a_dry_run_writes_nothing(tmp_path: Path) -> None:
    out, _ = run("clients.Client", str(write_csv(tmp_path / "clients.csv", GOOD)), "--dry-run")
    assert (
        out.strip()
        == "Dry run, nothing was written: 2 new, 0 updated, 0 unchanged (skipped) clients."
    )
    assert domains() == []


def test_xlsx_by_extension_and_csv_by_format(tmp_path: Path) -> None:
    book = Workbook()
    for row in GOOD:
        book.active.append(row)
    book.save(tmp_path / "clients.xlsx")
    out, _ = run("clients.Client", str(tmp_path / "clients.xlsx"))
    assert out.startswith("Imported 2 new")
    out, _ = run(
        "clients.Client", str(write_csv(tmp_path / "clients.txt", GOOD)), "--format", "csv"
    )
    assert out.startswith("Imported 0 new, 0 updated, 2 unchanged")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["clients.Nothing", "x.csv"], "Cannot import 'clients.Nothing'"),
        (["clients.Client", "missing.csv"], "Cannot read missing.csv"),
        (["clients.Client", "clients.xlsx"], "Cannot read clients.xlsx as XLSX"),
        (["clients.Client", "clients"], "Cannot determine MIME type"),
        (["clients.Client", "latin.csv"], "latin.csv is not utf-8-sig text"),
    ],
)
def test_files_it_cannot_read_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.csv").write_text("name\n")
    (tmp_path / "clients.xlsx").write_bytes(b"not a workbook")
    (tmp_path / "clients").write_bytes(b"")
    (tmp_path / "latin.csv").write_bytes("name,domain\nCaf\xe9,cafe.example\n".encode("latin-1"))
    assert message in refused(*args)[0]
    assert domains() == []


def test_the_encoding_option_reads_other_encodings(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("name,domain,country,currency\nCafé,cafe.example,FR,EUR\n".encode("latin-1"))
    run("clients.Client", str(path), "--encoding", "latin-1")
    assert Client.objects.get().name == "Café"


def test_without_no_input_it_asks_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    path = str(write_csv(tmp_path / "clients.csv", GOOD))
    with pytest.raises(CommandError, match="Import cancelled"):
        call_command("import", "clients.Client", path, stdout=io.StringIO())
    assert domains() == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_back_unchanged(tmp_path: Path, fmt: str) -> None:
    for name in ("+Plus Digital", "=1+1", "'quoted", "''=1+1", "Ünïcødé"):
        PartnerFactory(name=name, external_id=name[::-1])
    out = io.TextIOWrapper(io.BytesIO())
    call_command("export", fmt, "partners.Partner", stdout=out)
    out.flush()
    path = tmp_path / f"partners.{fmt}"
    path.write_bytes(out.buffer.getvalue())
    before = list(Partner.objects.order_by("pk").values())
    stdout, _ = run("partners.Partner", str(path))
    assert stdout.strip() == "Imported 0 new, 0 updated, 5 unchanged (skipped) partners."
    assert list(Partner.objects.order_by("pk").values()) == before


# --- manage.py in a process of its own ---------------------------------------------------------


def database_for_subprocess(tmp_path: Path) -> tuple[str, Callable[[], list[str]]]:
    """A DATABASE_URL that a ``manage.py`` process can open with this test's rows, and how to
    read the client domains it holds afterwards. SQLite's test database lives in memory: it is
    copied to a file."""
    if connection.vendor == "sqlite":
        path = tmp_path / "db.sqlite3"
        connection.ensure_connection()
        with closing(sqlite3.connect(path)) as copy:
            connection.connection.backup(copy)

        def read() -> list[str]:
            with closing(sqlite3.connect(path)) as db:
                return sorted(row[0] for row in db.execute("SELECT domain FROM clients_client"))

        return f"sqlite:///{path}", read
    settings = connection.settings_dict
    credentials = quote(settings["USER"] or "")
    if settings["PASSWORD"]:
        credentials += ":" + quote(settings["PASSWORD"])
    host = f"{settings['HOST'] or 'localhost'}:{settings['PORT'] or 5432}"
    return f"postgres://{credentials}@{host}/{settings['NAME']}", domains


def manage(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.django_db(transaction=True)
def test_manage_py_import_exits_non_zero_on_a_bad_row(tmp_path: Path) -> None:
    database_url, read = database_for_subprocess(tmp_path)
    bad = manage(
        database_url,
        "import",
        "clients.Client",
        str(write_csv(tmp_path / "b.csv", BAD)),
        "--no-input",
    )
    assert bad.returncode == 1
    lines = bad.stderr.strip().splitlines()
    assert lines[0].startswith("Row 4, column country: Unknown country 'ZZ'")
    assert lines[1].startswith("Row 4, column currency: Unknown currency 'XYZ'")
    assert lines[-1] == "CommandError: Nothing was imported: 2 errors."
    assert "new" not in bad.stdout + bad.stderr
    assert read() == []
    good = manage(
        database_url,
        "import",
        "clients.Client",
        str(write_csv(tmp_path / "g.csv", GOOD)),
        "--no-input",
    )
    assert good.returncode == 0, good.stderr
    assert good.stdout.strip() == "Imported 2 new, 0 updated, 0 unchanged (skipped) clients."
    assert read() == ["initech.example", "umbrella.example"]
