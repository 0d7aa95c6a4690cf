package dev.streaminfer.api.service;

import dev.streaminfer.contract.concurrent.DaemonThreads;
import com.fasterxml.jackson.databind.JsonNode;
import dev.streaminfer.api.store.RequestStore;
import dev.streaminfer.contract.model.RequestStatus;
import dev.streaminfer.contract.serde.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ?wait_ms=} without a Redis poll per waiting client. Waiting requests are registered in
 * one map; they are completed when
 * <ol>
 *   <li>a keyspace notification says their result key was written ({@link #onResultWritten}),
 *       which triggers one GET for that id, or</li>
 *   <li>the one shared poller, every {@code pollInterval}, MGETs all waited-for ids at once (a
 *       backstop: pub/sub is at-most-once, and some Redis deployments forbid CONFIG SET).</li>
 * </ol>
 * A wait that runs out completes with empty. All work runs on one scheduler thread.
 */
public final class ResultWaiter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ResultWaiter.class);
    private static final int MGET_CHUNK = 500;

    private final RequestStore store;
    private final ScheduledExecutorService scheduler;
    private final Map<String, Set<CompletableFuture<Optional<String>>>> waiting = new ConcurrentHashMap<>();

    public ResultWaiter(RequestStore store, Duration pollInterval) {
        this.store = store;
        this.scheduler = DaemonThreads.singleThreadScheduler("result-waiter");
        long period = pollInterval.toMillis();
        scheduler.scheduleWithFixedDelay(this::pollAll, period, period, TimeUnit.MILLISECONDS);
    }

    /**
     * Completes with the final result document of {@code requestId} as soon as there is one, or
     * with empty after {@code max}.
     */
    public CompletableFuture<Optional<String>> await(String requestId, Duration max) {
        CompletableFuture<Optional<String>> future = new CompletableFuture<>();
        waiting.compute(requestId, (id, set) -> {
            Set<CompletableFuture<Optional<String>>> s = set == null ? ConcurrentHashMap.newKeySet() : set;
            s.add(future);
            return s;
        });
        future.whenComplete((doc, error) -> forget(requestId, future)); // completed by someone else
        try {
            scheduler.schedule(() -> release(requestId, future), max.toMillis(), TimeUnit.MILLISECONDS);
            // The result may have been written before we registered: look once now.
            scheduler.execute(() -> check(List.of(requestId)));
        } catch (RejectedExecutionException e) {
            release(requestId, future);
        }
        return future;
    }

    /**
     * Lets go of one wait: it is no longer counted, then it completes with empty. (Forgotten
     * before it completes, so whoever sees it complete also sees it gone from {@link #waiting()}.)
     */
    public void release(String requestId, CompletableFuture<Optional<String>> wait) {
        forget(requestId, wait);
        wait.complete(Optional.empty());
    }

    private void forget(String requestId, CompletableFuture<Optional<String>> wait) {
        waiting.computeIfPresent(requestId, (id, set) -> {
            set.remove(wait);
            return set.isEmpty() ? null : set;
        });
    }

    /** Called for every keyspace event on a result key; cheap for ids nobody waits for. */
    public void onResultWritten(String requestId) {
        if (waiting.containsKey(requestId)) {
            try {
                scheduler.execute(() -> check(List.of(requestId)));
            } catch (RejectedExecutionException ignored) {
                // closing
            }
        }
    }

    /** How many clients are waiting now (a metric). */
    public int waiting() {
        return waiting.values().stream().mapToInt(Set::size).sum();
    }

    private void pollAll() {
        if (waiting.isEmpty()) {
            return;
        }
        List<String> ids = new ArrayList<>(waiting.keySet());
        for (int from = 0; from < ids.size(); from += MGET_CHUNK) {
            check(ids.subList(from, Math.min(ids.size(), from + MGET_CHUNK)));
        }
    }

    private void check(List<String> ids) {
        Map<String, String> docs;
        try {
            docs = store.resultDocuments(ids);
        } catch (RuntimeException e) {
            LOG.debug("event=result_poll_failed reason=\"{}\"", e.getMessage());
            return;
        }
        docs.forEach((id, doc) -> {
            if (isFinal(doc)) {
                Set<CompletableFuture<Optional<String>>> futures = waiting.remove(id);
                if (futures != null) {
                    for (CompletableFuture<Optional<String>> f : futures) {
                        f.complete(Optional.of(doc));
                    }
                }
            }
        });
    }

    static boolean isFinal(String doc) {
        try {
            JsonNode node = Json.mapper().readTree(doc);
            return RequestStatus.fromWireName(node.path("status").asText()).map(RequestStatus::isFinal).orElse(false);
        } catch (Exception e) {
            return false;
        }
    }

    /** Completes every wait with empty (their clients get 202) and stops. */
    @Override
    public void close() {
        scheduler.shutdownNow();
        for (String id : new ArrayList<>(waiting.keySet())) {
            Set<CompletableFuture<Optional<String>>> futures = waiting.remove(id);
            if (futures != null) {
                futures.forEach(f -> f.complete(Optional.empty()));
            }
        }
    }
}
