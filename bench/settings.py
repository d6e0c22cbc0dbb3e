"""Settings of the benchmark: the base settings with debug off and the trivial view's URL.

The trivial view (``/bench/trivial/``) exists only under these settings; it is the yardstick
every page's throughput is compared with.
"""

from __future__ import annotations

from partner_portal.settings.base import *  # noqa: F403

DEBUG = False
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
# The load generator sends thousands of requests a minute from one user: no rate limits.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"calculator": "1000000/minute", "api": "1000000/minute"},
}
