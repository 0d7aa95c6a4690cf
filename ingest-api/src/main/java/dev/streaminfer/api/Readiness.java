package dev.streaminfer.api;

import dev.streaminfer.contract.concurrent.DaemonThreads;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes Kafka, Redis and PostgreSQL every {@code interval} on one background thread and keeps
 * the answers, so {@code /readyz} and the Kafka fast-fail check on the request path cost a field
 * read. Kafka counts as reachable when a {@code describeCluster} returns at least one broker.
 */
public final class Readiness implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Readiness.class);

    private final Admin admin;
    private final BooleanSupplier redisProbe;
    private final BooleanSupplier postgresProbe;
    private final Duration timeout;
    private final Runnable onRedisRecovered;
    private final ScheduledExecutorService scheduler;
    private volatile boolean kafka = true;
    private volatile boolean redis = true;
    private volatile boolean postgres = true;

    /**
     * @param onRedisRecovered run when Redis answers again after an outage (a restarted Redis has
     *     lost runtime settings such as keyspace notifications)
     */
    public Readiness(String kafkaBootstrapServers, BooleanSupplier redisProbe, BooleanSupplier postgresProbe,
                     Duration interval, Duration timeout, Runnable onRedisRecovered) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafkaBootstrapServers);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "streaminfer-ingest-api-readiness");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(Math.max(500, timeout.toMillis())));
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(Math.max(500, timeout.toMillis())));
        p.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        this.admin = Admin.create(p);
        this.redisProbe = redisProbe;
        this.postgresProbe = postgresProbe;
        this.timeout = timeout;
        this.onRedisRecovered = onRedisRecovered;
        this.scheduler = DaemonThreads.singleThreadScheduler("readiness-probe");
        probe();
        scheduler.scheduleWithFixedDelay(this::probe, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void probe() {
        boolean k = probeKafka();
        boolean r = safe(redisProbe);
        boolean pg = safe(postgresProbe);
        if (k != kafka || r != redis || pg != postgres) {
            LOG.info("event=readiness_changed kafka={} redis={} postgres={}", k, r, pg);
        }
        if (r && !redis) {
            try {
                onRedisRecovered.run();
            } catch (RuntimeException e) {
                LOG.warn("event=redis_recovery_hook_failed reason=\"{}\"", e.getMessage());
            }
        }
        kafka = k;
        redis = r;
        postgres = pg;
    }

    private boolean probeKafka() {
        try {
            return !admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
                    .nodes().get(timeout.toMillis() + 500, TimeUnit.MILLISECONDS).isEmpty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (Exception e) {
            return false;
        }
    }

    private static boolean safe(BooleanSupplier probe) {
        try {
            return probe.getAsBoolean();
        } catch (RuntimeException e) {
            return false;
        }
    }

    public boolean kafkaReachable() {
        return kafka;
    }

    public boolean ready() {
        return kafka && redis && postgres;
    }

    public Map<String, Boolean> checks() {
        Map<String, Boolean> checks = new LinkedHashMap<>();
        checks.put("kafka", kafka);
        checks.put("redis", redis);
        checks.put("postgres", postgres);
        return checks;
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        admin.close(Duration.ofSeconds(2));
    }
}
