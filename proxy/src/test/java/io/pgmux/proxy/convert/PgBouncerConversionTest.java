package io.pgmux.proxy.convert;

import io.pgmux.proxy.config.AuthMethod;
import io.pgmux.proxy.config.ConfigLoader;
import io.pgmux.proxy.config.DatabaseConfig;
import io.pgmux.proxy.config.HostPort;
import io.pgmux.proxy.config.LoadBalanceHosts;
import io.pgmux.proxy.config.LogLevel;
import io.pgmux.proxy.config.PgmuxConfig;
import io.pgmux.proxy.config.PoolMode;
import io.pgmux.proxy.config.PreparedStatementMode;
import io.pgmux.proxy.config.ServerSslMode;
import io.pgmux.proxy.config.UnixSocketConfig;
import io.pgmux.proxy.config.UnixSocketAuth;
import io.pgmux.proxy.config.UserConfig;
import io.pgmux.proxy.config.UserSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Round trips: a PgBouncer ini file, converted, loads with pgmux's config loader and means the same. */
class PgBouncerConversionTest {

    private static Path resource(String name) throws Exception {
        return Path.of(PgBouncerConversionTest.class.getResource("/pgbouncer/" + name).toURI());
    }

    private static PgmuxConfig load(PgBouncerConversion conversion) throws Exception {
        return ConfigLoader.parse(conversion.yaml(), Map.of());
    }

    @Test
    void aWebAppConfigWithItsUserlistCarriesOver() throws Exception {
        // given a PgBouncer config whose auth_file is beside it
        PgBouncerConversion conversion = PgBouncerConversion.convert(resource("web.ini"), null);

        // when pgmux loads what it wrote
        PgmuxConfig config = load(conversion);

        // then the listener, the pools, the limits and the users mean what they meant in PgBouncer
        assertEquals(new HostPort("0.0.0.0", 6432), config.listen());
        assertEquals(AuthMethod.MD5, config.clientAuth());
        assertEquals(PoolMode.TRANSACTION, config.poolMode());
        assertEquals(20, config.poolSize());
        assertEquals(2000, config.maxClientConnections());
        assertEquals(2, config.serverLimits().minPoolSize());
        assertEquals(80, config.serverLimits().maxDbConnections());
        assertEquals(1000, config.loginLimits().maxDbClientConnections());
        assertEquals(300, config.loginLimits().maxUserClientConnections());
        assertEquals(Duration.ofSeconds(300), config.serverIdleTimeout());
        assertEquals(Duration.ofMinutes(2), config.queryWaitTimeout());
        assertEquals(Duration.ofHours(1), config.serverLifetime());
        assertEquals(Duration.ofMillis(5000), config.timeouts().keepalive().userTimeout());
        assertEquals(100, config.preparedStatements().maxPerServer());
        assertEquals("/var/run/pgbouncer", config.unixSocket().dir());
        assertNull(config.upstream(), "only the listed databases, as in PgBouncer");

        DatabaseConfig app = config.databases().get("app");
        assertEquals(new HostPort("db1.internal", 5433), app.server());
        assertEquals("app_prod", app.dbname());
        assertEquals(30, app.poolSize());
        assertEquals(5, app.limits().reservePoolSize());
        assertEquals(500, app.limits().maxDbClientConnections());
        DatabaseConfig reports = config.databases().get("reports");
        assertEquals(new HostPort("replica1.internal", 5432), reports.server());
        assertEquals(PoolMode.SESSION, reports.poolMode());
        assertEquals("SET search_path = reports", reports.connectQuery());
        assertEquals("SET search_path = reports", config.connectQuery(reports));
        assertEquals("", config.connectQuery(app), "no global connect_query in PgBouncer");
        assertEquals(List.of("extra_float_digits"), config.sessionSetup().ignoreStartupParameters());
        assertEquals(List.of(new HostPort("replica1.internal", 5432), new HostPort("replica2.internal", 5432)),
                reports.hosts().hosts());
        assertEquals(LoadBalanceHosts.DISABLE, reports.hosts().balance());
        DatabaseConfig legacy = config.databases().get("legacy");
        assertEquals("legacy_owner", legacy.user());
        assertEquals("legacy-secret", legacy.password());

        assertEquals(Set.of("app", "admin", "stats"), config.users().keySet());
        assertEquals(new UserConfig("stats", "stats \"quoted\" secret"), config.users().get("stats"));
        assertEquals("md5f9fb7e3c6dc29b5fd0e9ba4e1c8d7dbb", config.users().get("app").password());
        assertEquals(List.of("admin"), config.observability().adminUsers());
        assertEquals(List.of("stats"), config.observability().statsUsers());

        // and each key it could not carry is named with its reason
        List<String> notes = conversion.notes();
        assertTrue(notes.stream().anyMatch(n -> n.startsWith("[databases] legacy.host: a Unix socket")), notes.toString());
        assertTrue(notes.contains("[pgbouncer] logfile: pgmux logs to standard output (log.level, log.format)"), notes.toString());
        assertTrue(notes.stream().anyMatch(n -> n.startsWith("[pgbouncer] pidfile:")), notes.toString());
        assertTrue(notes.stream().anyMatch(n -> n.startsWith("[pgbouncer] stats_users monitor: not in the auth file")), notes.toString());
        assertTrue(notes.stream().anyMatch(n -> n.startsWith("[auth_file] ghost: an empty password")), notes.toString());
        assertEquals(5, notes.size(), notes.toString());
    }

