package dev.streaminfer.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streaminfer.api.auth.Authenticator;
import dev.streaminfer.api.auth.Caller;
import dev.streaminfer.api.request.BoundedBody;
import dev.streaminfer.api.request.EmbeddingsBodyParser;
import dev.streaminfer.api.request.InferenceBodyParser;
import dev.streaminfer.api.request.ListQuery;
import dev.streaminfer.api.store.JdbcRequestHistory;
import dev.streaminfer.api.store.RequestStore;
import dev.streaminfer.api.request.QueryParams;
import dev.streaminfer.api.request.Traceparent;
import dev.streaminfer.contract.telemetry.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import dev.streaminfer.api.service.IdempotencyKeys;
import dev.streaminfer.api.service.InferenceService;
import dev.streaminfer.api.service.EmbeddingsResponse;
import dev.streaminfer.api.service.QuotaService;
import java.time.Instant;
import dev.streaminfer.api.request.QuotaBodyParser;
import dev.streaminfer.api.service.AdminStats;
import dev.streaminfer.api.service.RequestEvents;
import dev.streaminfer.api.service.RequestService;
import dev.streaminfer.api.service.StatusStream;
import io.javalin.http.sse.SseClient;
import jakarta.servlet.http.HttpServletResponse;
import dev.streaminfer.api.service.ResultWaiter;
import dev.streaminfer.api.service.UsageService;
import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.serde.Json;
import io.javalin.http.Context;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import dev.streaminfer.contract.concurrent.Futures;

/**
 * The routes: each parses the HTTP request, calls a plain service, and maps the outcome to a
 * status. Errors travel as {@link ApiException} to the exception handler in {@link IngestApi}.
 */
final class ApiHandlers {

    static final String JSON = "application/json";
    /** The OpenAI-compatible route: its errors are in OpenAI's shape. */
    static final String EMBEDDINGS = "/v1/embeddings";
    /** The request id of a {@code POST /v1/embeddings}, whatever its answer. */
    static final String REQUEST_ID_HEADER = "X-Request-Id";

    private final ApiConfig config;
    private final Authenticator authenticator;
    private final InferenceBodyParser parser;
    private final EmbeddingsBodyParser embeddingsParser;
    private final InferenceService inference;
    private final RequestService requests;
    private final ResultWaiter waiter;
    private final UsageService usage;
    private final QuotaService quotas;
    private final Readiness readiness;
    private final ApiMetrics metrics;
    private final JdbcRequestHistory history;
    private final RequestEvents events;
    private final AdminStats stats;
    private final String modelsJson;
    private final String openApiJson;
    private final DocsPage docs = DocsPage.load();

    ApiHandlers(ApiConfig config, Authenticator authenticator, InferenceBodyParser parser, InferenceService inference,
                RequestService requests, ResultWaiter waiter, UsageService usage, QuotaService quotas,
                Readiness readiness, ApiMetrics metrics, JdbcRequestHistory history, RequestEvents events,
                AdminStats stats, String modelsJson, String openApiJson) {
        this.config = config;
        this.authenticator = authenticator;
        this.parser = parser;
        this.embeddingsParser = new EmbeddingsBodyParser(parser);
        this.inference = inference;
        this.requests = requests;
        this.waiter = waiter;
        this.usage = usage;
        this.quotas = quotas;
        this.readiness = readiness;
        this.metrics = metrics;
        this.history = history;
        this.events = events;
        this.stats = stats;
        this.modelsJson = modelsJson;
        this.openApiJson = openApiJson;
    }

    // POST /v1/inference
    void submit(Context ctx) throws IOException {
        // Server span: continues a client's valid traceparent; its context is what the produce span hangs from.
        String clientTraceparent = ctx.header("traceparent");
        Span server = Tracing.start("POST /v1/inference", SpanKind.SERVER, clientTraceparent);
        CompletableFuture<Void> answered;
        try {
            answered = submit(ctx, server, clientTraceparent);
        } catch (RuntimeException | IOException e) {
            server.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
            server.end();
            throw e;
        }
        answered.whenComplete((ok, error) -> {
            if (error != null) {
                server.setStatus(StatusCode.ERROR, Futures.cause(error).getClass().getSimpleName());
            }
            server.end();
        });
        // Failures reach the same exception handlers as a thrown ApiException (Javalin unwraps them).
        ctx.future(() -> answered);
    }

