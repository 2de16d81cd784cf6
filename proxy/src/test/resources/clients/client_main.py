"""What the Python client scripts share: their command line and how they end.

Usage of a script: SCRIPT HOST PORT USER DATABASE MODE CONNECTIONS. It prints "ok ..." and exits 0;
prints the failure and exits 1, or 2 if it did not finish in time.
"""
import asyncio
import sys


class Args:
    def __init__(self, argv):
        self.host, port, self.user, self.database, self.mode, connections = argv
        self.port = int(port)
        self.connections = int(connections)


def run(modes, timeout_seconds):
    """Runs modes[MODE] (a coroutine function of Args) with the command line, within timeout_seconds."""
    args = Args(sys.argv[1:])
    try:
        print("ok", asyncio.run(asyncio.wait_for(modes[args.mode](args), timeout_seconds)))
    except asyncio.TimeoutError:
        print(f"timed out after {timeout_seconds}s: clients are stuck", flush=True)
        sys.exit(2)
    except Exception as error:  # any failure is the test's failure
        print(f"failed: {type(error).__name__}: {error}", flush=True)
        sys.exit(1)
