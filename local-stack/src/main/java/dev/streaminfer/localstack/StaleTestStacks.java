package dev.streaminfer.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the folders of test stacks and cleans up after test JVMs that were killed.
 *
 * <p>Why: PostgreSQL (started through pg_ctl) and Redis are separate processes, so a test JVM
 * killed by a timeout or by Ctrl-C leaves them running with their data in /tmp forever. Every
 * test-stack folder records the pid of the JVM that owns it; when that JVM is gone, the next
 * {@link LocalStack#forTests()} stops what still runs there and deletes the folder.
 */
final class StaleTestStacks {

    private static final Logger LOG = LoggerFactory.getLogger(StaleTestStacks.class);
    private static final String PREFIX = "streaminfer-test-";
    private static final String OWNER_FILE = "owner.pid";

    private StaleTestStacks() {}

    static Path root() {
        Path tmp = Path.of("/tmp");
        return Files.isDirectory(tmp) ? tmp : Path.of(System.getProperty("java.io.tmpdir"));
    }

    /** A new folder owned by this JVM, which the postgres user may enter. */
    static Path newBaseDir() {
        try {
            Path dir = Files.createTempDirectory(root(), PREFIX);
            Os.makeTraversable(dir);
            Files.writeString(dir.resolve(OWNER_FILE), String.valueOf(ProcessHandle.current().pid()), StandardCharsets.UTF_8);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a test-stack folder under " + root(), e);
        }
    }

    /** Cleans up folders whose owning JVM is gone. Never fails: problems are logged. */
    static void reap() {
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root(), PREFIX + "*")) {
            for (Path dir : dirs) {
                try {
                    if (isStale(dir)) {
                        reap(dir);
                    }
                } catch (RuntimeException e) {
                    LOG.warn("Cannot clean up stale test stack {}: {}", dir, e.toString());
                }
            }
        } catch (IOException e) {
            LOG.debug("Cannot list {}: {}", root(), e.toString());
        }
    }

    private static boolean isStale(Path dir) {
        OptionalLong owner = Os.readPid(dir.resolve(OWNER_FILE));
        if (owner.isEmpty()) {
            // No owner written yet (being created right now) or not ours: only very old ones.
            try {
                return Files.getLastModifiedTime(dir).toInstant().isBefore(Instant.now().minus(Duration.ofHours(1)));
            } catch (IOException e) {
                return false;
            }
        }
        return ProcessHandle.of(owner.getAsLong()).map(p -> !p.isAlive()).orElse(true);
    }

    private static void reap(Path dir) {
        LOG.warn("Cleaning up test stack {} left behind by a JVM that is gone", dir);
        // PostgreSQL: SIGQUIT = immediate shutdown (nothing in a test cluster is worth a checkpoint).
        kill(dir.resolve("postgres/data/postmaster.pid"), "postgres", "-QUIT");
        kill(dir.resolve("redis/redis.pid"), "redis", "-KILL");
        Os.deleteRecursively(dir);
    }

    private static void kill(Path pidFile, String expectedCommand, String signal) {
        OptionalLong pid = Os.readPid(pidFile);
        if (pid.isEmpty()) {
            return;
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid.getAsLong());
        if (handle.isEmpty() || !handle.get().isAlive()
                || !handle.get().info().command().map(c -> c.contains(expectedCommand)).orElse(false)) {
            return;
        }
        Os.run(List.of("kill", signal, String.valueOf(pid.getAsLong())), null, Duration.ofSeconds(10));
        try {
            handle.get().onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            handle.get().destroyForcibly();
        }
    }
}
