"""The API's sign-in: tokens (obtain, refresh, revoke) and the password change.

    POST /api/v1/auth/token/          {username, password} → {token, expires_at, refresh, refresh_expires_at}
    POST /api/v1/auth/token/refresh/  {refresh}            → a new pair; the old one ends
    POST /api/v1/auth/token/revoke/   (signed in)          → this token ends (signing out)
    POST /api/v1/auth/password/       {old_password, new_password} → every token and other session
                                       ends; a token client gets a fresh pair in the answer
"""
from __future__ import annotations

from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.exceptions import AuthenticationFailed, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from . import tokens
from .models import ApiToken
from .passwords import change_password

TOKEN_PAIR = inline_serializer("TokenPair", {
    "token": serializers.CharField(), "expires_at": serializers.DateTimeField(),
    "refresh": serializers.CharField(), "refresh_expires_at": serializers.DateTimeField(),
})


class ObtainTokenView(APIView):
    """POST username and password, get a token pair; then send ``Authorization: Token <token>``.

    Every sign-in gets a new pair (a device of its own); the same key is never handed out twice."""

    authentication_classes = ()
    permission_classes = [AllowAny]

    @extend_schema(
        request=inline_serializer("TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}),
        responses=TOKEN_PAIR,
    )
    def post(self, request):
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return Response(tokens.issue(serializer.validated_data["user"]).as_dict())


class RefreshSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=200, help_text=gettext_lazy("The refresh key of the pair."))


class RefreshTokenView(APIView):
    """Trade a live refresh key for a new pair (the phone does this before its token expires)."""

    authentication_classes = ()
    permission_classes = [AllowAny]

    @extend_schema(request=RefreshSerializer, responses=TOKEN_PAIR)
    def post(self, request):
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        issued = tokens.refresh(serializer.validated_data["refresh"])
        if issued is None:
            raise AuthenticationFailed(_("The refresh key is unknown, used or expired: sign in again."))
        return Response(issued.as_dict())


class RevokeTokenView(APIView):
    """End the token this request is signed in with (signing out of the phone)."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        if not isinstance(request.auth, ApiToken):
            raise ValidationError({"token": [_("This request is not signed in with a token.")]})
        tokens.revoke(request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(max_length=200, trim_whitespace=False)
    new_password = serializers.CharField(max_length=200, trim_whitespace=False)

    def validate(self, attrs):
        user = self.context["user"]
        if not user.check_password(attrs["old_password"]):
            raise ValidationError({"old_password": [_("Your current password was entered incorrectly.")]})
        try:
            validate_password(attrs["new_password"], user)
        except DjangoValidationError as exc:
            raise ValidationError({"new_password": list(exc.messages)})
        return attrs


class PasswordChangeView(APIView):
    @extend_schema(request=PasswordChangeSerializer, responses={200: TOKEN_PAIR})
    def post(self, request):
        user = request.user
        serializer = PasswordChangeSerializer(data=request.data, context={"user": user})
        serializer.is_valid(raise_exception=True)
        change_password(user, serializer.validated_data["new_password"])
        body = {"detail": _("Your password was changed. Every other sign-in of yours has ended.")}
        if isinstance(request.auth, ApiToken):
            body.update(tokens.issue(user).as_dict())  # the phone that changed it stays signed in
        else:
            update_session_auth_hash(request._request, user)
        return Response(body)
