"""API conventions shared by every app: errors say what is wrong and where."""
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" not in response.data:
        # Field errors keep DRF's {field: [messages]} shape, under a single top-level message.
        response.data = {"detail": "Invalid input.", "errors": response.data}
    return response
