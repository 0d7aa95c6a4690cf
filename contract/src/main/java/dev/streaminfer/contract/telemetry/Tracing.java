package dev.streaminfer.contract.telemetry;

import io.opentelemetry.api.OpenTelemetry;
import dev.streaminfer.contract.model.InferenceResult;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.Collections;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's tracer, configured by the standard {@code OTEL_*} environment variables.
 *
 * <p>Tracing is <b>off</b> unless {@code OTEL_TRACES_EXPORTER} (other than {@code none}) or
 * {@code OTEL_EXPORTER_OTLP_ENDPOINT} is set and {@code OTEL_SDK_DISABLED} is not {@code true}.
 * Off, every {@code start*} method returns the invalid span without parsing anything, so the hot
 * path costs a volatile read and a branch. On, the SDK is built by OpenTelemetry's autoconfigure
 * module (OTLP exporter, batch span processor, {@code OTEL_SERVICE_NAME}, sampler, ...), with
 * OTel metrics and logs exporters defaulting to {@code none} (metrics go through Prometheus).
 *
 * <p>Trace context travels between the API and the job as a W3C {@code traceparent} string
 * (a Kafka record header, then {@code InferenceRequest.traceparent()}).
 */
public final class Tracing {

    public static final String INSTRUMENTATION = "dev.streaminfer";

    private static final Logger LOG = LoggerFactory.getLogger(Tracing.class);

    private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
    private static final Object LOCK = new Object();
    private static volatile Holder holder;

    private record Holder(OpenTelemetry openTelemetry, Tracer tracer, boolean enabled) {}

    private Tracing() {}

    /** Whether spans are recorded and exported in this process. */
    public static boolean enabled() {
        return holder().enabled;
    }

    public static Tracer tracer() {
        return holder().tracer;
    }

    /** Installs {@code openTelemetry} (tests, or an application that builds its own SDK). */
    public static void install(OpenTelemetry openTelemetry) {
        synchronized (LOCK) {
            holder = new Holder(openTelemetry, openTelemetry.getTracer(INSTRUMENTATION),
                    openTelemetry != OpenTelemetry.noop());
        }
    }

    /** Back to what the environment says (tests). */
    public static void reset() {
        synchronized (LOCK) {
            holder = null;
        }
    }

    /** Whether the environment asks for tracing (see the class comment). */
    public static boolean requested(Map<String, String> env) {
        if ("true".equalsIgnoreCase(env.get("OTEL_SDK_DISABLED"))) {
            return false;
        }
        String exporter = env.get("OTEL_TRACES_EXPORTER");
        if (exporter != null && !exporter.isBlank()) {
            return !"none".equals(exporter.trim().toLowerCase(Locale.ROOT));
        }
        String endpoint = env.get("OTEL_EXPORTER_OTLP_ENDPOINT");
        String tracesEndpoint = env.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
        return (endpoint != null && !endpoint.isBlank()) || (tracesEndpoint != null && !tracesEndpoint.isBlank());
    }

    /** The SDK the environment asks for, or the no-op implementation. */
    public static OpenTelemetry fromEnvironment(Map<String, String> env, String defaultServiceName) {
        if (!requested(env)) {
            return OpenTelemetry.noop();
        }
        Map<String, String> defaults = new HashMap<>();
        defaults.put("otel.service.name", defaultServiceName);
        defaults.put("otel.metrics.exporter", "none");
        defaults.put("otel.logs.exporter", "none");
        // The given environment's OTEL_* variables as properties (the process environment and system
        // properties still win, as autoconfigure reads them itself).
        env.forEach((key, value) -> {
            if (key.startsWith("OTEL_") && value != null) {
                defaults.put(key.toLowerCase(Locale.ROOT).replace('_', '.'), value);
            }
        });
        OpenTelemetrySdk sdk;
        try {
            sdk = AutoConfiguredOpenTelemetrySdk.builder()
                    .addPropertiesSupplier(() -> defaults)
                    .disableShutdownHook()
                    .build()
                    .getOpenTelemetrySdk();
        } catch (RuntimeException e) {
            // e.g. an exporter name this build does not ship: run untraced rather than fail requests
            LOG.warn("tracing disabled: the OTEL_* configuration is not usable: {}", e.toString());
            return OpenTelemetry.noop();
        }
        LOG.info("tracing enabled: OTEL_TRACES_EXPORTER={} OTEL_EXPORTER_OTLP_ENDPOINT={}",
                env.getOrDefault("OTEL_TRACES_EXPORTER", "otlp"), env.get("OTEL_EXPORTER_OTLP_ENDPOINT"));
        Runtime.getRuntime().addShutdownHook(new Thread(sdk::close, "otel-shutdown"));
        return sdk;
    }

