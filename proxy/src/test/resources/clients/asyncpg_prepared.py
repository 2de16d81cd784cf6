"""asyncpg through pgmux, with its statement cache on (named prepared statements).

Usage: asyncpg_prepared.py HOST PORT USER DATABASE MODE CONNECTIONS

  cache    CONNECTIONS connections at once, each running the same query texts several times
           (asyncpg prepares each text once per connection and reuses the statement), with a
           transaction per round that writes to prep_asyncpg_log and reads its own write.
  prepare  CONNECTIONS connections each prepare() a statement (Parse, Describe, Flush: no Sync)
           and keep it, all of them before any executes; then all execute.

Prints "ok ..." and exits 0; prints the failure and exits 1 (2 if it did not finish in time).
"""
import asyncio

import asyncpg

import client_main

ROUNDS = 5
TIMEOUT_SECONDS = 150


async def connect(args):
    return await asyncpg.connect(host=args.host, port=args.port, user=args.user, database=args.database,
                                 ssl=False, timeout=60, command_timeout=60)


async def cache_client(args, client):
    conn = await connect(args)
    try:
        for r in range(ROUNDS):
            total = await conn.fetchval("SELECT $1::int + $2::int", client, r)
            assert total == client + r, (client, r, total)
            rows = await conn.fetch("SELECT g, $1::text AS who FROM generate_series(1, $2::int) g", f"c{client}", 3)
            assert [tuple(row) for row in rows] == [(g, f"c{client}") for g in (1, 2, 3)], rows
            async with conn.transaction():
                await conn.execute("INSERT INTO prep_asyncpg_log VALUES ($1, $2)", client, r)
                count = await conn.fetchval("SELECT count(*) FROM prep_asyncpg_log WHERE client = $1", client)
                assert count == r + 1, (client, r, count)
        return ROUNDS
    finally:
        await conn.close()


async def cache_mode(args):
    done = await asyncio.gather(*(cache_client(args, c) for c in range(args.connections)))
    return f"{sum(done)} rounds on {args.connections} connections"


async def prepare_mode(args):
    async def prepare(client):
        conn = await connect(args)
        statement = await conn.prepare("SELECT $1::int * $2::int")
        return conn, statement

    prepared = await asyncio.gather(*(prepare(c) for c in range(args.connections)))
    try:
        results = await asyncio.gather(*(statement.fetchval(c, 2) for c, (_, statement) in enumerate(prepared)))
        assert results == [c * 2 for c in range(args.connections)], results
        return f"{args.connections} connections prepared before executing"
    finally:
        await asyncio.gather(*(conn.close() for conn, _ in prepared))


if __name__ == "__main__":
    client_main.run({"cache": cache_mode, "prepare": prepare_mode}, TIMEOUT_SECONDS)
