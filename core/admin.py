"""Admin helpers shared by every app.

Permission-checked actions, read-only admins, changelist links, the program's
import/export, and the audit log's admin (read-only, for staff).
"""

from __future__ import annotations

import copy
from typing import Any
from urllib.parse import urlencode

from auditlog.admin import LogEntryAdmin
from auditlog.filters import CIDFilter
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from import_export.admin import ImportExportMixin

from core.formats import FORMATS, is_binary
from core.ids import parse_whole_number
from core.resources import import_counts, import_errors


def changelist_url(model: type[Model], **filters: object) -> str:
    """The admin changelist of ``model``, filtered by ``filters`` (e.g. ``partner__id__exact``)."""
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def changelist_link(model: type[Model], label: str, **filters: object) -> SafeString:
    return format_html('<a href="{}">{}</a>', changelist_url(model, **filters), label)


def links(*items: tuple[type[Model], str, dict[str, object]]) -> SafeString:
    """A `` · ``-separated row of changelist links, for "where do these numbers come from"."""
    return format_html_join(
        " · ",
        '<a href="{}">{}</a>',
        ((changelist_url(model, **filters), label) for model, label, filters in items),
    )


class ActionPermissionsMixin:
    """Admin actions that hold: each needs a permission, and a refused one answers 403.

    An action that declares no ``permissions`` needs "change" (Django would offer it to anyone
    who may view the list), and on a list that has actions, a POST of one that the user is not
    offered is refused with 403 instead of Django's "No action selected". A list without any
    (``actions = None``) answers such a POST with the list itself, as Django does.
    """

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions: dict[str, Any] = super().get_actions(request)  # type: ignore[misc]
        return {
            name: action
            for name, action in actions.items()
            if getattr(action[0], "allowed_permissions", None)
            or self.has_change_permission(request)  # type: ignore[attr-defined]
        }

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method == "POST" and self.actions is not None:  # type: ignore[attr-defined]
            offered = self.get_actions(request)
            if any(name and name not in offered for name in request.POST.getlist("action")):
                raise PermissionDenied
        response: HttpResponse = super().changelist_view(request, extra_context)  # type: ignore[misc]
        return response


class ProgramModelAdmin(ActionPermissionsMixin, admin.ModelAdmin):
    """The base of every program admin: actions need their permissions (see the mixin)."""


class ReadOnlyModelAdmin(ProgramModelAdmin):
    """View-only admin for rows the program writes itself (ledger, standings, reviews, lines).

    Nobody adds, changes or deletes them here: every field is read-only, the change page has no
    save button, a POST to it is refused (403) and the list has no actions ("delete selected"
    is gone, also for a subclass that adds actions of its own).
    """

    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        model_fields = [field.name for field in self.model._meta.fields if not field.primary_key]
        extra = [name for name in self.readonly_fields if name not in model_fields]
        return [*model_fields, *extra]

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


