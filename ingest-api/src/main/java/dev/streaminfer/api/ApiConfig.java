package dev.streaminfer.api;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Every setting of the ingest API, with its default. {@link #fromEnvironment(Map)} reads the
 * environment variables listed in {@link #OPTIONS} (the README's configuration table mirrors that
 * list); tests use {@link #builder()}.
 *
 * @param port HTTP port; 0 picks an ephemeral one (see {@link IngestApi#port()})
 * @param kafkaBootstrapServers Kafka {@code bootstrap.servers}
 * @param requestsTopic where accepted requests (and cancel markers) are written
 * @param quotaUpdatesTopic the compacted topic the admin quota route writes to
 * @param postgresUrl JDBC URL of the database holding {@code api_keys}
 * @param postgresUser database user
 * @param postgresPassword database password
 * @param redisUrl {@code redis://host:port[/db]}: result documents, markers, usage mirror
 * @param kafkaTimeout how long a write may wait for the broker before the API answers 503
 * @param redisTimeout how long one Redis command may take
 * @param keyCacheTtl how long an API key lookup is cached (a revoked key works at most this long)
 * @param maxBodyBytes the largest request body accepted (larger: 413 before it is buffered)
 * @param maxWait the largest {@code ?wait_ms=} honoured
 * @param idempotencyTtl how long an {@code Idempotency-Key} is remembered
 * @param markerTtl how long the accepted and cancel markers live (beyond the request deadline)
 * @param shutdownTimeout how long {@link IngestApi#close()} waits for in-flight requests
 * @param readinessInterval how often the dependencies are probed for {@code /readyz}
 * @param waitPollInterval the period of the one shared poller that backs up keyspace events
 * @param embeddingsWait how long {@code POST /v1/embeddings} waits for the result before 504
 * @param eventsMax how long one {@code GET /v1/requests/{id}/events} stream stays open without a final status
 * @param jobGroupId the job's consumer group on the requests topic, whose lag {@code GET /v1/admin/stats} shows
 * @param jobMetricsUrls the job's Prometheus endpoints, whose model-cache gauges {@code GET /v1/admin/stats} shows
 */
public record ApiConfig(
        int port,
        String kafkaBootstrapServers,
        String requestsTopic,
        String quotaUpdatesTopic,
        String postgresUrl,
        String postgresUser,
        String postgresPassword,
        String redisUrl,
        Duration kafkaTimeout,
        Duration redisTimeout,
        Duration keyCacheTtl,
        int maxBodyBytes,
        Duration maxWait,
        Duration idempotencyTtl,
        Duration markerTtl,
        Duration shutdownTimeout,
        Duration readinessInterval,
        Duration waitPollInterval,
        Duration embeddingsWait,
        Duration eventsMax,
        String jobGroupId,
        List<URI> jobMetricsUrls) {

    /** One environment variable: its name, default and meaning. */
    public record Option(String env, String defaultValue, String description) {}

    public static final Option API_PORT = new Option("API_PORT", "8080", "HTTP port (0 = ephemeral)");
    public static final Option KAFKA = new Option("KAFKA_BOOTSTRAP_SERVERS", "localhost:19092", "Kafka bootstrap servers");
    public static final Option REQUESTS_TOPIC = new Option("API_REQUESTS_TOPIC", "inference-requests", "topic for accepted requests and cancel markers");
    public static final Option QUOTA_TOPIC = new Option("API_QUOTA_UPDATES_TOPIC", "quota-updates", "compacted topic for admin quota changes");
    public static final Option POSTGRES_URL = new Option("POSTGRES_URL", "jdbc:postgresql://localhost:15432/inference", "JDBC URL (api_keys)");
    public static final Option POSTGRES_USER = new Option("POSTGRES_USER", "inference", "database user");
    public static final Option POSTGRES_PASSWORD = new Option("POSTGRES_PASSWORD", "inference", "database password");
    public static final Option REDIS = new Option("REDIS_URL", "redis://localhost:16379", "Redis URL");
    public static final Option KAFKA_TIMEOUT = new Option("API_KAFKA_TIMEOUT_MS", "5000", "max wait for a Kafka ack before 503");
    public static final Option REDIS_TIMEOUT = new Option("API_REDIS_TIMEOUT_MS", "2000", "max time of one Redis command");
    public static final Option KEY_CACHE_TTL = new Option("API_KEY_CACHE_TTL_MS", "5000", "API key cache lifetime (revocation delay)");
    public static final Option MAX_BODY = new Option("API_MAX_BODY_BYTES", "1048576", "largest request body (413 above)");
    public static final Option MAX_WAIT = new Option("API_MAX_WAIT_MS", "30000", "largest ?wait_ms= honoured");
    public static final Option IDEMPOTENCY_TTL = new Option("API_IDEMPOTENCY_TTL_MS", "86400000", "how long an Idempotency-Key is remembered");
    public static final Option MARKER_TTL = new Option("API_MARKER_TTL_MS", "86400000", "lifetime of accepted/cancel markers beyond the deadline");
    public static final Option SHUTDOWN_TIMEOUT = new Option("API_SHUTDOWN_TIMEOUT_MS", "10000", "graceful shutdown budget");
    public static final Option READINESS_INTERVAL = new Option("API_READINESS_INTERVAL_MS", "1000", "dependency probe period");
    public static final Option WAIT_POLL_INTERVAL = new Option("API_WAIT_POLL_INTERVAL_MS", "500", "shared result poller period (backs up keyspace events)");
    public static final Option EMBEDDINGS_WAIT = new Option("API_EMBEDDINGS_WAIT_MS", "30000", "how long POST /v1/embeddings waits for the result (then 504)");
    public static final Option JOB_GROUP_ID = new Option("API_JOB_GROUP_ID", "streaminfer-job", "the job's consumer group on the requests topic (its lag in GET /v1/admin/stats; the job's streaminfer.kafka.group-id)");
    public static final Option JOB_METRICS_URLS = new Option("API_JOB_METRICS_URLS", "", "comma-separated Prometheus endpoints of the job (JobManager, TaskManagers): the models each TaskManager holds in GET /v1/admin/stats; empty: not shown");
    public static final Option EVENTS_MAX = new Option("API_EVENTS_MAX_MS", "600000", "longest GET /v1/requests/{id}/events stream without a final status (the client reconnects)");

    public static final List<Option> OPTIONS = List.of(API_PORT, KAFKA, REQUESTS_TOPIC, QUOTA_TOPIC,
            POSTGRES_URL, POSTGRES_USER, POSTGRES_PASSWORD, REDIS, KAFKA_TIMEOUT, REDIS_TIMEOUT,
            KEY_CACHE_TTL, MAX_BODY, MAX_WAIT, IDEMPOTENCY_TTL, MARKER_TTL, SHUTDOWN_TIMEOUT,
            READINESS_INTERVAL, WAIT_POLL_INTERVAL, EMBEDDINGS_WAIT, EVENTS_MAX, JOB_GROUP_ID,
            JOB_METRICS_URLS);

    public ApiConfig {
        Objects.requireNonNull(kafkaBootstrapServers, "kafkaBootstrapServers");
        Objects.requireNonNull(requestsTopic, "requestsTopic");
        Objects.requireNonNull(quotaUpdatesTopic, "quotaUpdatesTopic");
        Objects.requireNonNull(postgresUrl, "postgresUrl");
        Objects.requireNonNull(postgresUser, "postgresUser");
        Objects.requireNonNull(postgresPassword, "postgresPassword");
        Objects.requireNonNull(redisUrl, "redisUrl");
        Objects.requireNonNull(jobGroupId, "jobGroupId");
        jobMetricsUrls = List.copyOf(jobMetricsUrls);
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
        if (maxBodyBytes < 1024) throw new IllegalArgumentException("maxBodyBytes must be >= 1024");
        positive(kafkaTimeout, "kafkaTimeout");
        positive(redisTimeout, "redisTimeout");
        positive(keyCacheTtl, "keyCacheTtl");
        positive(maxWait, "maxWait");
        positive(idempotencyTtl, "idempotencyTtl");
        positive(markerTtl, "markerTtl");
        positive(shutdownTimeout, "shutdownTimeout");
        positive(readinessInterval, "readinessInterval");
        positive(waitPollInterval, "waitPollInterval");
        positive(embeddingsWait, "embeddingsWait");
        positive(eventsMax, "eventsMax");
    }

    private static void positive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration, got " + d);
        }
    }

    /** Defaults everywhere: the local stack's addresses and port 8080. */
    public static ApiConfig defaults() {
        return fromEnvironment(Map.of());
    }

    /** Reads {@link #OPTIONS} from {@code env} (typically {@code System.getenv()}). */
    public static ApiConfig fromEnvironment(Map<String, String> env) {
        return new ApiConfig(
                integer(env, API_PORT),
                string(env, KAFKA),
                string(env, REQUESTS_TOPIC),
                string(env, QUOTA_TOPIC),
                string(env, POSTGRES_URL),
                string(env, POSTGRES_USER),
                string(env, POSTGRES_PASSWORD),
                string(env, REDIS),
                millis(env, KAFKA_TIMEOUT),
                millis(env, REDIS_TIMEOUT),
                millis(env, KEY_CACHE_TTL),
                integer(env, MAX_BODY),
                millis(env, MAX_WAIT),
                millis(env, IDEMPOTENCY_TTL),
                millis(env, MARKER_TTL),
                millis(env, SHUTDOWN_TIMEOUT),
                millis(env, READINESS_INTERVAL),
                millis(env, WAIT_POLL_INTERVAL),
                millis(env, EMBEDDINGS_WAIT),
                millis(env, EVENTS_MAX),
                string(env, JOB_GROUP_ID),
                urls(env, JOB_METRICS_URLS));
    }

    private static String string(Map<String, String> env, Option option) {
        String value = env.get(option.env());
        return value == null || value.isBlank() ? option.defaultValue() : value.trim();
    }

    private static List<URI> urls(Map<String, String> env, Option option) {
        List<URI> urls = new ArrayList<>();
        for (String part : string(env, option).split(",")) {
            if (part.isBlank()) {
                continue;
            }
            try {
                URI url = new URI(part.trim());
                if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
                    throw new URISyntaxException(part, "not an http(s) URL");
                }
                urls.add(url);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException(option.env() + " must list http(s) URLs, got '" + part.trim() + "'");
            }
        }
        return urls;
    }

    private static int integer(Map<String, String> env, Option option) {
        String value = string(env, option);
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option.env() + " must be an integer, got '" + value + "'");
        }
    }

    private static Duration millis(Map<String, String> env, Option option) {
        String value = string(env, option);
        try {
            return Duration.ofMillis(Long.parseLong(value));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option.env() + " must be milliseconds, got '" + value + "'");
        }
    }

    public static Builder builder() {
        return new Builder(defaults());
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Never prints the password. */
    @Override
    public String toString() {
        return "ApiConfig[port=" + port + ", kafka=" + kafkaBootstrapServers + ", requestsTopic=" + requestsTopic
                + ", quotaUpdatesTopic=" + quotaUpdatesTopic + ", postgres=" + postgresUrl + " (user " + postgresUser
                + "), redis=" + redisUrl + ", kafkaTimeout=" + kafkaTimeout + ", keyCacheTtl=" + keyCacheTtl
                + ", maxBodyBytes=" + maxBodyBytes + "]";
    }

    /** Mutable builder starting from another config. */
    public static final class Builder {
        private int port;
        private String kafkaBootstrapServers;
        private String requestsTopic;
        private String quotaUpdatesTopic;
        private String postgresUrl;
        private String postgresUser;
        private String postgresPassword;
        private String redisUrl;
        private Duration kafkaTimeout;
        private Duration redisTimeout;
        private Duration keyCacheTtl;
        private int maxBodyBytes;
        private Duration maxWait;
        private Duration idempotencyTtl;
        private Duration markerTtl;
        private Duration shutdownTimeout;
        private Duration readinessInterval;
        private Duration waitPollInterval;
        private Duration embeddingsWait;
        private Duration eventsMax;
        private String jobGroupId;
        private List<URI> jobMetricsUrls;

        private Builder(ApiConfig c) {
            port = c.port;
            kafkaBootstrapServers = c.kafkaBootstrapServers;
            requestsTopic = c.requestsTopic;
            quotaUpdatesTopic = c.quotaUpdatesTopic;
            postgresUrl = c.postgresUrl;
            postgresUser = c.postgresUser;
            postgresPassword = c.postgresPassword;
            redisUrl = c.redisUrl;
            kafkaTimeout = c.kafkaTimeout;
            redisTimeout = c.redisTimeout;
            keyCacheTtl = c.keyCacheTtl;
            maxBodyBytes = c.maxBodyBytes;
            maxWait = c.maxWait;
            idempotencyTtl = c.idempotencyTtl;
            markerTtl = c.markerTtl;
            shutdownTimeout = c.shutdownTimeout;
            readinessInterval = c.readinessInterval;
            waitPollInterval = c.waitPollInterval;
            embeddingsWait = c.embeddingsWait;
            eventsMax = c.eventsMax;
            jobGroupId = c.jobGroupId;
            jobMetricsUrls = c.jobMetricsUrls;
        }

        public Builder port(int v) { port = v; return this; }
        public Builder kafkaBootstrapServers(String v) { kafkaBootstrapServers = v; return this; }
        public Builder requestsTopic(String v) { requestsTopic = v; return this; }
        public Builder quotaUpdatesTopic(String v) { quotaUpdatesTopic = v; return this; }
        public Builder postgres(String url, String user, String password) {
            postgresUrl = url; postgresUser = user; postgresPassword = password; return this;
        }
        public Builder postgresUrl(String v) { postgresUrl = v; return this; }
        public Builder postgresUser(String v) { postgresUser = v; return this; }
        public Builder postgresPassword(String v) { postgresPassword = v; return this; }
        public Builder redisUrl(String v) { redisUrl = v; return this; }
        public Builder kafkaTimeout(Duration v) { kafkaTimeout = v; return this; }
        public Builder redisTimeout(Duration v) { redisTimeout = v; return this; }
        public Builder keyCacheTtl(Duration v) { keyCacheTtl = v; return this; }
        public Builder maxBodyBytes(int v) { maxBodyBytes = v; return this; }
        public Builder maxWait(Duration v) { maxWait = v; return this; }
        public Builder idempotencyTtl(Duration v) { idempotencyTtl = v; return this; }
        public Builder markerTtl(Duration v) { markerTtl = v; return this; }
        public Builder shutdownTimeout(Duration v) { shutdownTimeout = v; return this; }
        public Builder readinessInterval(Duration v) { readinessInterval = v; return this; }
        public Builder waitPollInterval(Duration v) { waitPollInterval = v; return this; }
        public Builder embeddingsWait(Duration v) { embeddingsWait = v; return this; }
        public Builder eventsMax(Duration v) { eventsMax = v; return this; }
        public Builder jobGroupId(String v) { jobGroupId = v; return this; }
        public Builder jobMetricsUrls(List<URI> v) { jobMetricsUrls = v; return this; }

        public ApiConfig build() {
            return new ApiConfig(port, kafkaBootstrapServers, requestsTopic, quotaUpdatesTopic, postgresUrl,
                    postgresUser, postgresPassword, redisUrl, kafkaTimeout, redisTimeout, keyCacheTtl,
                    maxBodyBytes, maxWait, idempotencyTtl, markerTtl, shutdownTimeout, readinessInterval,
                    waitPollInterval, embeddingsWait, eventsMax, jobGroupId,
                    jobMetricsUrls);
        }
    }
}
