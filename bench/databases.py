"""A database of the benchmark's own on the PostgreSQL server, created on demand."""

from __future__ import annotations

import psycopg
from psycopg import sql


def ensure_postgres_database(server_url: str, name: str, *, recreate: bool) -> bool:
    """Create database ``name`` on the server of ``server_url`` if missing (or anew).

    Returns True when it was created. Connects to the server's maintenance database.
    """
    identifier = sql.Identifier(name)
    maintenance = psycopg.conninfo.make_conninfo(server_url, dbname="postgres", connect_timeout=5)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if recreate:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(identifier))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(identifier))
        return True