    private CompletableFuture<Void> submit(Context ctx, Span server, String clientTraceparent) throws IOException {
        Caller caller = authenticate(ctx);
        long waitMs = QueryParams.waitMs(ctx.queryParam("wait_ms"), config.maxWait());
        String idempotencyKey = idempotencyKey(ctx);
        byte[] body = boundedBody(ctx);
        InferenceBodyParser.Outcome parsed = parser.parse(body);
        if (!parsed.isValid()) {
            throw parsed.error().exception();
        }
        String serverTraceparent = Tracing.traceparent(server);
        return inference.submit(caller, parsed.request(), idempotencyKey,
                serverTraceparent != null ? serverTraceparent : Traceparent.orNew(clientTraceparent))
                .thenCompose(accepted -> {
                    server.setAttribute("request_id", accepted.requestId());
                    String statusUrl = acceptedHeaders(ctx, accepted);
                    String acceptedBody = acceptedBody(accepted.requestId(), "queued", statusUrl);
                    if (waitMs == 0) {
                        json(ctx, 202, acceptedBody);
                        return CompletableFuture.completedFuture(null);
                    }
                    return waiter.await(accepted.requestId(), Duration.ofMillis(waitMs)).thenAccept(doc -> {
                        if (doc.isPresent()) {
                            json(ctx, 200, doc.get());
                        } else {
                            json(ctx, 202, acceptedBody);
                        }
                    });
                });
    }

    /** {@code Location} of an accepted request (returned) and, for a replay, {@code Idempotent-Replayed}. */
    private static String acceptedHeaders(Context ctx, InferenceService.Accepted accepted) {
        String statusUrl = "/v1/requests/" + accepted.requestId();
        ctx.header("Location", statusUrl);
        if (accepted.replayed()) {
            ctx.header("Idempotent-Replayed", "true");
        }
        return statusUrl;
    }

    /** The {@code Idempotency-Key} header (null if absent), refused unless well formed. */
    private static String idempotencyKey(Context ctx) {
        String key = ctx.header("Idempotency-Key");
        if (key != null) {
            IdempotencyKeys.validate(key).ifPresent(e -> {
                throw e.exception();
            });
        }
        return key;
    }

    private byte[] boundedBody(Context ctx) throws IOException {
        return BoundedBody.read(ctx.req().getInputStream(), ctx.req().getContentLengthLong(), config.maxBodyBytes());
    }

    // POST /v1/embeddings (OpenAI-compatible): submitted like POST /v1/inference, then waits.
    void embeddings(Context ctx) throws IOException {
        Caller caller = authenticate(ctx);
        String idempotencyKey = idempotencyKey(ctx);
        byte[] body = boundedBody(ctx);
        EmbeddingsBodyParser.ParsedEmbeddings parsed = embeddingsParser.parse(body);
        Duration bound = config.embeddingsWait();
        CompletableFuture<Void> answered = inference.submit(caller, parsed.inference(), idempotencyKey,
                Traceparent.orNew(ctx.header("traceparent"))).thenCompose(accepted -> {
                    String requestId = accepted.requestId();
                    ctx.header(REQUEST_ID_HEADER, requestId);
                    acceptedHeaders(ctx, accepted);
                    return waiter.await(requestId, bound).thenAccept(doc -> {
                        if (doc.isEmpty()) {
                            throw new ApiError(504, ApiError.RESULT_PENDING, "no result within " + bound.toMillis()
                                    + " ms; request " + requestId + " goes on: GET /v1/requests/" + requestId)
                                    .exception();
                        }
                        json(ctx, 200, EmbeddingsResponse.body(doc.get(), parsed.encodingFormat()));
                    });
                });
        ctx.future(() -> answered);
    }

    // GET /v1/requests?status=&since=&until=&limit=&cursor=&user_id=
    void list(Context ctx) {
        Caller caller = authenticate(ctx);
        ListQuery query = ListQuery.parse(caller, ctx::queryParam);
        JdbcRequestHistory.Page page;
        try {
            page = history.page(query);
        } catch (RequestStore.StoreUnavailableException e) {
            throw ApiError.unavailable("PostgreSQL is not reachable").exception();
        }
        json(ctx, 200, JdbcRequestHistory.toJson(page).toString());
    }

