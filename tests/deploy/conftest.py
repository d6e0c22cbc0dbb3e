from __future__ import annotations

import pytest

from tests.deploy.site import Site, prepared, production_site


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """One migrated database and one collectstatic for every test of the running processes."""
    return prepared(production_site(tmp_path_factory.mktemp("site")))
