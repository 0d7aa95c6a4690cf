package dev.streaminfer.functions.telemetry;

import dev.streaminfer.contract.telemetry.Tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Cost of the tracing instrumentation per request, off (the default: no OTEL_* exporter set) versus
 * on (SDK with the batch span processor; the exporter discards, so this is the pipeline-side cost
 * without the network). Per request: the API's server and produce spans, the job's quota span,
 * and a 1/32 share of a batch span linked to 32 requests. Not a test: run its main.
 */
public final class TracingOverheadBenchmark {

    private static final int BATCH = 32;

    public static void main(String[] args) {
        int requests = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        Tracing.install(OpenTelemetry.noop());
        double off = measure(requests);
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(BatchSpanProcessor.builder(new Discard()).build()).build()).build();
        Tracing.install(sdk);
        double on = measure(requests);
        sdk.close();
        System.out.printf("tracing off: %.0f ns/request, on: %.0f ns/request (on - off = %.1f us/request)%n",
                off, on, (on - off) / 1000);
    }

    private static double measure(int requests) {
        long sink = 0;
        for (int round = 0; round < 3; round++) {   // two warm-up rounds, the last one counts
            long start = System.nanoTime();
            List<String> members = new ArrayList<>(BATCH);
            for (int i = 0; i < requests; i++) {
                Span server = Tracing.start("POST /v1/inference", SpanKind.SERVER, null);
                String serverTp = Tracing.traceparent(server);
                Span produce = Tracing.start("inference-requests publish", SpanKind.PRODUCER, serverTp);
                String tp = Tracing.traceparent(produce);
                if (produce.isRecording()) {
                    produce.setAttribute("request_id", "r" + i);
                }
                produce.end();
                server.end();
                Span quota = Tracing.start("quota decision", SpanKind.CONSUMER, tp);
                if (quota.isRecording()) {
                    quota.setAttribute("request_id", "r" + i);
                    quota.setAttribute("quota.admitted", true);
                }
                quota.end();
                members.add(tp);
                if (members.size() == BATCH) {
                    if (Tracing.enabled()) {
                        Tracing.startLinked("inference batch", members).end();
                    }
                    members.clear();
                }
                sink += tp == null ? 1 : tp.length();
            }
            long nanos = System.nanoTime() - start;
            if (round == 2) {
                if (sink == 42) System.out.println();
                return (double) nanos / requests;
            }
        }
        throw new AssertionError();
    }

    private static final class Discard implements SpanExporter {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }
}
