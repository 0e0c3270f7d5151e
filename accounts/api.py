from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Entity


class EntityListApi(APIView):
    """The organisations that accept reports (public)."""

    authentication_classes: list[type] = []

    @extend_schema(
        responses=inline_serializer(
            "Entity",
            fields={"code": serializers.CharField(), "name": serializers.CharField()},
            many=True,
        )
    )
    def get(self, request: Request) -> Response:
        entities = (
            Entity.objects.filter(accepts_reports=True).order_by("code").values("code", "name")
        )
        return Response(list(entities))
