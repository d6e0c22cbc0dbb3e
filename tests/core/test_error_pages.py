"""Error pages: 400, 403 (and the CSRF failure), 404 in the portal's layout with a way back
chosen by who is signed in, and a 500 page that renders with nothing but its template."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.http import HttpRequest, HttpResponse
from django.test import Client as HttpClient
from django.test import RequestFactory, override_settings
from django.urls import path, reverse
from django.views.defaults import server_error

from clients.models import SavedReport, StaticList, StaticListMember
from core.ids import ID_MESSAGE
from partner_portal import urls as project_urls
from partners.models import BetaFeature, BetaOptIn
from tests.factories import PASSWORD, ClientFactory, DealFactory, UserFactory

TEAM = "/partner/settings/team/"
EXPORT = reverse("commissions:statements_export")
WAY_BACK = re.compile(r'data-way-back="([a-z]+)"')
HREF = re.compile(r'<a class="primary" href="([^"]*)" data-way-back')


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug in a view")


def refused(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


# The project's URLs and two views that fail (``pytest.mark.urls(__name__)``).
urlpatterns = [path("boom/", boom), path("refused/", refused), *project_urls.urlpatterns]


def failing_context_processor(request: HttpRequest) -> dict[str, Any]:
    raise RuntimeError("a context processor must not run for the 500 page")


@pytest.fixture(autouse=True)
def _no_debug(settings):
    settings.DEBUG = False


def way_back(response) -> list[str]:
    return WAY_BACK.findall(response.content.decode())


def in_layout(response, template: str) -> bool:
    html = response.content.decode()
    names = [t.name for t in response.templates]
    return (
        template in names
        and "_base.html" in names
        and '<header class="topbar">' in html
        and 'href="/static/css/errors.css"' in html
    )


def test_an_unknown_url_is_a_404_in_the_layout_with_a_way_to_log_in(db):
    response = HttpClient().get("/no-such-page/")
    assert response.status_code == 404 and in_layout(response, "404.html")
    assert "Page not found" in response.content.decode()
    assert way_back(response) == ["login"] and HREF.findall(response.content.decode()) == [
        reverse("login")
    ]


def test_a_partner_user_is_sent_back_to_the_dashboard(personas):
    response = personas.client_for("alice").get("/partner/no-such-page/")
    assert response.status_code == 404 and in_layout(response, "404.html")
    assert way_back(response) == ["dashboard"]
    assert HREF.findall(response.content.decode()) == [reverse("partners:dashboard")]
    assert "Acme Growth Agency" in response.content.decode()  # the partner's own header


def test_bob_on_the_team_page_gets_the_403_page_with_its_reason(personas):
    response = personas.client_for("bob").get(TEAM)
    html = response.content.decode()
    assert response.status_code == 403 and in_layout(response, "403.html")
    assert "Only a super admin of this partner can do that." in html
    assert way_back(response) == ["dashboard"]
    # the page says why, and nothing of the team it refused to show
    assert "alice@acme.test" not in html


@pytest.mark.parametrize(
    "action",
    [
        lambda p: (reverse("partners:settings-team-role", args=[p.alice.pk]), {"role": "user"}),
        lambda p: (reverse("partners:settings-team-remove", args=[p.alice.pk]), {}),
        lambda p: (
            reverse("partners:settings-beta-feature", args=[BetaFeature.objects.get().key]),
            {"action": "opt_in_everyone", "accept_terms": "on"},
        ),
    ],
    ids=["role", "remove", "beta-everyone"],
)
def test_a_super_admin_action_refused_to_bob_is_the_403_page(personas, action):
    url, data = action(personas)
    response = personas.client_for("bob").post(url, data)
    assert response.status_code == 403 and in_layout(response, "403.html")
    assert "Only a super admin of this partner can" in response.content.decode()
    assert way_back(response) == ["dashboard"]
    assert not BetaOptIn.objects.exists()


def test_staff_without_a_partner_is_sent_to_admin(personas):
    response = personas.client_for("staff").get(reverse("partners:dashboard"))
    assert response.status_code == 403 and in_layout(response, "403.html")
    assert "not a member of a partner organisation" in response.content.decode()
    assert way_back(response) == ["admin"]
    assert HREF.findall(response.content.decode()) == [reverse("admin:index")]


def test_a_signed_in_user_with_neither_partner_nor_staff_can_log_out(db):
    http = HttpClient()
    http.force_login(UserFactory(email="nobody@example.test"))
    response = http.get(reverse("partners:dashboard"))
    assert response.status_code == 403 and way_back(response) == ["logout"]
    assert f'action="{reverse("logout")}"' in response.content.decode()


def test_another_partners_client_is_a_404_that_shows_none_of_its_data(personas):
    acme_client = ClientFactory(name="Initech Lumber", domain="initech-lumber.test")
    DealFactory(partner=personas.acme, client=acme_client)
    carol = personas.client_for("carol")
    for url in (
        reverse("clients:record", args=[acme_client.pk]),
        reverse("tiers:client", args=[acme_client.pk]),
    ):
        response = carol.get(url)
        html = response.content.decode()
        assert response.status_code == 404 and in_layout(response, "404.html")
        assert "Globex Digital" in html  # carol's own header
        for word in ("Initech", "initech-lumber", "Acme", "alice@acme.test", "bob@acme.test"):
            assert word not in html


@pytest.mark.parametrize("hostile", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_the_way_back_never_follows_the_request(personas, hostile):
    """Neither ``next`` nor the Referer nor the path picks where the page links to."""
    for http, expected in ((HttpClient(), "login"), (personas.client_for("alice"), "dashboard")):
        response = http.get(
            f"/partner/missing/?next={hostile}", HTTP_REFERER=f"https://evil.example{hostile}"
        )
        assert response.status_code == 404 and way_back(response) == [expected]
        assert "evil.example" not in response.content.decode()


def test_an_htmx_request_gets_the_message_without_the_layout(personas):
    response = personas.client_for("bob").get(TEAM, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 403
    assert html.lstrip().startswith('<section class="card narrow error-page"')
    assert "<html" not in html and 'class="topbar"' not in html
    assert "Only a super admin of this partner can do that." in html
    assert way_back(response) == ["dashboard"]


def test_a_bad_request_is_the_400_page(personas):
    # Django refuses more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields as a bad request.
    fields = {f"f{i}": "x" for i in range(django_settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = personas.client_for("alice").post(TEAM, fields)
    assert response.status_code == 400 and in_layout(response, "400.html")
    assert way_back(response) == ["dashboard"]


def test_a_disallowed_host_is_the_400_page(db):
    response = HttpClient().get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400 and "400.html" in [t.name for t in response.templates]
    assert way_back(response) == ["login"] and "evil.example" not in response.content.decode()


def test_a_form_without_its_csrf_token_is_the_csrf_page(personas):
    http = HttpClient(enforce_csrf_checks=True)
    assert http.login(username=personas.alice.user.username, password=PASSWORD)
    response = http.post(TEAM, {"email": "eve@example.test", "role": "user"})
    assert response.status_code == 403 and in_layout(response, "403_csrf.html")
    assert "This form could not be sent" in response.content.decode()
    assert way_back(response) == ["dashboard"]


@pytest.mark.urls(__name__)
def test_a_refusal_without_a_reason_says_so_in_general_terms(db):
    response = HttpClient().get("/refused/")
    assert response.status_code == 403
    assert "Your account does not have access to this page." in response.content.decode()


# --- staff on the partner login ---------------------------------------------------------------


def log_in(http: HttpClient, email: str, next_url: str):
    return http.post(
        f"/accounts/login/?next={next_url}",
        {"username": email, "password": PASSWORD, "next": next_url},
    )


@pytest.mark.parametrize("next_url", ["", "/", "/partner/dashboard/", "/partner/settings/team/"])
def test_staff_logging_in_on_the_partner_login_lands_in_admin(db, next_url):
    """Coming from the site's root, ``next`` is the dashboard, which would refuse them."""
    UserFactory(email="ops@vendor.example", is_staff=True)
    response = log_in(HttpClient(), "ops@vendor.example", next_url)
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")


