"""API conventions shared by every app: errors say what is wrong and where."""
import math

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.views import exception_handler as drf_exception_handler

from .dates import DateError, check_moment


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" not in response.data:
        # Field errors keep DRF's {field: [messages]} shape, under a single top-level message.
        response.data = {"detail": _("Invalid input."), "errors": response.data}
    return response


def float_param(request, name: str, low: float, high: float) -> float:
    """A required number from the query string, within [low, high]; a 400 naming the parameter otherwise."""
    raw = getattr(request, "query_params", request.GET).get(name)
    if raw in (None, ""):
        raise ValidationError({name: [_("This parameter is required.")]})
    try:
        value = float(raw)
    except ValueError:
        raise ValidationError({name: [_("“%(value)s” is not a number.") % {"value": raw}]})
    if not low <= value <= high:
        raise ValidationError({name: [_("Must lie between %(low)s and %(high)s.") % {"low": low, "high": high}]})
    return value


class BoundedDateTimeField(serializers.DateTimeField):
    """A date-time within the product's years (gridgov.dates): a phone's clock at year 1 or 9999
    is refused naming the field, not stored (year 1 in Asia/Shanghai is no PostgreSQL timestamp)."""

    def to_internal_value(self, value):
        try:
            moment = super().to_internal_value(value)
        except OverflowError:  # DRF compares a naive year-1 value with its UTC form, which overflows
            self.fail("overflow")
        try:
            return check_moment(moment, self.field_name or "at")
        except DateError as exc:
            raise ValidationError(exc.message)


class StrictFloatField(serializers.FloatField):
    """A finite number, or its text from a form — not ``true`` (DRF's FloatField read JSON ``true``
    as 1.0) and not ``nan``/``inf`` (which pass every range check)."""

    default_error_messages = {"invalid": gettext_lazy("A valid number is required.")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float, str)):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if not math.isfinite(value):
            self.fail("invalid")
        return value
