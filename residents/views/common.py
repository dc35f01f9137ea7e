"""What the resident pages share: the role checks, no-store answers, safe redirects, form errors, and
the rule that a full identifier never travels in an address (the API follows it too)."""
from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..policy import can_see_records
from ..queries import identifier_in_address


PAGE_SIZE = 25
EXPORT_LIMIT = 50_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def records_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_see_records(request.user):
            raise PermissionDenied(_("Your role does not work with resident records."))
        return view(request, *args, **kwargs)

    return wrapper


def no_store(response: HttpResponse) -> HttpResponse:
    # Pages that may carry a revealed identifier must never sit in a browser or proxy cache.
    response["Cache-Control"] = "no-store"
    return response


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def form_errors(form, exc: ValidationError) -> None:
    for name, messages_ in (exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]):
        for message in messages_:
            form.add_error(name if name in form.fields else None, message)


ADDRESS_MESSAGE = gettext_lazy(
    "A full ID, passport or phone number must not travel in the address, where servers and proxies log it: "
    "use the box “Find by full ID or phone number”, which sends it by POST."
)
SEARCH_LIMIT_MESSAGE = gettext_lazy("You have made today's number of searches by ID, passport or phone number.")


class IdentifierInAddress(Exception):
    pass


def refuse_identifier_in_address(request) -> None:
    """The rule the API follows too (residents.queries.identifier_in_address)."""
    if identifier_in_address(request.GET):
        raise IdentifierInAddress()
