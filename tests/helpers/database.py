"""Scans of the whole database, for what must be stored nowhere."""

from __future__ import annotations

from django.db import connection


def columns_containing(needle: str) -> list[str]:
    """Every ``table.column`` of the public schema whose value contains ``needle``, as text in
    a text or JSON column or as UTF-8 bytes in a binary column. Sees the current transaction."""
    found: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type IN "
            "('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'inet')"
        )
        columns = cursor.fetchall()
        for table, column, data_type in columns:
            qt, qc = connection.ops.quote_name(table), connection.ops.quote_name(column)
            if data_type == "bytea":
                sql = f"SELECT 1 FROM {qt} WHERE position(%s::bytea in {qc}) > 0 LIMIT 1"  # noqa: S608
                cursor.execute(sql, [needle.encode()])
            else:
                sql = f"SELECT 1 FROM {qt} WHERE strpos({qc}::text, %s) > 0 LIMIT 1"  # noqa: S608
                cursor.execute(sql, [needle])
            if cursor.fetchone():
                found.append(f"{table}.{column}")
    return found
