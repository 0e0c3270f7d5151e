"""Refuse to run the suite without real PostgreSQL and Redis: a missing service fails the run."""

from __future__ import annotations

import os
import sys

import psycopg
import redis


def main() -> int:
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    problems = []
    if not database_url.startswith(("postgres://", "postgresql://")):
        problems.append("DATABASE_URL must point at PostgreSQL for the test suite.")
    else:
        try:
            # The server's maintenance database: the test database does not exist yet.
            conninfo = psycopg.conninfo.make_conninfo(
                database_url, dbname="postgres", connect_timeout=3
            )
            with psycopg.connect(conninfo) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error as error:
            problems.append(
                f"PostgreSQL at DATABASE_URL is unreachable: {type(error).__name__}: {error}"
            )
    if not redis_url:
        problems.append("REDIS_URL must be set for the test suite.")
    else:
        try:
            redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
        except redis.RedisError as error:
            problems.append(f"Redis at REDIS_URL is unreachable: {type(error).__name__}: {error}")
    for problem in problems:
        print(f"preflight: {problem}", file=sys.stderr)
    if not problems:
        print("preflight: PostgreSQL and Redis are reachable.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
