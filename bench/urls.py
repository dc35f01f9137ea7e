"""The project's URLs plus two trivial endpoints: the baselines that every measured endpoint is
compared with (same server, same middleware, same run)."""
from django.http import JsonResponse
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView


def trivial(request):
    return JsonResponse({"ok": True})


class TrivialAuthenticated(APIView):
    """What token authentication and DRF cost by themselves: no query beyond the token's."""

    def get(self, request):
        return Response({"ok": True, "user": request.user.pk})

    def post(self, request):
        return Response({"ok": True, "user": request.user.pk}, status=201)


urlpatterns = [
    path("bench/trivial/", trivial),
    path("bench/trivial-auth/", TrivialAuthenticated.as_view()),
    path("", include("gridgov.urls")),
]
