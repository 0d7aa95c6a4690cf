package dev.streaminfer.contract.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TracingTest {

    private static final String PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    @AfterEach
    void reset() {
        Tracing.reset();
    }

    @Test
    void offUnlessTheEnvironmentAsksForAnExporter() {
        assertThat(Tracing.requested(Map.of())).isFalse();
        assertThat(Tracing.requested(Map.of("OTEL_TRACES_EXPORTER", "none"))).isFalse();
        assertThat(Tracing.requested(Map.of("OTEL_TRACES_EXPORTER", "otlp"))).isTrue();
        assertThat(Tracing.requested(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"))).isTrue();
        assertThat(Tracing.requested(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318",
                "OTEL_SDK_DISABLED", "true"))).isFalse();
        assertThat(Tracing.fromEnvironment(Map.of(), "x")).isSameAs(OpenTelemetry.noop());
    }

    @Test
    void theEnvironmentBuildsAnOtlpSdk() {
        // autoconfigure reads the process environment too; here only our gate decides, defaults fill the rest
        OpenTelemetry otel = Tracing.fromEnvironment(Map.of("OTEL_TRACES_EXPORTER", "otlp"), "streaminfer-test");
        assertThat(otel).isInstanceOf(OpenTelemetrySdk.class);
        ((OpenTelemetrySdk) otel).close();
    }

    @Test
    void anUnusableConfigurationRunsUntracedInsteadOfFailing() {
        assertThat(Tracing.fromEnvironment(Map.of("OTEL_TRACES_EXPORTER", "no-such-exporter"), "x"))
                .isSameAs(OpenTelemetry.noop());
    }

    @Test
    void offCostsNothingAndKeepsNoContext() {
        Tracing.install(OpenTelemetry.noop());
        assertThat(Tracing.enabled()).isFalse();
        Span span = Tracing.start("x", SpanKind.SERVER, PARENT);
        assertThat(span).isSameAs(Span.getInvalid());
        assertThat(Tracing.traceparent(span)).isNull();
        assertThat(Tracing.startLinked("batch", List.of(PARENT))).isSameAs(Span.getInvalid());
    }

    @Test
    void onContinuesTheTraceAndLinksBatchMembers() {
        InMemorySpanExporter spans = InMemorySpanExporter.create();
        Tracing.install(OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build());
        assertThat(Tracing.enabled()).isTrue();

        Span server = Tracing.start("server", SpanKind.SERVER, PARENT);
        String serverTraceparent = Tracing.traceparent(server);
        assertThat(serverTraceparent).startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-").endsWith("-01");
        assertThat(Tracing.traceId(serverTraceparent)).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        Span child = Tracing.start("child", SpanKind.CONSUMER, serverTraceparent);
        Span fresh = Tracing.start("fresh", SpanKind.SERVER, "garbage");
        Span batch = Tracing.startLinked("batch", Arrays.asList(Tracing.traceparent(child), null, "bad", PARENT));
        for (Span s : List.of(server, child, fresh, batch)) {
            s.end();
        }

        SpanData serverData = find(spans, "server");
        assertThat(serverData.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
        SpanData childData = find(spans, "child");
        assertThat(childData.getTraceId()).isEqualTo(serverData.getTraceId());
        assertThat(childData.getParentSpanId()).isEqualTo(serverData.getSpanId());
        assertThat(find(spans, "fresh").getTraceId()).isNotEqualTo(serverData.getTraceId());
        SpanData batchData = find(spans, "batch");
        assertThat(batchData.getParentSpanContext().isValid()).isFalse();
        assertThat(batchData.getLinks()).extracting(l -> l.getSpanContext().getSpanId())
                .containsExactly(childData.getSpanId(), "00f067aa0ba902b7");
    }

    @Test
    void traceIdForLogLinesIsReadFromTheTraceparentWhetherTracingIsOnOrOff() {
        Tracing.install(OpenTelemetry.noop());
        assertThat(Tracing.traceId(PARENT)).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(Tracing.traceId(null)).isNull();
        assertThat(Tracing.traceId("")).isNull();
        assertThat(Tracing.traceId("garbage")).isNull();
        assertThat(Tracing.traceId("00-00000000000000000000000000000000-00f067aa0ba902b7-01")).isNull();
        assertThat(Tracing.traceId("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")).isNull();
    }

    private static SpanData find(InMemorySpanExporter spans, String name) {
        return spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).findFirst().orElseThrow();
    }
}
