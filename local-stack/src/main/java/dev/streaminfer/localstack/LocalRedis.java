package dev.streaminfer.localstack;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

/**
 * A Redis server started from this JVM as a child process, bound to 127.0.0.1, with
 * persistence off (the pipeline uses Redis as a cache; PostgreSQL is the system of record).
 *
 * <p>Why: the pipeline writes results and quota state to Redis and its tests must use a real
 * one on machines without Docker. It uses {@code redis-server} from {@code PATH} when there is
 * one (Debian package {@code redis-server}), otherwise the binary bundled in
 * {@code com.github.codemonstur:embedded-redis} (Redis 6.2).
 *
 * <p>Readiness is checked with a plain RESP {@code PING} over a socket, so this module needs no
 * Redis client. A SIGKILLed JVM leaves its redis-server child running; the pid file in the
 * working directory lets the next start find and stop that process (only if it really is a
 * redis-server).
 *
 * <p>{@link #stop()} then {@link #start()} brings Redis back on the same port with its data: it
 * keeps an append-only file (fsync every second) like a production Redis would, so a restart is
 * an outage, not a wipe. Tests use it to inject a cache outage.
 */
public final class LocalRedis implements AutoCloseable {

    /** Which redis-server binary to run. */
    public enum Binaries {
        /** {@code redis-server} from PATH when there is one, else the bundled binary. */
        AUTO,
        /** Only {@code redis-server} from PATH. */
        SYSTEM,
        /** Only the binary bundled in embedded-redis. */
        EMBEDDED
    }

    private static final Logger LOG = LoggerFactory.getLogger(LocalRedis.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(20);

    private final int port;
    private final Path dir;
    private final Path pidFile;
    private final Path logFile;
    private final Path outFile;

    private final Binaries binaries;
    private Process process;
    private RedisServer embedded;
    private String description = "not started";

    /** Redis on 127.0.0.1:{@code port}; pid file, log and working directory in {@code dir}. */
    public LocalRedis(int port, Path dir) {
        this(port, dir, Binaries.AUTO);
    }

    /** Redis on 127.0.0.1:{@code port} with the given choice of binary. */
    public LocalRedis(int port, Path dir, Binaries binaries) {
        this.binaries = binaries;
        this.port = port;
        this.dir = dir.toAbsolutePath().normalize();
        this.pidFile = this.dir.resolve("redis.pid");
        this.logFile = this.dir.resolve("redis.log");
        this.outFile = this.dir.resolve("redis.out");
    }

    /** Starts Redis and waits until it answers PING. Does nothing if already running. */
    public synchronized void start() {
        if (isRunning()) {
            return;
        }
        long t0 = System.nanoTime();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create Redis folder " + dir, e);
        }
        stopStaleServer();
        if (Ports.isListening(port)) {
            throw new IllegalStateException("cannot start Redis on 127.0.0.1:" + port + ": the port is already in use by another"
                    + " program. Stop it, or set REDIS_URL to use an existing server.");
        }
        Optional<Path> binary = binaries == Binaries.EMBEDDED ? Optional.empty() : Os.onPath("redis-server");
        if (binary.isEmpty() && binaries == Binaries.SYSTEM) {
            throw new IllegalStateException("cannot start Redis: there is no redis-server on PATH. Fix: install Redis"
                    + " (apt-get install redis-server), or set REDIS_URL to an external server.");
        }
        if (binary.isPresent()) {
            startSystemBinary(binary.get());
        } else {
            startEmbedded();
        }
        awaitPing();
        LOG.info("Redis ({}) started on {} in {} ms", description, url(), (System.nanoTime() - t0) / 1_000_000);
    }

    /** Stops Redis (SIGTERM, then SIGKILL after 10 s). Does nothing if not running. */
    public synchronized void stop() {
        if (process == null && embedded == null) {
            return;
        }
        long t0 = System.nanoTime();
        if (process != null) {
            Process p = process;
            process = null;
            p.destroy();
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        if (embedded != null) {
            RedisServer e = embedded;
            embedded = null;
            try {
                e.stop();
            } catch (IOException ex) {
                throw new UncheckedIOException("cannot stop embedded Redis", ex);
            }
        }
        awaitPortClosed();
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException ignored) {
            // harmless: the next start checks whether the pid is alive
        }
        LOG.info("Redis on {} stopped in {} ms", url(), (System.nanoTime() - t0) / 1_000_000);
    }