    @Test
    void sessionSetupKeysCarryOverWithPgBouncersMeanings() throws Exception {
        // given PgBouncer's startup-parameter lists, fast close and wait notice (a plain number: seconds)
        IniFile ini = IniFile.parse("""
                [databases]
                app = host=db connect_query='set enable_seqscan=off; set enable_nestloop=off'
                [pgbouncer]
                ignore_startup_parameters = extra_float_digits, options
                track_extra_parameters = search_path, options, intervalstyle
                server_fast_close = 1
                query_wait_notify = 2
                """, Path.of("."));

        // when converted and loaded
        PgBouncerConversion conversion = PgBouncerConversion.convert(ini, Map.of());
        PgmuxConfig config = load(conversion);

        // then each means what it meant, and options, which cannot be tracked, is named in a note
        assertEquals(List.of("extra_float_digits", "options"), config.sessionSetup().ignoreStartupParameters());
        assertEquals(List.of("search_path", "intervalstyle"), config.sessionSetup().trackExtraParameters());
        assertTrue(config.sessionSetup().serverFastClose());
        assertEquals(Duration.ofSeconds(2), config.sessionSetup().queryWaitNotify());
        assertEquals("set enable_seqscan=off; set enable_nestloop=off", config.databases().get("app").connectQuery());
        assertEquals(List.of("[pgbouncer] track_extra_parameters: options cannot be tracked (PgBouncer ignores it too), only"
                + " the settings within it; left out of the list"), conversion.notes());
    }

    @Test
    void maxPreparedStatementsZeroIsRejectWhereServersAreSharedAndAutoInSessionMode() throws Exception {
        // given PgBouncer's "prepared statements off" in transaction and in session mode
        String ini = "[databases]\napp = host=db\n[pgbouncer]\nmax_prepared_statements = 0\npool_mode = %s\n";

        // when converted and loaded
        PgBouncerConversion transaction = PgBouncerConversion.convert(IniFile.parse(ini.formatted("transaction"), Path.of(".")), Map.of());
        PgBouncerConversion session = PgBouncerConversion.convert(IniFile.parse(ini.formatted("session"), Path.of(".")), Map.of());

        // then a named statement is refused where it would stay on a shared server, and goes through in session mode
        assertEquals(PreparedStatementMode.REJECT, load(transaction).preparedStatements().mode());
        assertNull(load(session).preparedStatements().mode(), "auto: passthrough in session mode");
        assertEquals(List.of(), transaction.notes());
        assertEquals(List.of(), session.notes());
    }

