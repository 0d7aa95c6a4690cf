package dev.streaminfer.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.contract.telemetry.Tracing;
import dev.streaminfer.functions.sink.jdbc.ResultRows;
import dev.streaminfer.functions.sink.kafka.ResultRecordSerializer;
import dev.streaminfer.functions.sink.redis.ResultDocumentWrites;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One request over the real pipeline yields one connected trace: the client's traceparent → the
 * API's server span → its produce span (whose context travels in the Kafka header) → the job's
 * quota-decision span (child of the produce span) → the inference batch span, linked to it, and
 * the PostgreSQL upsert span of its row (a client span, child of the produce span).
 * Spans go to the SDK's in-memory exporter, installed in the JVM that runs API and MiniCluster.
 */
class TracingITCase extends PipelineITCaseBase {

    private static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("request_id");
    private static final String CLIENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CLIENT_TRACEPARENT = "00-" + CLIENT_TRACE + "-00f067aa0ba902b7-01";

    private static final InMemorySpanExporter SPANS = InMemorySpanExporter.create();

    @BeforeAll
    static void installSdk() {
        Tracing.install(OpenTelemetrySdk.builder()
                .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(SPANS)).build())
                .build());
    }

    @AfterAll
    static void resetSdk() {
        Tracing.reset();
    }

    @Test
    void oneRequestYieldsOneConnectedTraceFromTheApiToItsPostgresRow() throws Exception {
        try (PipelineFixture fixture = new PipelineFixture()) {
            fixture.startJob();
            int port = fixture.startApi().port();
            HttpResponse<String> accepted = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                    URI.create("http://localhost:" + port + "/v1/inference"))
                            .header("Authorization", "Bearer " + fixture.apiKey)
                            .header("Content-Type", "application/json")
                            .header("traceparent", CLIENT_TRACEPARENT)
                            .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":[\"follow me through the pipeline\"]}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            String requestId = fixture.json(accepted.body()).path("request_id").asText();
            assertThat(fixture.awaitFinal(requestId, Duration.ofSeconds(90)).path("status").asText()).isEqualTo("completed");

            SpanData server = await(s -> s.getKind() == SpanKind.SERVER && requestId.equals(s.getAttributes().get(REQUEST_ID)));
            assertThat(server.getTraceId()).as("continues the client's trace").isEqualTo(CLIENT_TRACE);
            assertThat(server.getParentSpanId()).isEqualTo("00f067aa0ba902b7");

            SpanData produce = await(s -> s.getKind() == SpanKind.PRODUCER && requestId.equals(s.getAttributes().get(REQUEST_ID)));
            assertThat(produce.getTraceId()).isEqualTo(CLIENT_TRACE);
            assertThat(produce.getParentSpanId()).as("produce span is a child of the server span").isEqualTo(server.getSpanId());

            SpanData quota = await(s -> s.getName().equals("quota decision") && requestId.equals(s.getAttributes().get(REQUEST_ID)));
            assertThat(quota.getTraceId()).as("the job continues the trace from the Kafka header").isEqualTo(CLIENT_TRACE);
            assertThat(quota.getParentSpanId()).isEqualTo(produce.getSpanId());
            assertThat(quota.getAttributes().get(AttributeKey.booleanKey("quota.admitted"))).isTrue();

            SpanData batch = await(s -> s.getName().equals("inference batch") && s.getLinks().stream()
                    .anyMatch(l -> l.getSpanContext().getSpanId().equals(produce.getSpanId())));
            LinkData link = batch.getLinks().stream()
                    .filter(l -> l.getSpanContext().getSpanId().equals(produce.getSpanId())).findFirst().orElseThrow();
            assertThat(link.getSpanContext().getTraceId()).isEqualTo(CLIENT_TRACE);
            assertThat(batch.getTraceId()).as("a batch has a trace of its own, linked to its members").isNotEqualTo(CLIENT_TRACE);
            assertThat(batch.getAttributes().get(AttributeKey.stringKey("model"))).isEqualTo("all-minilm-l6-v2-q");

            // every sink's write of the result: PostgreSQL row, Redis document, results topic record
            for (String name : List.of(ResultRows.SPAN, ResultDocumentWrites.SPAN, ResultRecordSerializer.SPAN)) {
                SpanData sink = await(s -> s.getName().equals(name) && requestId.equals(s.getAttributes().get(REQUEST_ID)));
                assertThat(sink.getKind()).as(name).isEqualTo(SpanKind.CLIENT);
                assertThat(sink.getTraceId()).as("%s is in the request's trace", name).isEqualTo(quota.getTraceId())
                        .isEqualTo(CLIENT_TRACE);
                assertThat(sink.getParentSpanId()).as("%s → produce → server: one connected trace", name)
                        .isEqualTo(produce.getSpanId());
                assertThat(sink.getAttributes().get(AttributeKey.stringKey("status"))).as(name).isEqualTo("completed");
            }
        }
    }

    private static SpanData await(Predicate<SpanData> match) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            List<SpanData> spans = SPANS.getFinishedSpanItems();
            Optional<SpanData> found = spans.stream().filter(match).findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no matching span among " + spans.stream().map(SpanData::getName).toList());
            }
            Thread.sleep(200);
        }
    }
}
