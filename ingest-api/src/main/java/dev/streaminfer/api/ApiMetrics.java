package dev.streaminfer.api;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.DoubleSupplier;

/**
 * The API's Prometheus metrics, in a registry of its own (several instances can run in one JVM,
 * as in the tests): requests by route and status, request latency, Kafka produce latency,
 * in-flight waits and in-flight requests.
 */
public final class ApiMetrics {

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests;
    private final Histogram latency;
    private final Histogram kafkaLatency;
    private final Counter kafkaFailures;

    public ApiMetrics(DoubleSupplier waitingClients, DoubleSupplier inFlightRequests) {
        requests = Counter.builder()
                .name("ingest_http_requests_total")
                .help("HTTP requests answered, by method, route template and status")
                .labelNames("method", "route", "status")
                .register(registry);
        latency = Histogram.builder()
                .name("ingest_http_request_duration_seconds")
                .help("HTTP request latency, by method and route template")
                .labelNames("method", "route")
                .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
                .register(registry);
        kafkaLatency = Histogram.builder()
                .name("ingest_kafka_produce_duration_seconds")
                .help("Time from send to broker acknowledgement, by topic")
                .labelNames("topic")
                .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
                .register(registry);
        kafkaFailures = Counter.builder()
                .name("ingest_kafka_produce_failures_total")
                .help("Kafka writes that were not acknowledged in time, by topic")
                .labelNames("topic")
                .register(registry);
        GaugeWithCallback.builder()
                .name("ingest_waiting_clients")
                .help("Clients waiting on ?wait_ms= for a result")
                .callback(cb -> cb.call(waitingClients.getAsDouble()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("ingest_http_in_flight_requests")
                .help("HTTP requests being processed")
                .callback(cb -> cb.call(inFlightRequests.getAsDouble()))
                .register(registry);
    }

    /** Exports the per-topic failure counters at 0 from the start, so rate() and alerts see a series. */
    public void knownTopics(String... topics) {
        for (String topic : topics) {
            kafkaFailures.labelValues(topic);
        }
    }

    public void request(String method, String route, int status, double seconds) {
        requests.labelValues(method, route, Integer.toString(status)).inc();
        latency.labelValues(method, route).observe(seconds);
    }

    public void kafkaProduce(String topic, double seconds, boolean ok) {
        if (ok) {
            kafkaLatency.labelValues(topic).observe(seconds);
        } else {
            kafkaFailures.labelValues(topic).inc();
        }
    }

    /** Prometheus text exposition format 0.0.4. */
    public String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        try {
            new PrometheusTextFormatWriter(false).write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    public static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }
}
