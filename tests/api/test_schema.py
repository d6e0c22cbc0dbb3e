"""The OpenAPI schema: it generates with no warnings and validates, and schemathesis runs
every operation against seeded data with every check: no server error, no response that
breaks the schema.

The run is deterministic (a fixed schemathesis seed under the default "ci" Hypothesis
profile, see tests/conftest.py); ``make fuzz`` runs it with a random seed and more examples.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.conf import settings as settings_
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings
from rest_framework.settings import api_settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig

from partners.services import api_token_create
from tests.conftest import examples, fuzzing

pytestmark = pytest.mark.django_db
MAX_EXAMPLES = examples(15)
# Fixed unless fuzzing: the same commit generates the same requests in every run.
SEED = None if fuzzing() else 20250601


def test_the_schema_generates_with_no_warnings_and_validates(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in ("/api/v1/tier/breakdown/", "/api/v1/lists/{list_id}/clients/", "/api/v1/me/"):
        assert f"{path}:" in text


def test_the_docs_page_serves_its_assets_from_the_app(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn." not in html and "unpkg" not in html


# Whether these operations accept a request depends on data, not only on its shape: the
# program's markets and currencies (calculator), its tiers (`target`), a date range's order and
# span, and whether client ids in the body are the caller's partner's. A schema-valid request
# may so answer 400 with field messages; every other check stays as it is.
DATA_DEPENDENT = [
    "calculator_points",
    "calculator_currency",
    "tier_insights",
    "point_changes",
    "point_change_rows",
    "reports_create",
    "lists_create",
    "lists_add_clients",
]
CONFIG = SchemathesisConfig.from_dict(
    {
        **({"seed": SEED} if SEED is not None else {}),
        # Text fields refuse NUL characters with a 400 (DRF), as a database could not store them.
        "generation": {"allow-x00": False},
        "operations": [
            {
                "include-operation-id": DATA_DEPENDENT,
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "429"]
                    }
                },
            }
        ],
    }
)
# Loaded when the module is collected: serving the schema reads no database.
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/?format=json", get_wsgi_application(), config=CONFIG
)
load_all_checks()


@pytest.fixture
def _keep_the_test_connection():
    """Calls go through the WSGI handler, whose request signals close the database connection;
    keep the test's (its transaction holds the seeded data), as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(personas, world, _keep_the_test_connection):
    """Alice's token and the ids of Acme's seeded objects (see ``conftest.world``)."""
    _, key = api_token_create(user=personas.alice.user, name="schemathesis")
    ids = {
        "client_id": world.acme.clients[0].pk,
        "list_id": world.acme.static_list.pk,
        "report_id": world.acme.report.pk,
    }
    return key, ids


def _aim_at_seeded_objects(case, ids: dict[str, int]) -> None:
    """Half of the generated ids (the even ones) become ids of seeded objects, so that the
    operations on one object answer with data as well as with 404s."""
    for name, value in list((case.path_parameters or {}).items()):
        if name in ids and isinstance(value, int) and value % 2 == 0:
            case.path_parameters[name] = ids[name]


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_conforms_to_the_schema(case, seeded):
    key, ids = seeded
    _aim_at_seeded_objects(case, ids)
    # Token clients are throttled: lift the limit for the many requests of this test.
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "api": None}
    with override_settings(
        REST_FRAMEWORK={**settings_.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    ):
        case.call_and_validate(headers={"Authorization": f"Token {key}"}, checks=CHECKS.get_all())
