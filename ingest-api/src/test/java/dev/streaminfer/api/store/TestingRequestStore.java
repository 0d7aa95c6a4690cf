package dev.streaminfer.api.store;

import dev.streaminfer.contract.redis.RedisKeys;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * In-memory {@link RequestStore} for unit tests (TTLs are recorded, not enforced). Passes
 * {@link RequestStoreContract}, like the real one. {@link #down} makes every call fail like an
 * unreachable Redis; {@link #failing} names single operations (by method name) that fail so, to
 * lose Redis at one step of a protocol.
 */
public final class TestingRequestStore implements RequestStore {

    public final Map<String, String> values = new ConcurrentHashMap<>();
    public final Map<String, Duration> ttls = new ConcurrentHashMap<>();
    public final Set<String> failing = ConcurrentHashMap.newKeySet();
    public volatile boolean down;

    private void check() {
        if (down) {
            throw new StoreUnavailableException("testing store is down", null);
        }
    }

    private void check(String operation) {
        check();
        if (failing.contains(operation)) {
            throw new StoreUnavailableException("testing store fails " + operation, null);
        }
    }

    public void putResult(String requestId, String doc) {
        values.put(RedisKeys.result(requestId), doc);
    }

    public void putUsage(String userId, String json) {
        values.put(RedisKeys.usage(userId), json);
    }

    @Override
    public Optional<String> resultDocument(String requestId) {
        check();
        return Optional.ofNullable(values.get(RedisKeys.result(requestId)));
    }

    @Override
    public Map<String, String> resultDocuments(List<String> requestIds) {
        check();
        Map<String, String> found = new HashMap<>();
        for (String id : requestIds) {
            String v = values.get(RedisKeys.result(id));
            if (v != null) {
                found.put(id, v);
            }
        }
        return found;
    }

    @Override
    public void putAccepted(String requestId, String queuedDocument, Duration ttl) {
        check();
        values.put(RedisKeys.accepted(requestId), queuedDocument);
        ttls.put(RedisKeys.accepted(requestId), ttl);
    }

    @Override
    public CompletableFuture<Optional<String>> putAcceptedAndReadUsage(String requestId, String queuedDocument,
                                                                       Duration ttl, String userId) {
        try {
            check("putAcceptedAndReadUsage");
            putAccepted(requestId, queuedDocument, ttl);
            return CompletableFuture.completedFuture(usage(userId));
        } catch (StoreUnavailableException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public Optional<String> acceptedDocument(String requestId) {
        check();
        return Optional.ofNullable(values.get(RedisKeys.accepted(requestId)));
    }

    @Override
    public boolean putCancelIfAbsent(String requestId, String marker, Duration ttl) {
        check();
        ttls.putIfAbsent(RedisKeys.cancel(requestId), ttl);
        return values.putIfAbsent(RedisKeys.cancel(requestId), marker) == null;
    }

    @Override
    public Optional<String> cancelMarker(String requestId) {
        check();
        return Optional.ofNullable(values.get(RedisKeys.cancel(requestId)));
    }

    @Override
    public Optional<String> usage(String userId) {
        check();
        return Optional.ofNullable(values.get(RedisKeys.usage(userId)));
    }

    @Override
    public Optional<String> claimIdempotency(String key, String value, Duration ttl) {
        check("claimIdempotency");
        String existing = values.putIfAbsent(key, value);
        if (existing == null) {
            ttls.put(key, ttl);
        }
        return Optional.ofNullable(existing);
    }

    @Override
    public boolean replaceIdempotency(String key, String expectedValue, String value, Duration ttl) {
        check("replaceIdempotency");
        boolean replaced = values.replace(key, expectedValue, value);
        if (replaced) {
            ttls.put(key, ttl);
        }
        return replaced;
    }

    @Override
    public void releaseIdempotency(String key, String expectedValue) {
        check("releaseIdempotency");
        values.remove(key, expectedValue);
    }

    @Override
    public Optional<String> idempotency(String key) {
        check();
        return Optional.ofNullable(values.get(key));
    }

    @Override
    public boolean ping() {
        return !down;
    }
}
