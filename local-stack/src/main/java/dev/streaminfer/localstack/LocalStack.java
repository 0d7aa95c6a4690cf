package dev.streaminfer.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka, PostgreSQL and Redis for the quickstart and for tests, started on this machine without
 * Docker, provisioned (schema migrated, topics created) and described by
 * {@link ServiceEndpoints}.
 *
 * <p>Each service can be replaced by an external one through the same environment variables
 * the rest of the project reads: {@code KAFKA_BOOTSTRAP_SERVERS}; {@code POSTGRES_URL} with
 * {@code POSTGRES_USER} and {@code POSTGRES_PASSWORD} (both default to {@code inference});
 * {@code REDIS_URL}. External services are provisioned too (migrations and topic creation are
 * idempotent) but never stopped.
 *
 * <p>Two flavours:
 * <ul>
 *   <li>{@link #fromEnvironment(Path)} — the quickstart: fixed ports (Kafka
 *       {@value #DEFAULT_KAFKA_PORT}, PostgreSQL {@value #DEFAULT_POSTGRES_PORT}, Redis
 *       {@value #DEFAULT_REDIS_PORT}), durable data under the given folder, kept across runs;</li>
 *   <li>{@link #forTests()} — free ports, a fresh folder under /tmp deleted on close, fsync
 *       off, environment ignored: tests never touch a running quickstart or its data.</li>
 * </ul>
 *
 * <p>It implements {@link ServiceControl} so tests can stop and start the embedded services.
 */
public final class LocalStack implements ServiceControl, AutoCloseable {

    public static final String ENV_KAFKA = "KAFKA_BOOTSTRAP_SERVERS";
    public static final String ENV_POSTGRES_URL = "POSTGRES_URL";
    public static final String ENV_POSTGRES_USER = "POSTGRES_USER";
    public static final String ENV_POSTGRES_PASSWORD = "POSTGRES_PASSWORD";
    public static final String ENV_REDIS = "REDIS_URL";

    public static final int DEFAULT_KAFKA_PORT = 19092;
    public static final int DEFAULT_KAFKA_CONTROLLER_PORT = 19093;
    public static final int DEFAULT_POSTGRES_PORT = 15432;
    public static final int DEFAULT_REDIS_PORT = 16379;

    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);

    private final Path baseDir;
    private final boolean deleteBaseDirOnClose;
    private final EmbeddedKafka kafka;
    private final LocalPostgres postgres;
    private final LocalRedis redis;
    private final String kafkaBootstrapServers;
    private final String postgresUrl;
    private final String postgresUser;
    private final String postgresPassword;
    private final String redisUrl;
    private ServiceEndpoints endpoints;
    private boolean closed;

    private LocalStack(Path baseDir, boolean deleteBaseDirOnClose, EmbeddedKafka kafka, String externalKafka,
            LocalPostgres postgres, String externalPostgresUrl, String externalPostgresUser, String externalPostgresPassword,
            LocalRedis redis, String externalRedis) {
        this.baseDir = baseDir;
        this.deleteBaseDirOnClose = deleteBaseDirOnClose;
        this.kafka = kafka;
        this.postgres = postgres;
        this.redis = redis;
        this.kafkaBootstrapServers = kafka != null ? kafka.bootstrapServers() : externalKafka;
        this.postgresUrl = postgres != null ? postgres.jdbcUrl() : externalPostgresUrl;
        this.postgresUser = postgres != null ? postgres.user() : externalPostgresUser;
        this.postgresPassword = postgres != null ? postgres.password() : externalPostgresPassword;
        this.redisUrl = redis != null ? redis.url() : externalRedis;
    }

    /** The quickstart stack under {@code baseDir}, honouring the environment variables. */
    public static LocalStack fromEnvironment(Path baseDir) {
        return fromEnvironment(baseDir, System.getenv());
    }

    /**
     * The quickstart stack under {@code baseDir}, with external services named in {@code env}
     * (same keys as the process environment). Nothing starts before {@link #start()}.
     *
     * <p>PostgreSQL runs as the {@code postgres} OS user when the JVM runs as root; if that user
     * cannot enter {@code baseDir} (a repository under {@code /root}, mode 0700), its data goes
     * to {@code /var/tmp/streaminfer-local-stack-<hash of baseDir>/postgres} instead, with a
     * warning, rather than failing or changing permissions of the user's folders.
     */
    public static LocalStack fromEnvironment(Path baseDir, Map<String, String> env) {
        Path base = baseDir.toAbsolutePath().normalize();
        String kafkaEnv = nonBlank(env.get(ENV_KAFKA));
        String pgEnv = nonBlank(env.get(ENV_POSTGRES_URL));
        String redisEnv = nonBlank(env.get(ENV_REDIS));

        EmbeddedKafka kafka = kafkaEnv == null
                ? new EmbeddedKafka(DEFAULT_KAFKA_PORT, DEFAULT_KAFKA_CONTROLLER_PORT, base.resolve("kafka"))
                : null;
        LocalPostgres postgres = pgEnv == null
                ? new LocalPostgres(DEFAULT_POSTGRES_PORT, postgresDirFor(base), true)
                : null;
        LocalRedis redis = redisEnv == null ? new LocalRedis(DEFAULT_REDIS_PORT, base.resolve("redis")) : null;
        return new LocalStack(base, false, kafka, kafkaEnv, postgres, pgEnv,
                Optional.ofNullable(nonBlank(env.get(ENV_POSTGRES_USER))).orElse(LocalPostgres.USER),
                Optional.ofNullable(env.get(ENV_POSTGRES_PASSWORD)).orElse(LocalPostgres.PASSWORD),
                redis, redisEnv);
    }

    /**
     * A throwaway stack for tests: free ports, a new folder {@code /tmp/streaminfer-test-*}
     * (readable by the postgres user, deleted on {@link #close()}), fsync off, and the
     * environment variables ignored. Folders left by test JVMs that were killed (and the
     * PostgreSQL/Redis processes still running in them) are cleaned up first.
     */
    public static LocalStack forTests() {
        StaleTestStacks.reap();
        Path base = StaleTestStacks.newBaseDir();
        EmbeddedKafka kafka = new EmbeddedKafka(Ports.freePort(), Ports.freePort(), base.resolve("kafka"));
        LocalPostgres postgres = new LocalPostgres(Ports.freePort(), base.resolve("postgres"), false);
        LocalRedis redis = new LocalRedis(Ports.freePort(), base.resolve("redis"));
        return new LocalStack(base, true, kafka, null, postgres, null, null, null, redis, null);
    }

    /**
     * Starts the embedded services (in parallel), applies the database migrations and creates
     * the topics; returns where everything is. Calling it again returns the same endpoints.
     */
    public synchronized ServiceEndpoints start() {
        if (closed) {
            throw new IllegalStateException("this LocalStack was closed");
        }
        if (endpoints != null) {
            return endpoints;
        }
        long t0 = System.nanoTime();
        logExternal();
        List<Runnable> starts = new ArrayList<>();
        if (kafka != null) {
            starts.add(kafka::start);
        }
        if (postgres != null) {
            starts.add(postgres::start);
        }
        if (redis != null) {
            starts.add(redis::start);
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, starts.size()), r -> {
            Thread t = new Thread(r, "local-stack-start");
            t.setDaemon(true);
            return t;
        });
        try {
            List<CompletableFuture<Void>> futures = starts.stream().map(s -> CompletableFuture.runAsync(s, pool)).toList();
            RuntimeException failure = null;
            for (CompletableFuture<Void> f : futures) {
                try {
                    f.join();
                } catch (CompletionException e) {
                    RuntimeException cause = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                    if (failure == null) {
                        failure = cause;
                    } else {
                        failure.addSuppressed(cause);
                    }
                }
            }
            if (failure != null) {
                stopAllQuietly();
                throw failure;
            }
        } finally {
            pool.shutdown();
        }
        long t1 = System.nanoTime();
        ServiceEndpoints e = new ServiceEndpoints(kafkaBootstrapServers, postgresUrl, postgresUser, postgresPassword, redisUrl);
        Provisioning.apply(e);
        endpoints = e;
        LOG.info("Local stack ready in {} ms (services {} ms, provisioning {} ms): {}", (System.nanoTime() - t0) / 1_000_000,
                (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000, e);
        return e;
    }

    /** The endpoints; only after {@link #start()}. */
    public synchronized ServiceEndpoints endpoints() {
        if (endpoints == null) {
            throw new IllegalStateException("LocalStack not started");
        }
        return endpoints;
    }

    /** The embedded broker, empty when {@code KAFKA_BOOTSTRAP_SERVERS} names an external one. */
    public Optional<EmbeddedKafka> kafka() {
        return Optional.ofNullable(kafka);
    }

    /** The local PostgreSQL, empty when {@code POSTGRES_URL} names an external one. */
    public Optional<LocalPostgres> postgres() {
        return Optional.ofNullable(postgres);
    }

    /** The local Redis, empty when {@code REDIS_URL} names an external one. */
    public Optional<LocalRedis> redis() {
        return Optional.ofNullable(redis);
    }

    public Path baseDir() {
        return baseDir;
    }

    @Override
    public void stopKafka() {
        own(kafka, "Kafka", ENV_KAFKA).stop();
    }

    @Override
    public void startKafka() {
        own(kafka, "Kafka", ENV_KAFKA).start();
    }

    @Override
    public void stopPostgres() {
        own(postgres, "PostgreSQL", ENV_POSTGRES_URL).stop();
    }

    @Override
    public void startPostgres() {
        own(postgres, "PostgreSQL", ENV_POSTGRES_URL).start();
    }

    @Override
    public void stopRedis() {
        own(redis, "Redis", ENV_REDIS).stop();
    }

    @Override
    public void startRedis() {
        own(redis, "Redis", ENV_REDIS).start();
    }

    /** Stops every embedded service; deletes the folder of a test stack. External services are left alone. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopAllQuietly();
        if (deleteBaseDirOnClose) {
            try {
                Os.deleteRecursively(baseDir);
            } catch (RuntimeException e) {
                LOG.warn("Cannot delete {}: {}", baseDir, e.toString());
            }
        }
    }

    /**
     * Writes the endpoints as {@code KEY=value} lines (the environment variables of
     * {@link ServiceEndpoints#asEnvironment()}), for shell scripts to source.
     */
    public static void writeEnvFile(ServiceEndpoints endpoints, Path file) {
        StringBuilder sb = new StringBuilder("# written by streaminfer local-stack; source it from a shell\n");
        endpoints.asEnvironment().forEach((k, v) -> sb.append(k).append("='").append(v.replace("'", "'\\''")).append("'\n"));
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    // ----------------------------------------------------------------------------------------

    private void stopAllQuietly() {
        // Clients (Flink sinks, pools) usually talk to all three; stop the leaves first, Kafka last (slowest).
        if (redis != null) {
            quietly("Redis", redis::stop);
        }
        if (postgres != null) {
            quietly("PostgreSQL", postgres::stop);
        }
        if (kafka != null) {
            quietly("Kafka", kafka::close);
        }
    }

    private static void quietly(String what, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("Error stopping {}: {}", what, e.toString());
        }
    }

    private void logExternal() {
        if (kafka == null) {
            LOG.info("Kafka is external ({}={}); not starting an embedded broker", ENV_KAFKA, kafkaBootstrapServers);
        }
        if (postgres == null) {
            LOG.info("PostgreSQL is external ({}={}); not starting a local server", ENV_POSTGRES_URL, postgresUrl);
        }
        if (redis == null) {
            LOG.info("Redis is external ({}={}); not starting a local server", ENV_REDIS, redisUrl);
        }
    }

    private static <T> T own(T service, String name, String env) {
        if (service == null) {
            throw new UnsupportedOperationException(name + " is an external service (" + env
                    + " is set); this stack cannot stop or start it");
        }
        return service;
    }

    private static String nonBlank(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static String shortHash(String s) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path postgresDirFor(Path base) {
        Path preferred = base.resolve("postgres");
        Optional<String> problem = LocalPostgres.accessProblem(preferred);
        if (problem.isEmpty()) {
            return preferred;
        }
        Path fallbackRoot = Path.of("/var/tmp", "streaminfer-local-stack-" + shortHash(base.toString()));
        try {
            Files.createDirectories(fallbackRoot);
            Os.makeTraversable(fallbackRoot);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + fallbackRoot, e);
        }
        Path fallback = fallbackRoot.resolve("postgres");
        LOG.warn("PostgreSQL data goes to {} instead of {}: {}", fallback, preferred, problem.get());
        return fallback;
    }
}
