package dev.streaminfer.api.kafka;

import dev.streaminfer.contract.quota.QuotaUpdate;
import dev.streaminfer.contract.model.CancelMarker;
import dev.streaminfer.contract.serde.CancelMarkerCodec;
import dev.streaminfer.contract.quota.QuotaUpdateCodec;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.serde.InferenceRequestCodec;
import dev.streaminfer.contract.telemetry.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * One shared idempotent producer ({@code acks=all}, {@code enable.idempotence=true}). Its
 * timeouts split {@code kafkaTimeout} between waiting for metadata ({@code max.block.ms}) and
 * delivery ({@code delivery.timeout.ms}), so every future completes, successfully or with
 * {@link PublishFailedException}, within {@code kafkaTimeout} of the call.
 */
public final class KafkaRequestPublisher implements RequestPublisher {

    public static final String TRACEPARENT_HEADER = "traceparent";

    private final Producer<byte[], byte[]> producer;
    private final String requestsTopic;
    private final String quotaUpdatesTopic;
    private final ProduceListener listener;

    /** Observes every write (for metrics). */
    @FunctionalInterface
    public interface ProduceListener {
        void produced(String topic, long nanos, boolean ok);
    }

    public KafkaRequestPublisher(String bootstrapServers, String requestsTopic, String quotaUpdatesTopic,
                                 Duration kafkaTimeout, ProduceListener listener) {
        this.producer = new KafkaProducer<>(producerProperties(bootstrapServers, kafkaTimeout));
        this.requestsTopic = requestsTopic;
        this.quotaUpdatesTopic = quotaUpdatesTopic;
        this.listener = listener;
    }

    /** The producer settings; public so the benchmark measures the raw producer with the same ones. */
    public static Properties producerProperties(String bootstrapServers, Duration kafkaTimeout) {
        long total = Math.max(2_000, kafkaTimeout.toMillis());
        long linger = 2;
        long maxBlock = total / 2;
        long delivery = total - maxBlock;
        long requestTimeout = Math.max(500, delivery - linger - 1);
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "streaminfer-ingest-api");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        p.put(ProducerConfig.LINGER_MS_CONFIG, String.valueOf(linger));
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(256 * 1024));
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(4 * 1024 * 1024));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, String.valueOf(maxBlock));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(requestTimeout));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, String.valueOf(Math.max(delivery, requestTimeout + linger)));
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return p;
    }

    @Override
    public CompletableFuture<Void> publishRequest(InferenceRequest request) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(requestsTopic,
                request.userId().getBytes(StandardCharsets.UTF_8), InferenceRequestCodec.encode(request));
        // Produce span, child of the server span; the job continues the trace from its context.
        Span produce = Tracing.start(requestsTopic + " publish", SpanKind.PRODUCER, request.traceparent());
        String traceparent = Tracing.traceparent(produce);
        if (traceparent == null) {
            traceparent = request.traceparent();
        }
        if (traceparent != null) {
            record.headers().add(TRACEPARENT_HEADER, traceparent.getBytes(StandardCharsets.US_ASCII));
        }
        if (!produce.isRecording()) {
            return send(record);
        }
        produce.setAttribute("messaging.system", "kafka");
        produce.setAttribute("messaging.destination.name", requestsTopic);
        produce.setAttribute("request_id", request.requestId());
        CompletableFuture<Void> sent = send(record);
        sent.whenComplete((ok, error) -> {
            if (error != null) {
                produce.setStatus(StatusCode.ERROR, error.getMessage());
            }
            produce.end();
        });
        return sent;
    }

    @Override
    public CompletableFuture<Void> publishCancel(CancelMarker marker) {
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(requestsTopic,
                marker.userId().getBytes(StandardCharsets.UTF_8), CancelMarkerCodec.encode(marker));
        record.headers().add(CancelMarkerCodec.TYPE_HEADER, CancelMarkerCodec.TYPE_CANCEL.getBytes(StandardCharsets.US_ASCII));
        return send(record);
    }

    @Override
    public CompletableFuture<Void> publishQuotaUpdate(QuotaUpdate update) {
        return send(new ProducerRecord<>(quotaUpdatesTopic,
                QuotaUpdateCodec.kafkaKey(update).getBytes(StandardCharsets.UTF_8), QuotaUpdateCodec.encode(update)));
    }

    private CompletableFuture<Void> send(ProducerRecord<byte[], byte[]> record) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        long start = System.nanoTime();
        Thread caller = Thread.currentThread();
        AtomicBoolean handedOver = new AtomicBoolean();
        try {
            producer.send(record, (metadata, error) -> {
                listener.produced(record.topic(), System.nanoTime() - start, error == null);
                if (error == null) {
                    done.complete(null);
                    return;
                }
                // A callback run inside send() itself means the record never reached the producer's
                // buffer (no metadata within max.block.ms, too large, serialization): not written.
                boolean inline = !handedOver.get() && Thread.currentThread() == caller;
                done.completeExceptionally(new PublishFailedException(
                        "kafka write to " + record.topic() + " failed: " + error.getClass().getSimpleName()
                                + ": " + error.getMessage(), error, !inline && mayHaveBeenWritten(error)));
            });
            handedOver.set(true);
        } catch (RuntimeException e) {
            listener.produced(record.topic(), System.nanoTime() - start, false);
            // buffer full, or closed: the record never left this call
            done.completeExceptionally(new PublishFailedException(
                    "kafka write to " + record.topic() + " refused: " + e.getMessage(), e, false));
        }
        return done;
    }

    /**
     * Whether a write that failed after the record was handed to the producer may be in the log
     * all the same. Only a broker's refusal of the record itself proves it is not; a timeout or a
     * lost connection (retriable errors) may follow an append whose answer never arrived.
     */
    static boolean mayHaveBeenWritten(Throwable error) {
        return !(error instanceof RecordTooLargeException || error instanceof RecordBatchTooLargeException
                || error instanceof InvalidRecordException || error instanceof AuthorizationException
                || error instanceof InvalidTopicException);
    }

    @Override
    public void flush() {
        producer.flush();
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