    private static Holder holder() {
        Holder h = holder;
        if (h == null) {
            synchronized (LOCK) {
                h = holder;
                if (h == null) {
                    OpenTelemetry otel = fromEnvironment(System.getenv(), "streaminfer");
                    h = new Holder(otel, otel.getTracer(INSTRUMENTATION), otel != OpenTelemetry.noop());
                    holder = h;
                }
            }
        }
        return h;
    }

    /** A span that continues the trace of {@code traceparent} (a new trace if it is null or invalid). */
    public static Span start(String name, SpanKind kind, String traceparent) {
        Holder h = holder();
        if (!h.enabled) {
            return Span.getInvalid();
        }
        return h.tracer.spanBuilder(name).setSpanKind(kind).setParent(context(traceparent)).startSpan();
    }

    /** Work that may throw, run inside a span. */
    @FunctionalInterface
    public interface SpanBody<T, E extends Exception> {
        T run() throws E;
    }

    /**
     * Runs {@code body} inside a CLIENT span, in the request's trace, that records one write of its
     * result to a sink; {@code systemKey}/{@code systemValue} name the sink in OpenTelemetry's terms
     * ({@code db.system=postgresql}, {@code db.system=redis}, {@code messaging.system=kafka}).
     * Without tracing it just runs {@code body}.
     */
    public static <T, E extends Exception> T sinkWrite(String name, String systemKey, String systemValue,
                                                       InferenceResult result, SpanBody<T, E> body) throws E {
        Span span = start(name, SpanKind.CLIENT, result.traceparent());
        if (!span.getSpanContext().isValid()) {
            return body.run();
        }
        span.setAttribute("request_id", result.requestId());
        span.setAttribute("status", result.status().wireName());
        span.setAttribute(systemKey, systemValue);
        try {
            return body.run();
        } catch (Exception e) {
            span.recordException(e);
            span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR);
            throw e;
        } finally {
            span.end();
        }
    }

    /**
     * A span in a trace of its own, linked to every member's span: a batch serves many requests,
     * each of which belongs to another trace.
     */
    public static Span startLinked(String name, Iterable<String> memberTraceparents) {
        Holder h = holder();
        if (!h.enabled) {
            return Span.getInvalid();
        }
        SpanBuilder builder = h.tracer.spanBuilder(name).setSpanKind(SpanKind.INTERNAL).setNoParent();
        for (String traceparent : memberTraceparents) {
            SpanContext member = Span.fromContext(context(traceparent)).getSpanContext();
            if (member.isValid()) {
                builder.addLink(member);
            }
        }
        return builder.startSpan();
    }

    /** The context a {@code traceparent} header describes (the root context if null or invalid). */
    public static Context context(String traceparent) {
        if (traceparent == null) {
            return Context.root();
        }
        return W3C.extract(Context.root(), traceparent, GETTER);
    }

    /** The W3C {@code traceparent} naming {@code span}, or null if the span is not valid. */
    public static String traceparent(Span span) {
        if (!span.getSpanContext().isValid()) {
            return null;
        }
        Map<String, String> carrier = new HashMap<>(2);
        W3C.inject(Context.root().with(span), carrier, SETTER);
        return carrier.get("traceparent");
    }

    /** The trace id in a {@code traceparent}, or null. */
    public static String traceId(String traceparent) {
        SpanContext span = Span.fromContext(context(traceparent)).getSpanContext();
        return span.isValid() ? span.getTraceId() : null;
    }

    private static final TextMapGetter<String> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String carrier) {
            return Collections.singleton("traceparent");
        }

        @Override
        public String get(String carrier, String key) {
            return "traceparent".equals(key) ? carrier : null;
        }
    };

    private static final TextMapSetter<Map<String, String>> SETTER = (carrier, key, value) -> {
        if (carrier != null) {
            carrier.put(key, value);
        }
    };
}
