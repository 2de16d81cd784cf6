"""psycopg and asyncpg over TLS to pgmux, verifying its certificate against a CA file.

Usage: tls_clients.py HOST PORT USER DATABASE CAFILE
Prints one line per client: "psycopg ssl_in_use" and "asyncpg <protocol>", then "ok".
"""
import asyncio
import ssl
import sys

import asyncpg
import psycopg

host, port, user, database, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]

with psycopg.connect(host=host, port=port, user=user, dbname=database, sslmode="verify-full",
                     sslrootcert=cafile, connect_timeout=10) as conn:
    assert conn.pgconn.ssl_in_use, "psycopg is not using TLS"
    assert conn.execute("select 40 + 2").fetchone()[0] == 42
    print("psycopg ssl_in_use")


async def with_asyncpg():
    context = ssl.create_default_context(cafile=cafile)  # checks the host name (127.0.0.1 is in the certificate)
    conn = await asyncpg.connect(host=host, port=port, user=user, database=database, ssl=context, timeout=10)
    try:
        assert await conn.fetchval("select $1::int + 1", 41) == 42
        print("asyncpg", conn._transport.get_extra_info("ssl_object").version())
    finally:
        await conn.close()

asyncio.run(with_asyncpg())
print("ok")
