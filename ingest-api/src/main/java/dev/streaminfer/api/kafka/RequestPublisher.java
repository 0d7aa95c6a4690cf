package dev.streaminfer.api.kafka;

import dev.streaminfer.contract.quota.QuotaUpdate;
import dev.streaminfer.contract.model.CancelMarker;
import dev.streaminfer.contract.model.InferenceRequest;
import java.util.concurrent.CompletableFuture;

/**
 * Writes to Kafka. Each future completes after the broker acknowledged the write (acks=all),
 * or exceptionally with {@link PublishFailedException} within the configured Kafka timeout; the
 * exception says whether the record may have been written all the same
 * ({@link PublishFailedException#mayHaveBeenWritten()}).
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

    /**
     * Kafka did not acknowledge the write. {@link #mayHaveBeenWritten()} is false only when the
     * record certainly is not in the log (refused before it left the producer, or refused by the
     * broker); after a timeout or a lost connection it is true: the broker may have appended it.
     */
    final class PublishFailedException extends RuntimeException {
        private final boolean mayHaveBeenWritten;

        public PublishFailedException(String message, Throwable cause, boolean mayHaveBeenWritten) {
            super(message, cause);
            this.mayHaveBeenWritten = mayHaveBeenWritten;
        }

        public boolean mayHaveBeenWritten() {
            return mayHaveBeenWritten;
        }
    }
}
