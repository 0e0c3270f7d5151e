"""Keyset pages: every list that grows with the data is read a page at a time, the same way.

A page is the first ``limit`` rows after a cursor in a fixed, total order (the last key is always
the primary key, so no two rows tie). The cursor holds the last row's keys, not an offset, so the
database seeks straight to it through the list's index: the tenth thousandth page costs what the
first does, and rows added meanwhile neither repeat nor skip one (issue 15).

The contract's case list fixed the vocabulary every list here shares: ``?limit=`` (default 50, at
most 500) and ``?cursor=``, the next page's address in a ``Link: <URL>; rel="next"`` header.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, Model, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.response import Response

from core.errors import InvalidInputError

PAGE_DEFAULT = 50
PAGE_MAX = 500
# A cursor holds a few keys; anything longer is not one this service gave.
CURSOR_MAX_LENGTH = 400

Row = TypeVar("Row", bound=Model)


@dataclass(frozen=True)
class Page(Generic[Row]):
    rows: list[Row]
    next_cursor: str | None


@dataclass(frozen=True)
class Key:
    """One key of a list's order: a model field (through relations with ``__``), ascending or
    descending. A nullable key sorts its empty values last, whichever the direction (its index,
    if it has one, must say ``NULLS LAST`` for a descending key)."""

    field: str
    descending: bool = False
    nullable: bool = False

    def order(self) -> Any:

        expression = F(self.field)
        # Only a nullable key says where its empty values go: a plain ASC or DESC is what a
        # default index holds, and the database uses an index only for the order it holds.
        nulls_last = True if self.nullable else None
        if self.descending:
            return expression.desc(nulls_last=nulls_last)
        return expression.asc(nulls_last=nulls_last)


class PageQuerySerializer(serializers.Serializer[Any]):
    """``?limit=`` and ``?cursor=`` as the contract reads them; a list's own filters extend it."""

    # More than the maximum is served as the maximum ("at most 500"); below one is refused.
    limit = serializers.IntegerField(required=False, default=PAGE_DEFAULT, min_value=1)
    cursor = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=CURSOR_MAX_LENGTH
    )

    def validate_limit(self, value: int) -> int:
        return min(value, PAGE_MAX)


def keyset_page(
    query: QuerySet[Row], keys: Sequence[Key], *, limit: int, cursor: str = ""
) -> Page[Row]:
    """The page of ``query`` after ``cursor`` in the order of ``keys`` (the last of which must be
    unique and never empty: the primary key). One query, whichever page."""
    ordered = query.order_by(*(key.order() for key in keys))
    if cursor:
        values = [
            _as_key(query.model, key, value)
            for key, value in zip(keys, _decode(cursor, len(keys)), strict=True)
        ]
        ordered = ordered.filter(_bound(keys[0], values[0]), _after(keys, values))
    rows = list(ordered[: limit + 1])
    following = _encode(rows[limit - 1], keys) if len(rows) > limit else None
    return Page(rows=rows[:limit], next_cursor=following)


def next_link(request: HttpRequest, cursor: str | None) -> str | None:
    """The ``Link`` header's value for the page after this one, with the request's own filters;
    ``None`` on the last page."""
    if cursor is None:
        return None
    query = request.GET.copy()
    query["cursor"] = cursor
    return f'<{request.build_absolute_uri(f"{request.path}?{query.urlencode()}")}>; rel="next"'


def paged_response(body: list[Any], request: HttpRequest, page: Page[Any]) -> Response:
    """An API list's answer: the page's rows as the body, the next page in a ``Link`` header."""
    response = Response(body)
    link = next_link(request, page.next_cursor)
    if link is not None:
        response["Link"] = link
    return response


def next_page_query(request: HttpRequest, cursor: str | None) -> str | None:
    """The query string of the page after this one on a staff page (its "Next" link)."""
    if cursor is None:
        return None
    query = request.GET.copy()
    query["cursor"] = cursor
    return query.urlencode()


def _after(keys: Sequence[Key], values: list[Any]) -> Q:
    """The rows strictly after ``values`` in the order of ``keys``: the first key past its value,
    or equal to it and the rest after theirs. Empty values sort last in either direction."""
    key, value = keys[0], values[0]
    if len(keys) == 1:
        return _past(key, value)
    rest = _after(keys[1:], values[1:])
    if value is None:
        # Among the empty values only the rest can be past; nothing non-empty comes after them.
        return Q(**{f"{key.field}__isnull": True}) & rest
    same = Q(**{key.field: value}) & rest
    return _past(key, value) | same


def _bound(key: Key, value: Any) -> Q:
    """The first key's side of its value, implied by ``_after`` but stated on its own: the
    database then seeks the index to it instead of reading every row before the cursor. A
    nullable key past a value may still be empty, which no range states: no bound then."""
    if value is None or key.nullable:
        return Q()
    return Q(**{f"{key.field}__{'lte' if key.descending else 'gte'}": value})


def _past(key: Key, value: Any) -> Q:
    if value is None:
        return Q(pk__in=[])
    beyond = Q(**{f"{key.field}__{'lt' if key.descending else 'gt'}": value})
    if key.nullable:
        beyond |= Q(**{f"{key.field}__isnull": True})
    return beyond


def _as_key(model: type[Model], key: Key, value: Any) -> Any:
    """``value`` as the key's field holds it; ``InvalidInputError`` when it cannot be one (a
    cursor for another list, or made up). A key on an annotation is taken as it is."""
    field: Any = None
    try:
        for part in key.field.split("__"):
            field = model._meta.get_field(part)
            model = field.related_model or model
    except FieldDoesNotExist:
        return value
    if value is None:
        if key.nullable:
            return None
        raise _cursor_error()
    try:
        return field.target_field.to_python(value) if field.is_relation else field.to_python(value)
    except ValidationError:
        raise _cursor_error() from None


def _cursor_error() -> InvalidInputError:
    return InvalidInputError(
        {"cursor": [_("This cursor is not one this list gave. Start from the first page.")]}
    )


def _value(row: Model, field: str) -> Any:
    value: Any = row
    for part in field.split("__"):
        value = getattr(value, part) if value is not None else None
    return value.pk if isinstance(value, Model) else value


def _encode(row: Model, keys: Sequence[Key]) -> str:
    values = [_plain(_value(row, key.field)) for key in keys]
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, uuid.UUID):
        return {"u": str(value)}
    if value is None or isinstance(value, int | str):
        return value
    raise TypeError(f"A page key cannot hold {type(value).__name__}")


_PARSERS: dict[str, Callable[[str], Any]] = {
    "t": datetime.fromisoformat,
    "d": date.fromisoformat,
    "u": uuid.UUID,
}


def _typed(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((kind, text),) = value.items()
        return _PARSERS[kind](text)
    if value is None or isinstance(value, int | str):
        return value
    raise ValueError("not a key")


def _decode(cursor: str, count: int) -> list[Any]:
    """The keys a cursor holds; ``InvalidInputError`` for anything this list did not give."""
    try:
        if len(cursor) > CURSOR_MAX_LENGTH:
            raise ValueError("too long")
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(values, list) or len(values) != count:
            raise ValueError("not this list's")
        return [_typed(value) for value in values]
    except (ValueError, TypeError, KeyError, binascii.Error):
        raise _cursor_error() from None