    @Test
    void aFallbackDatabaseAnIncludedFileAndPerUserLimitsCarryOver() throws Exception {
        PgBouncerConversion conversion = PgBouncerConversion.convert(resource("fallback.ini"), null);

        PgmuxConfig config = load(conversion);

        assertEquals(new HostPort("10.0.0.5", 5432), config.upstream());
        assertEquals(Map.of(), config.databases());
        // from the %include'd file
        assertEquals(new HostPort("127.0.0.1", 7432), config.listen());
        assertEquals(AuthMethod.TRUST, config.clientAuth());
        assertEquals(PoolMode.STATEMENT, config.poolMode());
        assertEquals(8, config.poolSize());
        assertEquals(2, config.serverLimits().reservePoolSize());
        assertEquals(Duration.ofSeconds(3), config.serverLimits().reservePoolTimeout());
        assertEquals("DISCARD ALL", config.serverResetQuery());
        assertEquals(5, config.users().get("bob").maxUserConnections());
        assertEquals(7, config.users().get("bob").maxUserClientConnections());
        assertEquals(PoolMode.SESSION, config.users().get("bob").settings().poolMode());
        List<String> notes = conversion.notes();
        assertEquals(List.of(
                "[pgbouncer] client_tls_sslmode: require needs client_tls_cert_file and client_tls_key_file (PgBouncer"
                        + " cannot offer TLS without them either); client TLS is not carried",
                "[databases] *.client_encoding: pgmux's upstream (the fallback database) takes only host and port;"
                        + " the global settings apply to it",
                "[peers]: peer_id is 0 (peering off): pgmux takes peers only with a peer_id; not carried"), notes);
    }

    @Test
    void scramLoginsAndTheSocketCarryOverAndAnMd5UserIsLeftOut() throws Exception {
        PgBouncerConversion conversion = PgBouncerConversion.convert(resource("scram.ini"), null);

        PgmuxConfig config = load(conversion);

        assertEquals(new HostPort("10.1.2.3", 6543), config.listen());
        assertEquals(AuthMethod.SCRAM_SHA_256, config.clientAuth());
        assertEquals(new UnixSocketConfig("/tmp", 0700, "pgadmin", UnixSocketAuth.CLIENT_AUTH, "pgbouncer"), config.unixSocket());
        assertEquals(Set.of("orders_app"), config.users().keySet());
        DatabaseConfig orders = config.databases().get("orders");
        assertEquals(new HostPort("orders.db", 5432), orders.server());
        assertEquals(10, orders.poolSize());
        assertEquals(15, orders.limits().maxDbConnections());
        assertEquals(Duration.ofSeconds(10), config.timeouts().serverCheckDelay());
        assertEquals("select 1", config.timeouts().serverCheckQuery());
        assertEquals(Duration.ofSeconds(30), config.timeouts().idleTransactionTimeout());
        assertEquals(Duration.ofSeconds(600), config.timeouts().clientIdleTimeout());
        assertEquals(Duration.ofSeconds(60), config.timeouts().keepalive().idle());
        assertTrue(config.timeouts().keepalive().enabled());
        assertEquals("SELECT usename, passwd FROM pg_shadow WHERE usename=$1", config.authQuery().query());
        assertEquals(List.of(
                "[auth_file] old_app: an md5 hash cannot be checked with scram-sha-256 (PgBouncer refuses this user's"
                        + " logins too); not carried"), conversion.notes());
    }

