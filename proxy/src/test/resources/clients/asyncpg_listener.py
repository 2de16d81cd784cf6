"""asyncpg through pgmux under transaction pooling: a LISTEN/NOTIFY consumer with add_listener
(issue 12).

Usage: asyncpg_listener.py HOST PORT USER DATABASE

A connection registers a listener (asyncpg sends LISTEN) and stays idle while another connection
sends NOTIFYs between other queries; the listener must get every payload, in order. Then
remove_listener (UNLISTEN) and one more NOTIFY, which must not arrive.

Prints "ok listener" and exits 0; prints the failure and exits 1.
"""
import asyncio
import sys

import asyncpg

CHANNEL = "features_asyncpg"


async def run(host, port, user, database):
    listener = await asyncpg.connect(host=host, port=int(port), user=user, database=database, ssl=False, timeout=30)
    notifier = await asyncpg.connect(host=host, port=int(port), user=user, database=database, ssl=False, timeout=30)
    try:
        received = []
        got_three = asyncio.Event()

        def on_notify(connection, pid, channel, payload):
            received.append(payload)
            if len(received) == 3:
                got_three.set()

        await listener.add_listener(CHANNEL, on_notify)
        for i in range(3):
            await notifier.fetchval("SELECT 1")
            await notifier.execute(f"NOTIFY {CHANNEL}, 'n{i}'")
        await asyncio.wait_for(got_three.wait(), timeout=20)
        await listener.remove_listener(CHANNEL, on_notify)
        await notifier.execute(f"NOTIFY {CHANNEL}, 'late'")
        await asyncio.sleep(0.5)
        await listener.fetchval("SELECT 1")  # anything that arrived is delivered by now
        if received != ["n0", "n1", "n2"]:
            raise AssertionError(f"listener got {received}")
    finally:
        await listener.close()
        await notifier.close()


def main():
    try:
        asyncio.run(run(*sys.argv[1:5]))
    except Exception as e:  # noqa: BLE001 - the test prints whatever went wrong
        print(f"failed: {e!r}")
        sys.exit(1)
    print("ok listener")


if __name__ == "__main__":
    main()
