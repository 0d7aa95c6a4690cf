package dev.streaminfer.api.kafka;

import dev.streaminfer.contract.quota.QuotaUpdate;
import dev.streaminfer.contract.model.InferenceRequest;
import java.util.concurrent.CompletableFuture;

/**
 * Writes to Kafka. Each future completes after the broker acknowledged the write (acks=all),
 * or exceptionally with {@link PublishFailedException} within the configured Kafka timeout.
 * The real one is {@link KafkaRequestPublisher}; unit tests use a fake.
 */
public interface RequestPublisher extends AutoCloseable {

    /** The request on {@code inference-requests}, keyed by user id, {@code traceparent} header. */
    CompletableFuture<Void> publishRequest(InferenceRequest request);

    /** A cancel marker on {@code inference-requests}, keyed by user id (see {@link CancelMarker}). */
    CompletableFuture<Void> publishCancel(CancelMarker marker);

    /** A quota update on the compacted {@code quota-updates} topic, keyed by user id. */
    CompletableFuture<Void> publishQuotaUpdate(QuotaUpdate update);

    /** Sends what is buffered and waits for it. */
    void flush();

    @Override
    void close();

    /** Kafka did not acknowledge in time (or refused); nothing may be assumed written. */
    final class PublishFailedException extends RuntimeException {
        public PublishFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
