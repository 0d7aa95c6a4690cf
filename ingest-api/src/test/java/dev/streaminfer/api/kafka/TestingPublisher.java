package dev.streaminfer.api.kafka;

import dev.streaminfer.contract.quota.QuotaUpdate;
import dev.streaminfer.contract.model.InferenceRequest;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records what would be written to Kafka; {@link #failing} makes every write fail like a broker outage. */
public final class TestingPublisher implements RequestPublisher {

    public final List<InferenceRequest> requests = new CopyOnWriteArrayList<>();
    public final List<CancelMarker> cancels = new CopyOnWriteArrayList<>();
    public final List<QuotaUpdate> quotaUpdates = new CopyOnWriteArrayList<>();
    public volatile boolean failing;

    private CompletableFuture<Void> outcome() {
        return failing
                ? CompletableFuture.failedFuture(new PublishFailedException("testing publisher is failing", null))
                : CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> publishRequest(InferenceRequest request) {
        if (!failing) requests.add(request);
        return outcome();
    }

    @Override
    public CompletableFuture<Void> publishCancel(CancelMarker marker) {
        if (!failing) cancels.add(marker);
        return outcome();
    }

    @Override
    public CompletableFuture<Void> publishQuotaUpdate(QuotaUpdate update) {
        if (!failing) quotaUpdates.add(update);
        return outcome();
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
}