    @Test
    void lookupUsersAndServerTlsCarryOverAndClientTlsNamesItsFiles() throws Exception {
        // given PgBouncer looking users up in Postgres, TLS to the servers, and client TLS with files
        PgBouncerConversion conversion = PgBouncerConversion.convert(resource("lookup.ini"), null);

        // when pgmux reads the lookup and server TLS settings (the client TLS files do not exist here)
        String yaml = conversion.yaml();
        PgmuxConfig config = ConfigLoader.parse(yaml.replaceAll("(?s)client_tls:.*?\n(?=\\S)", ""), Map.of());

        // then users are looked up as PgBouncer did, globally and for the database that has its own lookup user
        assertEquals("pgbouncer_lookup", config.authQuery().user());
        assertEquals("SELECT usename, passwd FROM pgbouncer.get_auth($1)", config.authQuery().query());
        assertEquals("postgres", config.authQuery().dbname());
        DatabaseConfig billing = config.databases().get("billing");
        assertEquals("billing_lookup", config.authQuery(billing).user());
        assertEquals("postgres", config.authQuery(billing).dbname());
        assertEquals(ServerSslMode.REQUIRE, config.serverTls().sslmode());
        // and verify-full is pgmux's mode require with client certificates checked; no CA file: not checked
        assertTrue(yaml.contains("client_tls:\n  mode: require\n  cert_file: /etc/pgbouncer/server.crt\n"
                + "  key_file: /etc/pgbouncer/server.key\n  protocols:\n  - TLSv1.2\n  - TLSv1.3\n"), yaml);
        assertEquals(List.of(
                "[pgbouncer] client_tls_ciphers: an OpenSSL cipher string; pgmux takes IANA suite names"
                        + " (client_tls.ciphers): the TLS engine's defaults apply",
                "[pgbouncer] client_tls_sslmode: verify-full needs client_tls_ca_file to check client certificates"
                        + " against; client certificates are not checked"), conversion.notes());
    }

    @Test
    void authTypeHbaBecomesTheHbaFileAndPeerTheSocketsPeerMethod(@TempDir Path dir) throws Exception {
        Path hbaFile = dir.resolve("pgbouncer_hba.conf");
        Files.writeString(hbaFile, "host all all 10.0.0.0/8 md5\n");
        Path hba = dir.resolve("hba.ini");
        Files.writeString(hba, "[databases]\n* = host=db\n[pgbouncer]\nauth_type = hba\nauth_hba_file = " + hbaFile + "\n"
                + "auth_user = pgbouncer_lookup\n");
        Path peer = dir.resolve("peer.ini");
        Files.writeString(peer, "[databases]\n* = host=db\n[pgbouncer]\nauth_type = peer\n");

        PgBouncerConversion hbaConversion = PgBouncerConversion.convert(hba, null);
        PgBouncerConversion peerConversion = PgBouncerConversion.convert(peer, null);

        PgmuxConfig hbaConfig = load(hbaConversion);
        assertEquals(hbaFile.toString(), hbaConfig.hba().file().path());
        assertEquals("pgbouncer_lookup", hbaConfig.authQuery().user());
        assertEquals(List.of(), hbaConversion.notes());
        PgmuxConfig peerConfig = load(peerConversion);
        assertEquals(UnixSocketAuth.PEER, peerConfig.unixSocket().auth());
        assertTrue(peerConversion.notes().stream().anyMatch(n -> n.startsWith("[pgbouncer] auth_type: peer:")),
                peerConversion.notes().toString());
    }

    @Test
    void authTypeTrustAdmitsOnlyTheAuthFilesUsersAnEmptyPasswordIncludedAsPgBouncers(@TempDir Path dir) throws Exception {
        Map<String, String> authFile = new LinkedHashMap<>();
        authFile.put("alice", "secret");
        authFile.put("bob", "");
        PgBouncerConversion conversion = PgBouncerConversion.convert(IniFile.parse("[databases]\n* = host=db\n"
                + "[pgbouncer]\nauth_type = trust\n[users]\ncarol = pool_size=3\n", dir), authFile);

        PgmuxConfig config = load(conversion);
        assertEquals(AuthMethod.TRUST, config.clientAuth());
        assertEquals(Set.of("alice", "bob"), config.hba().trustUsers(), "carol has settings only, no auth file line");
        assertTrue(config.hba().trustAdmits("bob"));
        assertFalse(config.hba().trustAdmits("carol"));
        assertEquals("pgbouncer", config.unixSocket().adminUser());
    }