class ProgramImportExportMixin(ImportExportMixin):
    """CSV and XLSX import (dry run first, all-or-nothing) and export with the current filters.

    The import page lists every bad row as row, column and message, and the dry run's counts of
    rows to create, update and skip. Importing needs the add and change permissions, exporting
    the view permission; without them every step (form, dry run, confirmation) answers 403.
    The formats are ``core.formats``', so that an exported file imports unchanged.
    """

    formats = FORMATS
    import_template_name = "admin/program_import.html"

    def has_import_permission(self, request: HttpRequest) -> bool:
        """An import adds rows and updates the ones it finds by natural key: it needs both the
        add and the change permission (the library checks IMPORT_EXPORT_IMPORT_PERMISSION_CODE).
        """
        return bool(
            super().has_import_permission(request)
            and self.has_add_permission(request)
            and self.has_change_permission(request)
        )

    def has_export_permission(self, request: HttpRequest) -> bool:
        """An export is a read: it needs the view permission."""
        return bool(super().has_export_permission(request) and self.has_view_permission(request))

    def process_import(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The library answers a GET with 405 before it asks for the permission.
        if not self.has_import_permission(request):
            raise PermissionDenied
        response: HttpResponse = super().process_import(request, *args, **kwargs)
        return response

    def export_action(self, request: HttpRequest) -> HttpResponse:
        try:
            response: HttpResponse = super().export_action(request)
        except IncorrectLookupParameters:
            # A filter the list does not have: back to the whole list, as the list itself does.
            changelist = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
            return HttpResponseRedirect(f"{changelist}?{ERROR_FLAG}=1")
        return response

    def get_export_data(
        self, file_format: Any, request: HttpRequest, queryset: QuerySet[Any], **kwargs: Any
    ) -> Any:
        # The library exports native values (numbers, dates) only to its own XLSX class, known
        # by its exact type; the project's XLSX, a subclass, needs them as much.
        if not self.has_export_permission(request):
            raise PermissionDenied
        data = self.get_data_for_export(
            request, queryset, force_native_type=is_binary(file_format), **kwargs
        )
        export_data = file_format.export_data(data)
        encoding = kwargs.get("encoding")
        if not file_format.is_binary() and encoding:
            export_data = export_data.encode(encoding)
        return export_data

    def get_export_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # The export page's own options (``?format=csv``) are not changelist filters: left in,
        # the changelist would look for a model field named ``format`` (FieldError, a 500).
        if any(name in request.GET for name in EXPORT_OPTIONS):
            params = request.GET.copy()
            for name in EXPORT_OPTIONS:
                params.pop(name, None)
            request = copy.copy(request)  # the changelist's copy: the page keeps its query
            request.GET = params  # type: ignore[assignment]
        queryset: QuerySet[Any] = super().get_export_queryset(request)
        return queryset

    def import_action(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().import_action(request, *args, **kwargs)
        if isinstance(response, TemplateResponse) and response.context_data:
            context = response.context_data
            result = context.get("result")
            if result is not None:
                resource = self.choose_import_resource_class(context["form"], request)()
                context["row_error_list"] = import_errors(result, resource)
                context["import_counts"] = import_counts(result)
        return response

    def process_result(self, result: Any, request: HttpRequest) -> HttpResponse:
        if result.has_errors() or result.has_validation_errors():
            # The file changed between the dry run and the confirmation (or the data did):
            # the import was rolled back as a whole.
            resource = self.get_import_resource_classes(request)[0]()
            first = import_errors(result, resource)[:3]
            detail = "; ".join(f"row {e.row} {e.column}: {e.message}" for e in first)
            messages.error(request, f"Nothing was imported: {detail}")
            return HttpResponseRedirect(
                reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_import")
            )
        return super().process_result(result, request)


def staff_user(request: HttpRequest) -> AbstractBaseUser | None:
    """The signed-in admin user, for "who ran it" fields."""
    user = request.user
    return user if isinstance(user, AbstractBaseUser) else None


def _guard_other_apps_admins() -> None:
    """Re-register the admins of the apps installed before this one (auth's groups, axes,
    Celery beat) with ``ActionPermissionsMixin``.

    Celery beat's "Enable / Disable / Toggle / Run selected tasks" and axes' "Clean up expired
    attempts" declare no permission, so Django offers them to anyone who may view the list.
    """
    for model, model_admin in list(admin.site._registry.items()):
        if isinstance(model_admin, ActionPermissionsMixin):
            continue
        original = type(model_admin)
        guarded = type(original.__name__, (ActionPermissionsMixin, original), {})
        admin.site.unregister(model)
        admin.site.register(model, guarded)


#: Query parameters of the export page that choose what to export, not which rows.
EXPORT_OPTIONS = ("format", "resource", "export_items")


_guard_other_apps_admins()


# --- the audit log (django-auditlog) ---------------------------------------------------------


def _id_or_refused(value: str) -> int:
    number = parse_whole_number(value, minimum=1)
    if number is None:  # the list goes back to all entries (``?e=1``), as for a bad lookup
        raise IncorrectLookupParameters(f"Not an id: {value!r}")
    return number


class AuditActorFilter(admin.SimpleListFilter):
    """Entries by who made the change: a staff member, any partner user, or nobody signed in
    (the nightly jobs, commands, an anonymous page such as accepting an invitation). Any
    user's id is taken (``?actor=<id>``); the staff are listed."""

    title = "actor"
    parameter_name = "actor"
    NOBODY, PARTNER_USERS = "nobody", "partner-users"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        staff = get_user_model()._default_manager.filter(is_staff=True).order_by("email", "pk")
        return [
            (self.NOBODY, "Nobody signed in"),
            (self.PARTNER_USERS, "Partner users"),
            *((str(user.pk), user.get_username()) for user in staff),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value is None:
            return queryset
        if value == self.NOBODY:
            return queryset.filter(actor__isnull=True).filter(
                Q(actor_email__isnull=True) | Q(actor_email="")
            )
        if value == self.PARTNER_USERS:
            return queryset.filter(actor__is_staff=False)
        return queryset.filter(actor_id=_id_or_refused(value))


class AuditModelFilter(admin.SimpleListFilter):
    """Entries by the kind of record changed: every audited model."""

    title = "model"
    parameter_name = "model"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        types = ContentType.objects.get_for_models(*auditlog.get_models())
        return sorted(
            (
                (
                    str(content_type.pk),
                    f"{model._meta.app_config.verbose_name}: {model._meta.verbose_name}",
                )
                for model, content_type in types.items()
            ),
            key=lambda choice: choice[1],
        )

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(content_type_id=_id_or_refused(value))


class AuditLogEntryAdmin(ActionPermissionsMixin, LogEntryAdmin):
    """The audit log, append-only: nobody adds, changes or deletes an entry here, superusers
    included (every write is refused: 403, or 405 for a POST to the list), and the list has
    no actions. Staff with the view permission read it, filtered by actor, date, model and
    action, and searched by the record's name, the actor's email or the changes."""

    actions = None
    list_filter = [
        "action",
        AuditModelFilter,
        AuditActorFilter,
        ("timestamp", admin.DateFieldListFilter),
        CIDFilter,
    ]
    search_fields = ["object_repr", "actor_email", "changes"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            if not self.has_view_permission(request):
                raise PermissionDenied
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return super().changelist_view(request, extra_context)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        # Django refuses a POST (no change permission) but would show the page for a PUT.
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        return super().changeform_view(request, object_id, form_url, extra_context)


admin.site.unregister(LogEntry)
admin.site.register(LogEntry, AuditLogEntryAdmin)