    // GET /v1/requests/{id}
    void status(Context ctx) {
        Caller caller = authenticate(ctx);
        Optional<ObjectNode> doc = requests.status(caller, ctx.pathParam("id"));
        if (doc.isEmpty()) {
            throw ApiError.notFound("no such request").exception();
        }
        json(ctx, 200, doc.get().toString());
    }

    // GET /v1/requests/{id}/events (Server-Sent Events)
    void events(Context ctx) {
        Caller caller = authenticate(ctx);
        String id = ctx.pathParam("id");
        // Ownership and the current state before any byte of the stream: 404 stays a plain 404.
        ObjectNode first = requests.status(caller, id)
                .orElseThrow(() -> ApiError.notFound("no such request").exception());
        HttpServletResponse res = ctx.res();
        res.setStatus(200);
        res.setCharacterEncoding("UTF-8");
        res.setContentType(EVENT_STREAM);
        res.addHeader("Cache-Control", "no-cache");
        res.addHeader("X-Accel-Buffering", "no"); // proxies must not buffer the stream
        try {
            res.flushBuffer();
        } catch (IOException e) {
            return; // the client is already gone
        }
        SseClient client = new SseClient(ctx);
        client.keepAlive(); // before the first event: a final one closes the stream at once
        events.follow(caller, id, first, new StatusStream(new SseSink(client)));
    }

    static final String EVENT_STREAM = "text/event-stream";

    /** A {@link StatusStream.Sink} writing to Javalin's SSE client. */
    private record SseSink(SseClient client) implements StatusStream.Sink {
        @Override
        public boolean send(String event, String data) {
            if (client.terminated()) {
                return false;
            }
            client.sendEvent(event, data);
            return !client.terminated();
        }

        @Override
        public boolean comment(String text) {
            if (client.terminated()) {
                return false;
            }
            client.sendComment(text);
            return !client.terminated();
        }

        @Override
        public void close() {
            client.close();
        }
    }

    // DELETE /v1/requests/{id}
    void cancel(Context ctx) {
        Caller caller = authenticate(ctx);
        String id = ctx.pathParam("id");
        switch (requests.cancel(caller, id)) {
            case NOT_FOUND -> throw ApiError.notFound("no such request").exception();
            case ALREADY_FINAL -> throw ApiError.of(ErrorCode.ALREADY_FINAL,
                    "the request is already final and cannot be cancelled").exception();
            case ALREADY_CANCELLED -> throw ApiError.of(ErrorCode.ALREADY_FINAL,
                    "the request is already cancelled").exception();
            case REQUESTED -> json(ctx, 202, acceptedBody(id, RequestService.CANCEL_REQUESTED,
                    "/v1/requests/" + id));
        }
    }

    // GET /v1/usage
    void usage(Context ctx) {
        Caller caller = authenticate(ctx);
        json(ctx, 200, usage.usage(caller).toJson().toString());
    }

    // GET /v1/models
    void models(Context ctx) {
        authenticate(ctx);
        json(ctx, 200, modelsJson);
    }

    // GET /v1/admin/stats
    void stats(Context ctx) {
        requireAdmin(authenticate(ctx));
        json(ctx, 200, stats.snapshot().toString());
    }

    private static void requireAdmin(Caller caller) {
        if (!caller.isAdmin()) {
            throw ApiError.of(ErrorCode.FORBIDDEN, "this route needs an admin key").exception();
        }
    }

    // PUT /v1/admin/quotas/{user_id}
    void putQuota(Context ctx) throws IOException {
        Caller caller = authenticate(ctx);
        requireAdmin(caller);
        byte[] body = BoundedBody.read(ctx.req().getInputStream(), ctx.req().getContentLengthLong(),
                config.maxBodyBytes());
        QuotaService.QuotaChange change = quotas.update(caller, ctx.pathParam("user_id"), QuotaBodyParser.parse(body));
        json(ctx, 200, quotaJson(change).toString());
    }

