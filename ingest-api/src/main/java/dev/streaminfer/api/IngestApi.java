package dev.streaminfer.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streaminfer.api.auth.ApiKeyStore;
import dev.streaminfer.api.auth.Authenticator;
import dev.streaminfer.api.kafka.ConsumerLag;
import dev.streaminfer.api.kafka.KafkaRequestPublisher;
import dev.streaminfer.api.request.InferenceBodyParser;
import dev.streaminfer.api.service.IdempotencyKeys;
import dev.streaminfer.api.service.InferenceService;
import dev.streaminfer.api.quota.JdbcQuotaOverrides;
import dev.streaminfer.api.service.QuotaService;
import dev.streaminfer.api.metrics.JobMetrics;
import dev.streaminfer.api.service.AdminStats;
import dev.streaminfer.api.service.RequestEvents;
import dev.streaminfer.api.service.RequestService;
import dev.streaminfer.api.service.ResultWaiter;
import dev.streaminfer.api.service.UsageService;
import dev.streaminfer.api.store.JdbcRequestCounts;
import dev.streaminfer.api.store.JdbcRequestHistory;
import dev.streaminfer.api.store.KeyspaceEvents;
import dev.streaminfer.api.store.RedisRequestStore;
import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.serde.Json;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest HTTP service (see the README for the routes). {@link #start(ApiConfig)} connects to
 * Kafka, Redis and PostgreSQL, loads each model's tokenizer once, and serves; {@link #close()}
 * shuts down gracefully: new requests get 503, waiting clients get their 202, in-flight requests
 * finish (up to {@link ApiConfig#shutdownTimeout()}), then the producer is flushed and closed.
 */
public final class IngestApi implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IngestApi.class);
    private static final String COUNTED = "streaminfer.counted";
    private static final String STARTED = "streaminfer.started";
    /** A comment on every open event stream this often: finds clients that went away, keeps proxies from timing out. */
    private static final Duration EVENTS_KEEP_ALIVE = Duration.ofSeconds(15);

    private final ApiConfig config;
    private final List<AutoCloseable> resources;
    private final Javalin app;
    private final ResultWaiter waiter;
    private final KafkaRequestPublisher publisher;
    private final AtomicInteger inFlight;
    private volatile boolean draining;
    private volatile boolean closed;

    private IngestApi(ApiConfig config, List<AutoCloseable> resources, Javalin app, ResultWaiter waiter,
                      KafkaRequestPublisher publisher, AtomicInteger inFlight) {
        this.config = config;
        this.resources = resources;
        this.app = app;
        this.waiter = waiter;
        this.publisher = publisher;
        this.inFlight = inFlight;
    }

    public static IngestApi start(ApiConfig config) {
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            return start(config, resources);
        } catch (RuntimeException e) {
            closeAll(resources);
            throw e;
        }
    }

    private static IngestApi start(ApiConfig config, List<AutoCloseable> resources) {
        long t0 = System.nanoTime();
        Clock clock = Clock.systemUTC();

        AtomicInteger inFlight = new AtomicInteger();
        ApiMetrics[] metricsRef = new ApiMetrics[1];
        ApiClients clients = ApiClients.open(config, resources,
                (topic, nanos, ok) -> metricsRef[0].kafkaProduce(topic, nanos / 1e9, ok));
        RedisRequestStore store = new RedisRequestStore(clients.redis());
        ResultWaiter waiter = new ResultWaiter(store, config.waitPollInterval());
        resources.add(waiter);
        ApiMetrics metrics = new ApiMetrics(waiter::waiting, inFlight::get);
        metricsRef[0] = metrics;
        metrics.knownTopics(config.requestsTopic(), config.quotaUpdatesTopic());
        KeyspaceEvents keyspaceEvents = new KeyspaceEvents(clients.redisClient(), clients.redis(), waiter::onResultWritten);
        resources.add(keyspaceEvents);
        KafkaRequestPublisher publisher = clients.publisher();
        Readiness readiness = new Readiness(config.kafkaBootstrapServers(), store::ping, clients::postgresReachable,
                config.readinessInterval(), config.kafkaTimeout().dividedBy(2), keyspaceEvents::reenable);
        resources.add(readiness);

        Authenticator authenticator = new Authenticator(new ApiKeyStore(clients.dataSource()), config.keyCacheTtl());
        InferenceBodyParser parser = new InferenceBodyParser(clients.registry(), clients.tokenizers()::get);
        // An owner is done within two Redis round trips and the Kafka bound (plus slack); Kafka may
        // still append a write it gave up on for about one Kafka timeout.
        IdempotencyKeys idempotency = new IdempotencyKeys(store, clients.lookup(), config.idempotencyTtl(),
                config.redisTimeout().multipliedBy(2).plus(config.kafkaTimeout()).plusSeconds(2),
                config.kafkaTimeout(), config.kafkaTimeout().plusSeconds(1), clock, Thread::sleep);
        // Javalin's own default pool, made here so that InferenceService runs its continuations on it.
        QueuedThreadPool requestThreads = new QueuedThreadPool(250, 8, 60_000);
        requestThreads.setName("JettyServerThreadPool");
        InferenceService inference = new InferenceService(store, publisher, idempotency,
                readiness::kafkaReachable, clock, config.kafkaTimeout(), config.markerTtl(), requestThreads);
        RequestService requests = new RequestService(store, publisher, clock, config.kafkaTimeout(),
                config.markerTtl());
        QuotaService quotas = new QuotaService(new JdbcQuotaOverrides(clients.dataSource()), publisher, clock, config.kafkaTimeout());
        UsageService usage = new UsageService(store, quotas, clock);
        RequestEvents events = new RequestEvents(requests::status, waiter, config.waitPollInterval(),
                EVENTS_KEEP_ALIVE, config.eventsMax());
        resources.add(events);
        ApiHandlers handlers = new ApiHandlers(config, authenticator, parser, inference, requests, waiter, usage,
                quotas, readiness, metrics, new JdbcRequestHistory(clients.dataSource(), config.kafkaTimeout()),
                events, adminStats(config, clients, resources, inFlight, waiter, clock),
                modelsJson(clients.registry()), OpenApi.document());

        IngestApi[] self = new IngestApi[1];
        Javalin app = Javalin.create(cfg -> {
            cfg.showJavalinBanner = false;
            cfg.startupWatcherEnabled = false;
            cfg.jetty.threadPool = requestThreads;
            cfg.http.maxRequestSize = config.maxBodyBytes();
            cfg.http.prefer405over404 = true;
            cfg.router.ignoreTrailingSlashes = true;
            cfg.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
            cfg.jetty.modifyHttpConfiguration(http -> {
                http.setSendServerVersion(false);
                http.setRequestHeaderSize(16 * 1024);
            });
            cfg.requestLogger.http((ctx, ms) -> self[0].finished(ctx, metrics));
        });
        app.before(ctx -> self[0].admit(ctx));
        routes(app, handlers);
        app.exception(ApiException.class, (e, ctx) -> ApiHandlers.error(ctx, e.error()));
        app.exception(HttpResponseException.class, (e, ctx) -> ApiHandlers.error(ctx, fromHttp(e.getStatus())));
        app.exception(Exception.class, (e, ctx) -> {
            LOG.error("event=unhandled_error method={} route={} error={}", ctx.method(), route(ctx),
                    e.getClass().getName(), e);
            ApiHandlers.error(ctx, new ApiError(500, ApiError.INTERNAL, "internal error"));
        });

        IngestApi api = new IngestApi(config, resources, app, waiter, publisher, inFlight);
        self[0] = api;
        app.start(config.port());
        LOG.info("event=started port={} models={} kafka={} redis={} postgres={} startup_ms={}", app.port(),
                clients.tokenizers().keySet(), config.kafkaBootstrapServers(), config.redisUrl(), config.postgresUrl(),
                (System.nanoTime() - t0) / 1_000_000);
        return api;
    }

    private static AdminStats adminStats(ApiConfig config, ApiClients clients, List<AutoCloseable> resources,
                                         AtomicInteger inFlight, ResultWaiter waiter, Clock clock) {
        // Reads of Kafka and PostgreSQL for an operator are bounded like a Kafka write.
        ConsumerLag lag = new ConsumerLag(config.kafkaBootstrapServers(), config.kafkaTimeout());
        resources.add(lag);
        return new AdminStats(lag, new JdbcRequestCounts(clients.dataSource(), config.kafkaTimeout()),
                config.jobGroupId(), config.requestsTopic(), inFlight::get, waiter::waiting,
                new JobMetrics(config.jobMetricsUrls(), config.kafkaTimeout()), clients.tokenizers().keySet(), clock);
    }

    /** Every route and the handler that serves it. */
    private static void routes(Javalin app, ApiHandlers handlers) {
        app.post("/v1/inference", handlers::submit);
        app.post("/v1/embeddings", handlers::embeddings);
        app.get("/v1/requests", handlers::list);
        app.get("/v1/requests/{id}", handlers::status);
        app.get("/v1/requests/{id}/events", handlers::events);
        app.delete("/v1/requests/{id}", handlers::cancel);
        app.get("/v1/usage", handlers::usage);
        app.get("/v1/models", handlers::models);
        app.put("/v1/admin/quotas/{user_id}", handlers::putQuota);
        app.get("/v1/admin/stats", handlers::stats);
        app.get("/healthz", handlers::healthz);
        app.get("/readyz", handlers::readyz);
        app.get("/metrics", handlers::metrics);
        app.get("/openapi.json", handlers::openApi);
        app.get(DocsPage.PATH, handlers::docs);
        app.get(DocsPage.ASSETS + "{file}", handlers::docsAsset);
    }

    private void admit(Context ctx) {
        if (draining && !ctx.path().equals("/healthz") && !ctx.path().equals("/metrics")) {
            ctx.header("Connection", "close");
            throw ApiError.unavailable("the server is shutting down").exception();
        }
        ctx.attribute(STARTED, System.nanoTime());
        ctx.attribute(COUNTED, Boolean.TRUE);
        inFlight.incrementAndGet();
    }

    private void finished(Context ctx, ApiMetrics metrics) {
        if (Boolean.TRUE.equals(ctx.attribute(COUNTED))) {
            inFlight.decrementAndGet();
        }
        Long started = ctx.attribute(STARTED);
        double seconds = started == null ? 0 : (System.nanoTime() - started) / 1e9;
        int status = ctx.statusCode();
        String route = route(ctx);
        metrics.request(ctx.method().name(), route, status, seconds);
        if (status >= 500) {
            LOG.warn("event=http method={} route={} status={} ms={} user_id={}", ctx.method(), route, status,
                    Math.round(seconds * 1000), (Object) ctx.attribute("user_id"));
        } else if (LOG.isDebugEnabled()) {
            LOG.debug("event=http method={} route={} status={} ms={} user_id={}", ctx.method(), route, status,
                    Math.round(seconds * 1000), (Object) ctx.attribute("user_id"));
        }
    }

    /** The matched route template (never the raw path: ids stay out of metric labels). */
    private static String route(Context ctx) {
        try {
            String path = ctx.endpointHandlerPath();
            return path == null || path.isEmpty() || path.equals("*") ? "unmatched" : path;
        } catch (RuntimeException e) {
            return "unmatched";
        }
    }

    private static ApiError fromHttp(int status) {
        return switch (status) {
            case 404 -> ApiError.notFound("no such route");
            case 405 -> new ApiError(405, ApiError.METHOD_NOT_ALLOWED, "method not allowed on this route");
            case 413 -> ApiError.of(ErrorCode.PAYLOAD_TOO_LARGE, "the body is too large");
            case 400 -> ApiError.of(ErrorCode.INVALID_REQUEST, "bad request");
            default -> status >= 500
                    ? new ApiError(status, ApiError.INTERNAL, "internal error")
                    : new ApiError(status, ErrorCode.INVALID_REQUEST.code(), "request refused");
        };
    }

    static String modelsJson(ModelRegistry registry) {
        ObjectNode root = Json.mapper().createObjectNode();
        root.put("default_model", registry.defaultModel());
        ArrayNode models = root.putArray("models");
        for (ModelSpec spec : registry.all()) {
            ObjectNode m = models.addObject();
            m.put("name", spec.name());
            m.put("dimensions", spec.dimensions());
            m.put("max_input_tokens", spec.maxInputTokens());
        }
        return root.toString();
    }

    /** The port the server listens on (the ephemeral one when configured with 0). */
    public int port() {
        return app.port();
    }

    public ApiConfig config() {
        return config;
    }

    /** Graceful shutdown; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        draining = true;
        long t0 = System.nanoTime();
        waiter.close(); // waiting clients get their 202 now
        long deadline = t0 + config.shutdownTimeout().toNanos();
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        int abandoned = inFlight.get();
        app.stop();
        try {
            publisher.flush();
        } catch (RuntimeException e) {
            LOG.warn("event=producer_flush_failed reason=\"{}\"", e.getMessage());
        }
        closeAll(resources);
        LOG.info("event=stopped shutdown_ms={} abandoned_requests={}", (System.nanoTime() - t0) / 1_000_000, abandoned);
    }

    private static void closeAll(List<AutoCloseable> resources) {
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                LOG.warn("event=close_failed resource={} reason=\"{}\"", resources.get(i).getClass().getSimpleName(),
                        e.getMessage());
            }
        }
        resources.clear();
    }

    public static void main(String[] args) throws InterruptedException {
        ApiConfig config = ApiConfig.fromEnvironment(System.getenv());
        IngestApi api = start(config);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            api.close();
            stopped.countDown();
        }, "ingest-api-shutdown"));
        System.out.println("ingest-api listening on port " + api.port());
        stopped.await();
    }

    /** The OpenAPI document, a resource of this module. */
    static final class OpenApi {
        private OpenApi() {}

        static String document() {
            try (InputStream in = IngestApi.class.getResourceAsStream("/openapi.json")) {
                if (in == null) {
                    return "{}";
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "{}";
            }
        }
    }

}
