"""Production settings pass Django's deploy checks; every response carries the security headers;
no template carries inline script or style, so the Content-Security-Policy needs no exception."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client as HttpClient

from core import plotly_csp

ROOT = Path(settings.BASE_DIR)
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))


def production_env(**extra: str) -> dict[str, str]:
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a deployment does not.
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "partner_portal.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "portal.example.com",
        **extra,
    }


def test_production_settings_pass_the_deploy_checks():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_with_a_weak_key():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(DJANGO_SECRET_KEY="short"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


@pytest.mark.parametrize(
    "overrides",
    [
        {"DJANGO_SECRET_KEY": "replace-me-with-50-random-characters"},
        {"DATABASE_URL": "postgres://portal:replace-me@127.0.0.1:5432/portal"},
    ],
)
def test_production_refuses_the_placeholders_of_the_env_example(overrides):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=production_env(**overrides),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "placeholder" in result.stderr


def test_production_cookies_and_transport_are_locked_down():
    script = (
        "import json; from django.conf import settings as s; print(json.dumps({k: getattr(s, k) "
        "for k in ['SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', "
        "'CSRF_COOKIE_HTTPONLY', 'SECURE_HSTS_SECONDS', 'SECURE_HSTS_INCLUDE_SUBDOMAINS', "
        "'SECURE_SSL_REDIRECT', 'X_FRAME_OPTIONS', 'SECURE_REFERRER_POLICY', 'DEBUG', "
        "'AXES_ENABLED', 'SESSION_EXPIRE_AT_BROWSER_CLOSE']} | {'upgrade': "
        "s.CONTENT_SECURITY_POLICY['DIRECTIVES']['upgrade-insecure-requests']}))"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_SSL_REDIRECT": True,
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_REFERRER_POLICY": "same-origin",
        "DEBUG": False,
        "AXES_ENABLED": True,
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": True,
        "upgrade": True,
    }


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/partner/dashboard/", "/partner/tier/", "/healthz"]
)
def test_every_response_carries_the_security_headers(personas, path):
    http = personas.client_for("anonymous" if path == "/accounts/login/" else "alice")
    response = http.get(path)
    assert response.status_code == 200
    csp = policy(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"] and csp["form-action"] == ["'self'"]
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_csrf_cookie_is_http_only(db):
    response = HttpClient().get("/accounts/login/")
    cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax"


INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>"),
    "style element": re.compile(r"<style\b", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "hx-on attribute": re.compile(r"\s(?:data-)?hx-on", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def test_no_template_has_inline_script_or_style():
    assert len(TEMPLATES) > 30
    found = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in TEMPLATES
        for what, pattern in INLINE.items()
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_the_inline_check_recognises_what_it_forbids():
    samples = [
        "<script>alert(1)</script>",
        "<style>p{}</style>",
        '<p style="color:red">',
        '<a onclick="x()">',
        '<div hx-on:click="x()">',
        '<a href="javascript:x()">',
    ]
    assert all(any(p.search(s) for p in INLINE.values()) for s in samples)
    assert not any(p.search('<script src="/static/js/a.js"></script>') for p in INLINE.values())


def test_plotly_css_is_what_the_installed_bundle_would_insert():
    bundle = plotly_csp.PLOTLY_BUNDLE.read_text(encoding="utf-8")
    assert plotly_csp.CSS_PATH.read_text(encoding="utf-8") == plotly_csp.plotly_css(bundle)
    assert ".js-plotly-plot .plotly .modebar" in plotly_csp.CSS_PATH.read_text(encoding="utf-8")
    # the opt-outs that templates/_plotly.html relies on are still the bundle's
    assert 'n.matches(".no-inline-styles")' in bundle
    assert f'document.getElementById("{plotly_csp.MAPLIBRE_STYLE_ID}")' in bundle
    include = (ROOT / "templates" / "_plotly.html").read_text(encoding="utf-8")
    assert plotly_csp.MAPLIBRE_STYLE_ID in include
    assert 'id="plotly.js-style-global" class="no-inline-styles"' in include


def test_every_chart_page_loads_plotly_through_the_csp_include():
    loading = [p for p in TEMPLATES if "plotly.min.js" in p.read_text(encoding="utf-8")]
    assert [p.name for p in loading] == ["_plotly.html"]


def test_htmx_is_configured_for_the_policy():
    base = (ROOT / "templates" / "_base.html").read_text(encoding="utf-8")
    match = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", base)
    assert match is not None
    config = json.loads(match.group(1))
    assert config["includeIndicatorStyles"] is False  # htmx would add a <style> element
    assert config["allowEval"] is False
    assert "style" not in config["attributesToSettle"]  # settling would copy style attributes
