"""``GET /healthz``: is the database reachable, and the broker where one is configured."""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

logger = logging.getLogger("upstander.health")


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("healthz: database unreachable (%s)", type(error).__name__)
        return "down"
    return "ok"


def broker_status() -> str:
    if not settings.REDIS_URL:
        return "eager"
    timeout = settings.HEALTHCHECK_TIMEOUT_SECONDS
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=timeout, socket_timeout=timeout
    )
    try:
        client.ping()
    except redis.RedisError as error:
        logger.warning("healthz: broker unreachable (%s)", type(error).__name__)
        return "down"
    finally:
        client.close()
    return "ok"


@csrf_exempt  # read-only probe; other methods get a plain 405
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    body = {"status": "ok", "database": database_status(), "broker": broker_status()}
    if "down" in (body["database"], body["broker"]):
        body["status"] = "down"
        return JsonResponse(body, status=503)
    return JsonResponse(body)
