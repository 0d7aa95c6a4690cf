package dev.streaminfer.functions.sink.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.Priority;
import dev.streaminfer.contract.telemetry.Tracing;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.lang.reflect.Proxy;
import java.sql.PreparedStatement;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ResultRowsTest {

    private static final String PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private final Map<Integer, Object> bound = new HashMap<>();

    @AfterEach
    void reset() {
        Tracing.reset();
    }

    @Test
    void bindingARowRecordsAClientSpanInTheRequestsTrace() throws Exception {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        Tracing.install(OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build());

        ResultRows.binder(false).accept(statement(), completed(PARENT));

        assertThat(bound.get(1)).isEqualTo("r-1");
        assertThat(spans.getFinishedSpanItems()).hasSize(1);
        SpanData span = spans.getFinishedSpanItems().get(0);
        assertThat(span.getName()).isEqualTo("postgres upsert inference_results");
        assertThat(span.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(span.getTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(span.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(span.getAttributes().get(AttributeKey.stringKey("request_id"))).isEqualTo("r-1");
        assertThat(span.getAttributes().get(AttributeKey.stringKey("status"))).isEqualTo("completed");
    }

    @Test
    void tracingOffBindsWithoutASpan() throws Exception {
        Tracing.install(OpenTelemetry.noop());
        ResultRows.binder(false).accept(statement(), completed(PARENT));
        assertThat(bound.get(1)).isEqualTo("r-1");
        assertThat(bound.get(4)).isEqualTo("completed");
    }

    private static InferenceResult completed(String traceparent) {
        InferenceRequest request = new InferenceRequest("r-1", "u-1", "all-minilm-l6-v2-q", new String[] {"x"},
                Priority.NORMAL, 2_000L, 1_000L, 1, traceparent);
        InferenceResult result = InferenceResult.completed(request, new float[][] {{1f}}, 1, 1_500L);
        assertThat(result.traceparent()).isEqualTo(traceparent);
        return result;
    }

    /** A statement that only remembers what was bound. */
    private PreparedStatement statement() {
        return (PreparedStatement) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
                    if (method.getName().startsWith("set") && args != null && args.length >= 2) {
                        bound.put((Integer) args[0], args[1]);
                    }
                    return null;
                });
    }
}