def test_staff_keeps_a_next_inside_admin_and_members_keep_theirs(personas):
    UserFactory(email="ops@vendor.example", is_staff=True)
    changelist = reverse("admin:partners_partner_changelist")
    response = log_in(HttpClient(), "ops@vendor.example", changelist)
    assert response.status_code == 302 and response["Location"] == changelist
    response = log_in(HttpClient(), "alice@acme.test", reverse("tiers:tier"))
    assert response.status_code == 302 and response["Location"] == reverse("tiers:tier")


def test_signed_in_staff_opening_the_partner_login_is_sent_to_admin(db):
    http = HttpClient()
    http.force_login(UserFactory(email="ops@vendor.example", is_staff=True))
    response = http.get("/accounts/login/?next=/partner/dashboard/")
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")


# --- 500: nothing but the template --------------------------------------------------------------


def test_the_500_page_renders_with_no_database_no_urls_and_no_context_processors():
    """No ``db`` fixture (pytest-django refuses any query), a URLconf that cannot be imported,
    and a context processor that raises: the page renders all the same."""
    engine: dict[str, Any] = dict(django_settings.TEMPLATES[0])
    engine["OPTIONS"] = {
        **engine["OPTIONS"],
        "context_processors": [f"{__name__}.failing_context_processor"],
    }
    templates = [engine]
    with override_settings(ROOT_URLCONF="tests.core.no_such_urlconf", TEMPLATES=templates):
        response = server_error(RequestFactory().get("/partner/dashboard/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong on our side" in html and 'data-way-back="home"' in html
    assert re.findall(r'href="(/static/[^"]+)"', html) == [
        "/static/favicon.svg",
        "/static/css/portal.css",
        "/static/css/errors.css",
    ]


@pytest.mark.urls(__name__)
def test_a_failing_view_answers_the_500_page_and_nothing_of_the_user(personas):
    http = personas.client_for("alice")
    http.raise_request_exception = False
    response = http.get("/boom/")
    html = response.content.decode()
    assert response.status_code == 500 and "Something went wrong on our side" in html
    assert "alice@acme.test" not in html and "Acme" not in html
    assert "a bug in a view" not in html
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_whitenoise_serves_the_500_pages_fixed_paths_under_the_manifest_storage(db, tmp_path):
    """The production storage hashes names; the 500 page links the collected originals,
    which collectstatic keeps and whitenoise serves."""
    manifest = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    html = server_error(RequestFactory().get("/")).content.decode()
    linked = re.findall(r'href="(/static/[^"]+)"', html)
    with override_settings(
        STATIC_ROOT=tmp_path,
        STORAGES=manifest,
        STATICFILES_FINDERS=[
            "django.contrib.staticfiles.finders.FileSystemFinder",
            "django.contrib.staticfiles.finders.AppDirectoriesFinder",
        ],
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        assert (tmp_path / "staticfiles.json").exists()
        http = HttpClient()
        for url in linked:
            served = http.get(url)
            assert served.status_code == 200, url
            body = b"".join(served.streaming_content)
            assert body == (tmp_path / url.removeprefix("/static/")).read_bytes()
        # and the 4xx pages, which use {% static %}, link the hashed names
        page = http.get("/no-such-page/").content.decode()
        hashed = re.search(r'href="(/static/css/errors\.[0-9a-f]{12}\.css)"', page)
        assert hashed is not None and http.get(hashed.group(1)).status_code == 200


# --- the portal's own 400s: the reason, in the layout ------------------------------------------

REASON = re.compile(r"<p data-reason>(.*?)</p>", re.S)
HTMX_OR_NOT = pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
ACME_WORDS = ("Initech", "Acme", "alice@acme.test", "bob@acme.test", "Key accounts")


@pytest.fixture
def acme_data(personas):
    """Acme's client (with a deal) and static list, which carol's refusals must not show."""
    initech = ClientFactory(name="Initech Lumber", domain="initech-lumber.test")
    DealFactory(partner=personas.acme, client=initech)
    key_accounts = StaticList.objects.create(partner=personas.acme, name="Key accounts")
    StaticListMember.objects.create(list=key_accounts, client=initech)
    return initech, key_accounts


def refusal(response, *, htmx: bool) -> str:
    """The reason a 400 page gives, after checking it is the page (the section alone for htmx)
    with the way back to carol's dashboard and nothing of Acme."""
    html = response.content.decode()
    names = [t.name for t in response.templates]
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    assert "400.html" in names and "data-reason" in html
    if htmx:
        assert html.lstrip().startswith('<section class="card narrow error-page"')
        assert "<html" not in html and 'class="topbar"' not in html
    else:
        assert in_layout(response, "400.html") and "Globex Digital" in html  # carol's header
    assert way_back(response) == ["dashboard"]
    for word in ACME_WORDS:
        assert word not in html
    reasons = REASON.findall(html)
    assert len(reasons) == 1
    return unescape(reasons[0])


def hx(htmx: bool) -> dict[str, str]:
    """The header django-htmx reads (``request.htmx``), for an htmx request."""
    return {"HTTP_HX_REQUEST": "true"} if htmx else {}


@HTMX_OR_NOT
@pytest.mark.parametrize("url_name", ["clients:list", "tiers:breakdown"])
@pytest.mark.parametrize("page", ["x", "𝟙", "٣", "0"])
def test_a_malformed_query_parameter_is_the_400_page_naming_it(
    personas, acme_data, url_name, page, htmx
):
    response = personas.client_for("carol").get(reverse(url_name), {"page": page}, **hx(htmx))
    assert refusal(response, htmx=htmx) == f"Invalid 'page': {ID_MESSAGE}"


@HTMX_OR_NOT
@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ({"month": "2025-13", "format": "csv"}, "'2025-13' is not a month: use YYYY-MM"),
        ({"format": "pdf"}, "Unknown format 'pdf': choose CSV or XLSX."),
    ],
)
def test_a_statement_export_that_cannot_be_made_is_the_400_page(
    personas, acme_data, query, reason, htmx
):
    response = personas.client_for("carol").get(EXPORT, query, **hx(htmx))
    assert reason in refusal(response, htmx=htmx)
    assert "Content-Disposition" not in response


@HTMX_OR_NOT
def test_another_partners_client_in_the_statement_export_is_refused_by_its_id_alone(
    personas, acme_data, htmx
):
    initech, _ = acme_data
    query = {"client": str(initech.pk), "format": "csv"}
    response = personas.client_for("carol").get(EXPORT, query, **hx(htmx))
    assert refusal(response, htmx=htmx) == (
        f"There is no client '{initech.pk}' in your statements; choose one from the list."
    )


@HTMX_OR_NOT
def test_a_report_action_for_an_unknown_report_is_the_400_page_and_writes_nothing(
    personas, acme_data, htmx
):
    _, key_accounts = acme_data
    carol = personas.client_for("carol")
    spec = {"kind": "everything", "range": "last_90_days"}
    actions = [
        (reverse("lists:list-add"), {**spec, "list": str(key_accounts.pk)}),
        (reverse("lists:list-add"), {**spec, "new_list_name": "Stolen"}),
        (reverse("lists:report-save"), {**spec, "name": "Mine"}),
        (reverse("lists:report-export"), {**spec, "name": "mine", "format": "csv"}),
    ]
    for url, data in actions:
        response = carol.post(url, data, **hx(htmx))
        assert refusal(response, htmx=htmx) == (
            "Unknown report: choose one of the dashboard's figures."
        ), url
        assert "Content-Disposition" not in response
    assert list(StaticList.objects.values_list("name", flat=True)) == ["Key accounts"]
    assert StaticListMember.objects.filter(list=key_accounts).count() == 1
    assert not SavedReport.objects.exists()