    /** A user's settings after a change; a null limit is the plan's own. */
    static ObjectNode quotaJson(QuotaService.QuotaChange change) {
        ObjectNode out = Json.mapper().createObjectNode();
        out.put("user_id", change.userId());
        out.put("plan", change.settings().plan());
        out.put("tokens_per_minute", change.settings().tokensPerMinute());
        out.put("tokens_per_day", change.settings().tokensPerDay());
        out.put("updated_at", Instant.ofEpochMilli(change.updatedAt()).toString());
        return out;
    }

    void healthz(Context ctx) {
        json(ctx, 200, "{\"status\":\"ok\"}");
    }

    void readyz(Context ctx) {
        ObjectNode node = Json.mapper().createObjectNode();
        boolean ready = readiness.ready();
        node.put("status", ready ? "ready" : "not_ready");
        ObjectNode checks = node.putObject("checks");
        readiness.checks().forEach(checks::put);
        json(ctx, ready ? 200 : 503, node.toString());
    }

    void metrics(Context ctx) {
        ctx.status(200).contentType(ApiMetrics.contentType()).result(metrics.scrape());
    }

    void openApi(Context ctx) {
        json(ctx, 200, openApiJson);
    }

    // GET /docs: Swagger UI over /openapi.json
    void docs(Context ctx) {
        ctx.status(200).contentType("text/html; charset=utf-8").result(docs.html());
    }

    // GET /docs/assets/{file}: the Swagger UI files the page loads, from the webjar
    void docsAsset(Context ctx) {
        DocsPage.Asset asset = docs.asset(ctx.pathParam("file"))
                .orElseThrow(() -> ApiError.notFound("no such file").exception());
        ctx.header("Cache-Control", "public, max-age=86400");
        ctx.status(200).contentType(asset.contentType()).result(asset.bytes());
    }

    private Caller authenticate(Context ctx) {
        Authenticator.Result result = authenticator.authenticate(ctx.header("Authorization"));
        if (!result.isOk()) {
            if (result.error().status() == 401) {
                ctx.header("WWW-Authenticate", "Bearer");
            }
            throw result.error().exception();
        }
        ctx.attribute("user_id", result.caller().userId());
        return result.caller();
    }

    private static String acceptedBody(String requestId, String status, String statusUrl) {
        ObjectNode node = Json.mapper().createObjectNode();
        node.put("request_id", requestId);
        node.put("status", status);
        node.put("status_url", statusUrl);
        return node.toString();
    }

    static void json(Context ctx, int status, String body) {
        ctx.status(status).contentType(JSON).result(body);
    }

    static String errorBody(ApiError error) {
        ObjectNode node = Json.mapper().createObjectNode();
        ObjectNode inner = node.putObject("error");
        inner.put("code", error.code());
        inner.put("message", error.message());
        return node.toString();
    }

    /**
     * OpenAI's error shape, for {@code /v1/embeddings}: {@code {"error":{"message","type","param","code"}}},
     * {@code code} being the API's own snake_case code and {@code type} OpenAI's class of error.
     */
    static String openAiErrorBody(ApiError error) {
        ObjectNode node = Json.mapper().createObjectNode();
        ObjectNode inner = node.putObject("error");
        inner.put("message", error.message());
        inner.put("type", openAiType(error.status()));
        inner.put("param", error.param());
        inner.put("code", error.code());
        return node.toString();
    }

    static String openAiType(int status) {
        return switch (status) {
            case 401 -> "authentication_error";
            case 403 -> "permission_error";
            case 429 -> "rate_limit_error";
            default -> status >= 500 ? "server_error" : "invalid_request_error";
        };
    }

    /** The error body a path answers: OpenAI's shape on {@link #EMBEDDINGS}, the API's own elsewhere. */
    static String errorBody(String path, ApiError error) {
        return path != null && path.startsWith(EMBEDDINGS) ? openAiErrorBody(error) : errorBody(error);
    }

    static void error(Context ctx, ApiError error) {
        if (error.retryAfterSeconds() > 0) {
            ctx.header("Retry-After", Long.toString(error.retryAfterSeconds()));
        }
        json(ctx, error.status(), errorBody(ctx.path(), error));
    }
}
