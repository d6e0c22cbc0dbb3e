"""The web container's process as it runs: gunicorn with ./gunicorn.conf.py on the production
settings, the real host name in ALLOWED_HOSTS and the HTTPS redirect on, asked the way the
compose health check and Caddy ask it."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.deploy.site import (
    HOST,
    Site,
    free_port,
    healthcheck,
    request,
    run_healthcheck,
    wait_for_answer,
    wait_for_port,
)
from tests.deploy.stack import ROOT


@dataclass
class Server:
    port: int
    log: Path


@pytest.fixture(scope="module")
def gunicorn(site: Site) -> Iterator[Server]:
    """gunicorn started as the web service starts it: no options, so that it reads
    ./gunicorn.conf.py from its working directory."""
    port = free_port()
    log = site.folder / "gunicorn.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn"],
            cwd=ROOT,
            env={
                **site.env,
                "GUNICORN_BIND": f"127.0.0.1:{port}",
                "GUNICORN_WORKERS": "1",
                "GUNICORN_THREADS": "2",
            },
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, process)
        # The port is bound before the worker has loaded the portal: wait for a first answer.
        wait_for_answer(port)
        yield Server(port=port, log=log)
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_gunicorn_reads_its_config_file_and_runs_threaded_workers(gunicorn):
    assert "Using worker: gthread" in gunicorn.log.read_text()


def test_the_compose_web_healthcheck_passes_with_the_real_host_name_and_the_redirect_on(
    site, gunicorn
):
    test = healthcheck("web")
    assert test[:3] == ["CMD", "python", "-c"]
    assert "127.0.0.1:8000" in test[3]
    on_this_port = [part.replace("127.0.0.1:8000", f"127.0.0.1:{gunicorn.port}") for part in test]
    check = run_healthcheck(on_this_port, site.env)
    assert check.returncode == 0, check.stderr
    # The same plain-HTTP request for any other page is redirected: the redirect is on.
    status, headers = request(gunicorn.port, "/accounts/login/", {"Host": HOST})
    assert status == 301
    assert headers["Location"] == f"https://{HOST}/accounts/login/"


def test_behind_the_proxy_the_login_page_serves_with_secure_cookies(gunicorn):
    status, headers = request(
        gunicorn.port,
        "/accounts/login/",
        {"Host": HOST, "X-Forwarded-Proto": "https", "X-Request-ID": "caddy-request-1"},
    )
    assert status == 200
    cookies = headers.get_all("Set-Cookie") or []
    assert any(cookie.startswith("csrftoken=") for cookie in cookies)
    for cookie in cookies:
        assert "; Secure" in cookie, cookie
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert headers["X-Request-ID"] == "caddy-request-1"


def test_a_host_name_that_is_not_the_portals_is_refused(gunicorn):
    status, _ = request(
        gunicorn.port, "/accounts/login/", {"Host": "evil.example", "X-Forwarded-Proto": "https"}
    )
    assert status == 400


SLOW_APP = """
import time


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/csv")])

    def rows():
        for row in range(8):
            time.sleep(0.5)
            yield b"row,%d\\n" % row

    return rows()
"""


@pytest.mark.parametrize(
    ("options", "complete"),
    [([], True), (["--worker-class", "sync", "--threads", "1"], False)],
    ids=["gunicorn.conf.py", "sync worker"],
)
def test_a_response_streamed_for_longer_than_the_timeout_is_not_cut_off(
    tmp_path, options, complete
):
    """4 seconds of rows against a 1-second timeout: the threaded workers of gunicorn.conf.py
    send them all; a sync worker, gunicorn's default, is killed half-way."""
    (tmp_path / "slow_export.py").write_text(SLOW_APP)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", *options, "slow_export:app"],
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": str(tmp_path),
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "1",
            "GUNICORN_TIMEOUT": "1",
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/export.csv")
        response = connection.getresponse()
        assert response.status == 200
        try:
            body = response.read()
        except http.client.IncompleteRead as cut:
            body = cut.partial
        connection.close()
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert (body.count(b"\n") == 8) is complete, body
