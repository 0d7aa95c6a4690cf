package dev.streaminfer.api.kafka;

import dev.streaminfer.contract.quota.QuotaUpdate;
import dev.streaminfer.contract.model.CancelMarker;
import dev.streaminfer.contract.model.InferenceRequest;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records what would be written to Kafka, and looks requests up in what it recorded (passes
 * {@link RequestLookupContract} like {@link KafkaRequestLookup}). {@link #failing} makes every
 * write fail like a broker outage (certainly not written); {@link #mode} makes writes time out with
 * the record written or lost; {@link #lookupDown} makes lookups answer {@code UNKNOWN}.
 */
public final class TestingPublisher implements RequestPublisher, RequestLookup {

    /** How a write ends. */
    public enum Mode {
        /** Acknowledged. */
        ACK,
        /** Refused: not written (what {@link #failing} does). */
        REFUSED,
        /** Timed out, but the broker appended it: in the log, never acknowledged. */
        TIMEOUT_WRITTEN,
        /** Timed out and not in the log. */
        TIMEOUT_LOST
    }

    public final List<InferenceRequest> requests = new CopyOnWriteArrayList<>();
    public final List<CancelMarker> cancels = new CopyOnWriteArrayList<>();
    public final List<QuotaUpdate> quotaUpdates = new CopyOnWriteArrayList<>();
    public volatile boolean failing;
    public volatile Mode mode = Mode.ACK;
    public volatile boolean lookupDown;
    /** How many lookups were asked. */
    public volatile int lookups;

    private Mode effective() {
        return failing ? Mode.REFUSED : mode;
    }

    private <T> CompletableFuture<Void> write(List<T> log, T record) {
        Mode m = effective();
        if (m == Mode.ACK || m == Mode.TIMEOUT_WRITTEN) {
            log.add(record);
        }
        return switch (m) {
            case ACK -> CompletableFuture.completedFuture(null);
            case REFUSED -> CompletableFuture.failedFuture(
                    new PublishFailedException("testing publisher is failing", null, false));
            case TIMEOUT_WRITTEN, TIMEOUT_LOST -> CompletableFuture.failedFuture(
                    new PublishFailedException("testing publisher timed out", null, true));
        };
    }

    @Override
    public CompletableFuture<Void> publishRequest(InferenceRequest request) {
        return write(requests, request);
    }

    @Override
    public CompletableFuture<Void> publishCancel(CancelMarker marker) {
        return write(cancels, marker);
    }

    @Override
    public CompletableFuture<Void> publishQuotaUpdate(QuotaUpdate update) {
        return write(quotaUpdates, update);
    }

    /** The request records written with this id (a correct protocol never has more than one). */
    public long recordsOf(String requestId) {
        return requests.stream().filter(r -> r.requestId().equals(requestId)).count();
    }

    /** Looks through everything written (the window only bounds where a real topic is read). */
    @Override
    public Presence find(String userId, String requestId, long fromMillis, long untilMillis) {
        lookups++;
        if (lookupDown) {
            return Presence.UNKNOWN;
        }
        return requests.stream().anyMatch(r -> r.requestId().equals(requestId) && r.userId().equals(userId))
                ? Presence.FOUND : Presence.ABSENT;
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
}
