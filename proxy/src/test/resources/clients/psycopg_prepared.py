"""psycopg 3 through pgmux with prepare_threshold=0 (every query a named prepared statement).

Usage: psycopg_prepared.py HOST PORT USER DATABASE MODE CONNECTIONS

  pipeline  CONNECTIONS connections at once, each running rounds in pipeline mode: several
            statements and an executemany sent before any result is read, then a transaction
            whose pipeline writes to prep_psycopg_log and reads its own write.
  rotate    one connection with prepared_max=5 running 12 distinct statements twice, so that
            psycopg deallocates the oldest ones ("DEALLOCATE _pg3_N", sent in the extended protocol).
  rollback  one connection running 3 statements in a transaction and rolling it back, 40 times: after
            each rollback psycopg forgets its statements and sends "DEALLOCATE ALL" (extended
            protocol), then prepares them again under new names.

Prints "ok ..." and exits 0; prints the failure and exits 1 (2 if it did not finish in time).
"""
import asyncio

import psycopg

import client_main

ROUNDS = 5


async def connect(args):
    conn = await psycopg.AsyncConnection.connect(host=args.host, port=args.port, user=args.user, dbname=args.database,
                                                 autocommit=True, connect_timeout=60)
    conn.prepare_threshold = 0
    return conn


async def pipeline_client(args, client):
    conn = await connect(args)
    try:
        for r in range(ROUNDS):
            async with conn.pipeline():
                total = await conn.execute("SELECT %s::int + %s::int", (client, r))
                shout = await conn.execute("SELECT %s::text || '!'", (f"c{client}",))
                async with conn.cursor() as cur:
                    await cur.executemany("INSERT INTO prep_psycopg_log VALUES (%s, %s, %s)",
                                          [(client, r, k) for k in range(3)])
                again = await conn.execute("SELECT %s::int + %s::int", (r, client))
                assert (await total.fetchone())[0] == client + r
                assert (await shout.fetchone())[0] == f"c{client}!"
                assert (await again.fetchone())[0] == client + r
            async with conn.transaction():
                async with conn.pipeline():
                    await conn.execute("INSERT INTO prep_psycopg_log VALUES (%s, %s, %s)", (client, r, 99))
                    count = await conn.execute("SELECT count(*) FROM prep_psycopg_log WHERE client = %s", (client,))
                    assert (await count.fetchone())[0] == 4 * (r + 1)
        return ROUNDS
    finally:
        await conn.close()


async def pipeline_mode(args):
    if not psycopg.AsyncPipeline.is_supported():
        raise RuntimeError("this libpq does not support pipeline mode: " + str(psycopg.pq.version()))
    done = await asyncio.gather(*(pipeline_client(args, c) for c in range(args.connections)))
    return f"{sum(done)} pipelined rounds on {args.connections} connections"


async def rotate_mode(args):
    conn = await connect(args)
    conn.prepared_max = 5
    try:
        for repeat in range(2):
            for n in range(12):
                cur = await conn.execute(f"SELECT %s::int + {n}", (repeat,))
                assert (await cur.fetchone())[0] == repeat + n
        return "12 statements rotated through a cache of 5"
    finally:
        await conn.close()


async def rollback_mode(args):
    conn = await connect(args)
    await conn.set_autocommit(False)
    try:
        for n in range(40):
            for k in range(3):
                cur = await conn.execute(f"SELECT %s::int * {k}", (n,))
                assert (await cur.fetchone())[0] == n * k
            await conn.rollback()
        return "40 rollbacks"
    finally:
        await conn.close()


if __name__ == "__main__":
    client_main.run({"pipeline": pipeline_mode, "rotate": rotate_mode, "rollback": rollback_mode}, 150)
