"""psycopg 3 through pgmux under transaction pooling: a migration tool's lock pattern and a
LISTEN/NOTIFY consumer (issue 12).

Usage: psycopg_session_features.py HOST PORT USER DATABASE

  migration  two "migrators" in turn, each as Alembic's env.py does it: pg_advisory_lock(key) in its
             own transaction, the DDL in another, pg_advisory_unlock(key); the second finds the
             first one's work done and the lock free.
  consumer   a connection LISTENs and waits idle while another sends NOTIFYs and other queries; the
             consumer reads them with notifies(), then UNLISTENs.

Prints "ok ..." and exits 0; prints the failure and exits 1.
"""
import sys

import psycopg

KEY = 424242


def connect(args, autocommit):
    host, port, user, database = args
    return psycopg.connect(host=host, port=int(port), user=user, dbname=database, autocommit=autocommit,
                           connect_timeout=30)


def migrate(args, name):
    with connect(args, autocommit=False) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (KEY,))
        conn.commit()
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        conn.execute("CREATE TABLE IF NOT EXISTS features_migrated (who text)")
        conn.execute("INSERT INTO features_migrated VALUES (%s)", (name,))
        conn.commit()
        same = conn.execute("SELECT pg_backend_pid()").fetchone()[0] == pid
        conn.commit()
        unlocked = conn.execute("SELECT pg_advisory_unlock(%s)", (KEY,)).fetchone()[0]
        conn.commit()
        if not same or not unlocked:
            raise AssertionError(f"{name}: kept its server {same}, unlocked {unlocked}")


def consume(args):
    with connect(args, autocommit=True) as consumer, connect(args, autocommit=True) as notifier:
        consumer.execute("LISTEN features_py")
        for i in range(3):
            notifier.execute("SELECT 1")
            notifier.execute("SELECT pg_notify('features_py', %s)", (f"n{i}",))
        payloads = []
        for notify in consumer.notifies():
            payloads.append(notify.payload)
            if len(payloads) == 3:
                break
        if payloads != ["n0", "n1", "n2"]:
            raise AssertionError(f"consumer got {payloads}")
        consumer.execute("UNLISTEN *")


def main():
    args = sys.argv[1:5]
    try:
        migrate(args, "first")
        migrate(args, "second")
        consume(args)
    except Exception as e:  # noqa: BLE001 - the test prints whatever went wrong
        print(f"failed: {e!r}")
        sys.exit(1)
    print("ok migration and consumer")


if __name__ == "__main__":
    main()
