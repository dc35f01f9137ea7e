"""The project's URLs plus the benchmark's baseline: a trivial endpoint behind the same token
authentication as the filing API."""
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from gridgov.urls import urlpatterns as project_urlpatterns


class Trivial(APIView):
    def get(self, request):
        return Response({"ok": True, "user": request.user.pk})


urlpatterns = [path("bench/trivial/", Trivial.as_view()), *project_urlpatterns]