    @Test
    void consoleUsersOutsideTheAuthFileAreKeptWhenAGlobalAuthDbnameLooksThemUp(@TempDir Path dir) throws Exception {
        String ini = "[databases]\nauthdb = host=db\n[pgbouncer]\nauth_type = md5\nauth_user = lookup\n"
                + "stats_users = stats\nadmin_users = alice, nobody\n";

        PgmuxConfig withLookups = load(PgBouncerConversion.convert(IniFile.parse(ini + "auth_dbname = authdb\n", dir),
                Map.of("alice", "secret", "lookup", "pw")));
        PgmuxConfig without = load(PgBouncerConversion.convert(IniFile.parse(ini, dir), Map.of("alice", "secret", "lookup", "pw")));

        assertEquals(List.of("stats"), withLookups.observability().statsUsers());
        assertEquals(List.of("alice", "nobody"), withLookups.observability().adminUsers());
        assertEquals(List.of(), without.observability().statsUsers());
        assertEquals(List.of("alice"), without.observability().adminUsers());
    }

    @Test
    void authTypeAnyAdmitsAnyUserName(@TempDir Path dir) throws Exception {
        PgBouncerConversion conversion = PgBouncerConversion.convert(IniFile.parse("[databases]\n* = host=db\n"
                + "[pgbouncer]\nauth_type = any\n", dir), Map.of("alice", "secret"));

        assertNull(load(conversion).hba().trustUsers());
    }

    @Test
    void aNamesZeroConnectionLimitIsTheGlobalOneAsInPgBouncer(@TempDir Path dir) throws Exception {
        PgBouncerConversion conversion = PgBouncerConversion.convert(IniFile.parse("[databases]\n"
                + "app = host=db max_db_connections=0 max_db_client_connections=0\n"
                + "own = host=db max_db_connections=7 max_db_client_connections=9\n"
                + "[users]\nalice = max_user_connections=0 max_user_client_connections=0\n"
                + "bob = max_user_client_connections=4\n"
                + "[pgbouncer]\nauth_type = md5\nmax_db_connections = 20\nmax_db_client_connections = 30\n"
                + "max_user_connections = 5\nmax_user_client_connections = 6\n", dir),
                Map.of("alice", "secret", "bob", "secret"));

        PgmuxConfig config = load(conversion);

        // PgBouncer reads a name's 0 as "the global limit"; pgmux's own 0 would be "no limit"
        assertEquals(20, config.databases().get("app").limits().maxDbConnections(config.serverLimits()));
        assertEquals(30, config.maxDbClientConnections("app"));
        assertEquals(7, config.databases().get("own").limits().maxDbConnections(config.serverLimits()));
        assertEquals(9, config.maxDbClientConnections("own"));
        assertEquals(5, config.users().get("alice").maxUserConnections(config.serverLimits()));
        assertEquals(6, config.maxUserClientConnections("alice"));
        assertEquals(4, config.maxUserClientConnections("bob"));
        assertEquals(List.of(), conversion.notes());
    }

    @Test
    void anAuthFileGivenOnTheCommandLineWinsOverTheOneTheIniNames() throws Exception {
        PgBouncerConversion conversion = PgBouncerConversion.convert(resource("web.ini"), resource("scram-users.txt"));

        PgmuxConfig config = load(conversion);

        assertEquals(Set.of("orders_app", "old_app"), config.users().keySet());
    }

    @Test
    void connectionStringsAndAuthFilesParseAsPgBouncerWritesThem() {
        assertEquals(Map.of("host", "db", "dbname", "a b", "password", "it's"),
                ConnectionString.parse("host=db dbname='a b'  password='it\\'s'"));
        assertEquals(Map.of("u", "p\"q"), AuthFile.parse("\"u\" \"p\"\"q\"\n; comment\n"));
    }

