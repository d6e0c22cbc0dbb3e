"""The ``world`` the agreement tests read: three partners as deployed, after the nightly jobs."""

from __future__ import annotations

import pytest

from tests.agreement.world import World, build_world
from tests.conftest import Personas


@pytest.fixture
def world(personas: Personas) -> World:
    return build_world(personas)