    @Override
    public void close() {
        stop();
    }

    public synchronized boolean isRunning() {
        return (process != null && process.isAlive()) || embedded != null;
    }

    /** {@code redis://127.0.0.1:port}. */
    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Path dir() {
        return dir;
    }

    /** The server's process id while it runs (read from the pid file for the embedded binary). */
    public synchronized OptionalLong pid() {
        if (process != null) {
            return OptionalLong.of(process.pid());
        }
        return embedded != null ? Os.readPid(pidFile) : OptionalLong.empty();
    }

    /** Which binary serves Redis, in words. */
    public synchronized String description() {
        return description;
    }

    /** Sends PING over a fresh connection; true if the answer is {@code +PONG}. */
    public static boolean ping(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            return "+PONG".equals(in.readLine());
        } catch (IOException e) {
            return false;
        }
    }

    // ----------------------------------------------------------------------------------------

    private void startSystemBinary(Path binary) {
        List<String> command = List.of(binary.toString(),
                "--port", String.valueOf(port),
                "--bind", "127.0.0.1",
                "--pidfile", pidFile.toString(),
                "--logfile", logFile.toString(),
                "--dir", dir.toString(),
                "--save", "",
                "--appendonly", "yes",
                "--appendfsync", "everysec",
                "--daemonize", "no");
        try {
            process = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(outFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + binary + ": " + e.getMessage(), e);
        }
        description = binary.toString();
    }

    private void startEmbedded() {
        try {
            RedisServer server = RedisServer.newRedisServer()
                    .port(port)
                    .bind("127.0.0.1")
                    .setting("pidfile " + pidFile)
                    .setting("dir " + dir)
                    .setting("save \"\"")
                    .setting("appendonly yes")
                    .setting("appendfsync everysec")
                    .build();
            server.start();
            embedded = server;
            description = "embedded-redis bundled binary";
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot start Redis on 127.0.0.1:" + port + ": "
                    + (binaries == Binaries.AUTO ? "there is no redis-server on PATH and " : "")
                    + "the binary bundled with embedded-redis failed (" + e.getMessage() + "). Fix: install Redis"
                    + " (apt-get install redis-server), or set REDIS_URL to an external server.", e);
        }
    }

    private void awaitPing() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (process != null && !process.isAlive()) {
                int code = process.exitValue();
                process = null;
                throw new IllegalStateException("redis-server exited with code " + code + " right after starting on port " + port
                        + "\n--- " + logFile + " ---\n" + Os.tail(logFile, 15) + "\n--- " + outFile + " ---\n" + Os.tail(outFile, 15));
            }
            if (ping("127.0.0.1", port)) {
                return;
            }
            Os.sleep(20);
        }
        stop();
        throw new IllegalStateException("Redis on port " + port + " did not answer PING within " + READY_TIMEOUT.toSeconds()
                + " s\n--- " + logFile + " ---\n" + Os.tail(logFile, 15));
    }

    private void awaitPortClosed() {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (Ports.isListening(port) && System.nanoTime() < deadline) {
            Os.sleep(20);
        }
    }

    /** Kills a redis-server left running by a killed JVM, found through our pid file. */
    private void stopStaleServer() {
        OptionalLong pid = Os.readPid(pidFile);
        if (pid.isEmpty()) {
            return;
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid.getAsLong());
        boolean isRedis = handle.isPresent() && handle.get().isAlive()
                && handle.get().info().command().map(c -> c.contains("redis")).orElse(false);
        if (isRedis) {
            LOG.warn("A Redis server (pid {}) from an earlier run is still running on {}, probably left behind by a JVM that"
                    + " was killed; stopping it", pid.getAsLong(), dir);
            handle.get().destroy();
            try {
                handle.get().onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                handle.get().destroyForcibly();
                try {
                    handle.get().onExit().get(10, TimeUnit.SECONDS);
                } catch (Exception ignored) {
                    // checked below through the port
                }
            }
            awaitPortClosed();
        }
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException ignored) {
            // not fatal
        }
    }
}