    @Test
    void authTypeHbaCarriesItsHbaAndIdentFilesAndCertIsANote(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path hba = dir.resolve("pg_hba.conf");
        Path ident = dir.resolve("pg_ident.conf");
        java.nio.file.Files.writeString(hba, "host all all 10.0.0.0/8 scram-sha-256\n");
        java.nio.file.Files.writeString(ident, "people alice alice_db\n");
        PgBouncerConversion hbaConversion = PgBouncerConversion.convert(IniFile.parse("[pgbouncer]\nauth_type = hba\n"
                + "auth_hba_file = " + hba + "\nauth_ident_file = " + ident + "\n[databases]\napp = host=db.internal\n", dir), Map.of());

        PgmuxConfig config = load(hbaConversion);

        assertEquals(hba.toString(), config.hba().file().path());
        assertEquals(1, config.hba().effectiveRules().size());
        assertEquals(java.util.Set.of("people"), config.hba().identMaps().names());
        assertEquals(List.of(), hbaConversion.notes());

        PgBouncerConversion certConversion = PgBouncerConversion.convert(IniFile.parse("[pgbouncer]\nauth_type = cert\n"
                + "[databases]\napp = host=db.internal\n", dir), Map.of());
        assertEquals(AuthMethod.TRUST, load(certConversion).clientAuth());
        assertTrue(certConversion.notes().get(0).startsWith("[pgbouncer] auth_type: cert is in pgmux the HBA rule"
                + " {type: hostssl, method: cert}"), certConversion.notes().toString());
    }

    @Test
    void everyPerUserSettingOfPgBouncer125CarriesOverAndItsZeroesMeanTheGlobalOne() throws Exception {
        // given PgBouncer's [users] keys, where a timeout of 0 means "the global one" and pool_size=0 opens nothing
        PgBouncerConversion conversion = PgBouncerConversion.convert(IniFile.parse("[pgbouncer]\nauth_type = trust\n"
                + "query_timeout = 30\ntransaction_timeout = 600\n[databases]\napp = host=db.internal pool_size=10\n[users]\n"
                + "reports = pool_size=2 reserve_pool_size=1 pool_mode=session max_user_connections=4 query_timeout=5"
                + " idle_transaction_timeout=6 transaction_timeout=7 client_idle_timeout=8\n"
                + "batch = query_timeout=0 pool_size=0 pool_mode=statement\n"
                + "odd = verbose=1\n", Path.of(".")), Map.of());

        // when pgmux loads what it wrote
        PgmuxConfig config = load(conversion);

        // then each user keeps its own values, and a 0 is left to the global key
        UserSettings reports = config.users().get("reports").settings();
        assertEquals(new UserSettings(2, 1, PoolMode.SESSION, Duration.ofSeconds(5), Duration.ofSeconds(6),
                Duration.ofSeconds(7), Duration.ofSeconds(8)), reports);
        assertEquals(4, config.users().get("reports").maxUserConnections());
        assertEquals(new UserSettings(null, null, PoolMode.STATEMENT, null, null, null, null),
                config.users().get("batch").settings());
        assertEquals(Duration.ofSeconds(600), config.timeouts().transactionTimeout());
        assertEquals(Duration.ofSeconds(30), config.timeouts().queryTimeout());
        assertEquals(List.of("[users] batch.pool_size: 0 (PgBouncer opens no server for this user's pools); pgmux's"
                        + " pool_size is at least 1: the database's or the global one applies",
                "[users] odd.verbose: PgBouncer has no such per-user setting"),
                conversion.notes().stream().filter(n -> n.startsWith("[users]")).toList());
    }

