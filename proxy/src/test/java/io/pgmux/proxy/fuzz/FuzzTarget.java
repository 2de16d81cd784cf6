package io.pgmux.proxy.fuzz;

/** Where and as whom the fuzzed clients connect: pgmux's address, the pool's database and user, the COPY table. */
record FuzzTarget(String host, int port, String database, String user, String password, String copyTable) {
}
