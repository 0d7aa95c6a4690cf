package dev.streaminfer.localstack;

import java.util.stream.Stream;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.utility.DockerImageName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kafka, PostgreSQL and Redis in Docker containers, for machines that have a Docker engine
 * (CI, most laptops). Provisioned exactly like {@link LocalStack} (same migrations, same
 * topics) through {@link Provisioning}.
 *
 * <p>Outages are injected by pausing containers ({@code docker pause}) rather than stopping
 * them: a restarted container gets new mapped ports, which clients configured before the
 * outage could not follow. A paused service accepts TCP connections but never answers, so
 * clients see timeouts rather than "connection refused".
 */
public final class TestcontainersStack implements ServiceControl, AutoCloseable {

    public static final String POSTGRES_IMAGE = "postgres:16-alpine";
    public static final String KAFKA_IMAGE = "apache/kafka:4.1.0";
    public static final String REDIS_IMAGE = "redis:7-alpine";

    private static final Logger LOG = LoggerFactory.getLogger(TestcontainersStack.class);

    private final PostgreSQLContainer<?> postgres;
    private final KafkaContainer kafka;
    private final GenericContainer<?> redis;
    private ServiceEndpoints endpoints;

    public TestcontainersStack() {
        postgres = new PostgreSQLContainer<>(DockerImageName.parse(POSTGRES_IMAGE))
                .withDatabaseName(LocalPostgres.DATABASE)
                .withUsername(LocalPostgres.USER)
                .withPassword(LocalPostgres.PASSWORD);
        kafka = new KafkaContainer(DockerImageName.parse(KAFKA_IMAGE))
                // Same single-node settings as EmbeddedKafka (transactions need RF 1 / min ISR 1).
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
                .withEnv("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
                .withEnv("KAFKA_TRANSACTION_MAX_TIMEOUT_MS", "900000")
                .withEnv("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0")
                .withEnv("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "true");
        redis = new GenericContainer<>(DockerImageName.parse(REDIS_IMAGE))
                .withExposedPorts(6379)
                .withCommand("redis-server", "--save", "", "--appendonly", "no");
    }

    /** Starts the three containers in parallel and provisions them. */
    public synchronized ServiceEndpoints start() {
        if (endpoints != null) {
            return endpoints;
        }
        long t0 = System.nanoTime();
        Startables.deepStart(Stream.of(postgres, kafka, redis)).join();
        ServiceEndpoints e = new ServiceEndpoints(
                kafka.getBootstrapServers(),
                postgres.getJdbcUrl(),
                postgres.getUsername(),
                postgres.getPassword(),
                "redis://" + redis.getHost() + ":" + redis.getMappedPort(6379));
        Provisioning.apply(e);
        endpoints = e;
        LOG.info("Testcontainers stack ready in {} ms: {}", (System.nanoTime() - t0) / 1_000_000, e);
        return e;
    }

    public PostgreSQLContainer<?> postgresContainer() {
        return postgres;
    }

    public KafkaContainer kafkaContainer() {
        return kafka;
    }

    public GenericContainer<?> redisContainer() {
        return redis;
    }

    @Override
    public void stopKafka() {
        pause(kafka);
    }

    @Override
    public void startKafka() {
        unpause(kafka);
    }

    @Override
    public void stopPostgres() {
        pause(postgres);
    }

    @Override
    public void startPostgres() {
        unpause(postgres);
    }

    @Override
    public void stopRedis() {
        pause(redis);
    }

    @Override
    public void startRedis() {
        unpause(redis);
    }

    @Override
    public synchronized void close() {
        Stream.of(redis, postgres, kafka).forEach(c -> {
            try {
                c.stop();
            } catch (RuntimeException e) {
                LOG.warn("Error stopping container {}: {}", c.getDockerImageName(), e.toString());
            }
        });
    }

    private static boolean isPaused(GenericContainer<?> c) {
        Boolean paused = DockerClientFactory.instance().client()
                .inspectContainerCmd(c.getContainerId()).exec().getState().getPaused();
        return Boolean.TRUE.equals(paused);
    }

    private static synchronized void pause(GenericContainer<?> c) {
        if (!isPaused(c)) {
            c.getDockerClient().pauseContainerCmd(c.getContainerId()).exec();
        }
    }

    private static synchronized void unpause(GenericContainer<?> c) {
        if (isPaused(c)) {
            c.getDockerClient().unpauseContainerCmd(c.getContainerId()).exec();
        }
    }
}