    @Test
    void anAuthTypeThatIsNoneOfPgBouncersIsRefusedAndPlainIsAPassword(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        // as PgBouncer refuses such a file: no config that lets clients in unchecked
        IOException typo = assertThrows(IOException.class, () -> PgBouncerConversion.convert(
                IniFile.parse("[pgbouncer]\nauth_type = md6\n[databases]\napp = host=db\n", dir), Map.of()));
        assertTrue(typo.getMessage().startsWith("auth_type = md6: not an auth_type"), typo.getMessage());
        IOException pam = assertThrows(IOException.class, () -> PgBouncerConversion.convert(
                IniFile.parse("[pgbouncer]\nauth_type = pam\n", dir), Map.of()));
        assertTrue(pam.getMessage().startsWith("auth_type = pam: pgmux has no pam authentication"), pam.getMessage());

        PgBouncerConversion plain = PgBouncerConversion.convert(
                IniFile.parse("[pgbouncer]\nauth_type = PLAIN\nverbose = 1\n[databases]\napp = host=db\n", dir),
                Map.of("alice", "secret"));
        assertEquals(AuthMethod.PASSWORD, load(plain).clientAuth());
        assertEquals(LogLevel.DEBUG, load(plain).observability().logLevel(), "verbose = 1");
        assertEquals(List.of(), plain.notes());
    }

    @Test
    void aDurationPgBouncerCannotReadIsRefusedAndAFractionOfASecondIsKept(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        // as PgBouncer refuses the file (its RELOAD fails): not a config with the key silently left at its default
        IOException bad = assertThrows(IOException.class, () -> PgBouncerConversion.convert(
                IniFile.parse("[pgbouncer]\nserver_lifetime = invalid_server_lifetime\n[databases]\napp = host=db\n", dir), Map.of()));
        assertEquals("[pgbouncer] server_lifetime = invalid_server_lifetime: not a number of seconds (PgBouncer refuses the file)",
                bad.getMessage());

        PgBouncerConversion fraction = PgBouncerConversion.convert(
                IniFile.parse("[pgbouncer]\nquery_wait_timeout = 0.5\nserver_lifetime = 120\n[databases]\napp = host=db\n", dir), Map.of());
        assertEquals(java.time.Duration.ofMillis(500), load(fraction).queryWaitTimeout());
        assertEquals(java.time.Duration.ofSeconds(120), load(fraction).serverLifetime());
    }

    @Test
    void aDatabasesServerLifetimeIsCarriedAndItsZeroMeansTheGlobalOne(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        PgBouncerConversion conversion = PgBouncerConversion.convert(IniFile.parse("[pgbouncer]\nserver_lifetime = 120\n"
                + "[databases]\nshort = host=db server_lifetime=2\nglobal = host=db server_lifetime=0\n", dir), Map.of());
        assertEquals(java.time.Duration.ofSeconds(2),
                load(conversion).databases().get("short").limits().serverLifetime(java.time.Duration.ofSeconds(120)));
        assertEquals(java.time.Duration.ofSeconds(120),
                load(conversion).databases().get("global").limits().serverLifetime(java.time.Duration.ofSeconds(120)));
        assertEquals(List.of(), conversion.notes().stream().filter(n -> n.startsWith("[databases]")).toList());
    }

    @Test
    void peerIdPeersAndSoReuseportAreCarriedAUnixSocketPeerToo(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        PgBouncerConversion conversion = PgBouncerConversion.convert(IniFile.parse("[pgbouncer]\npeer_id = 1\nso_reuseport = 1\n"
                + "[databases]\napp = host=db\n[peers]\n2 = host=10.0.0.2 port=6433\n3 = host=/tmp/pgbouncer3 port=6432\n"
                + "4 = port=6432\n", dir), Map.of());
        assertEquals(1, load(conversion).peers().peerId());
        assertEquals(true, load(conversion).soReuseport());
        assertEquals(List.of(new io.pgmux.proxy.config.PeerEntry(2, "10.0.0.2", 6433),
                new io.pgmux.proxy.config.PeerEntry(3, "/tmp/pgbouncer3", 6432)), load(conversion).peers().entries());
        assertEquals(List.of("[peers] 4: no host: give the peer's host or Unix socket directory; not carried"),
                conversion.notes().stream().filter(n -> n.startsWith("[peers]")).toList());
    }
}
