package dev.streaminfer.api.store;

import dev.streaminfer.contract.redis.RedisKeys;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import dev.streaminfer.contract.concurrent.Futures;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@link RequestStore} over one shared, multiplexed Lettuce connection (thread-safe; no
 * per-request connection). Commands time out after the connection's timeout and fail fast while
 * disconnected, surfacing as {@link StoreUnavailableException}.
 */
public final class RedisRequestStore implements RequestStore {

    private static final String RELEASE_IF_EQUAL =
            "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
    private static final String REPLACE_IF_EQUAL =
            "if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) "
                    + "return 1 else return 0 end";

    private final RedisCommands<String, String> redis;
    private final RedisAsyncCommands<String, String> async;
    private final Duration timeout;

    public RedisRequestStore(StatefulRedisConnection<String, String> connection) {
        this.redis = connection.sync();
        this.async = connection.async();
        this.timeout = connection.getTimeout();
    }

    @Override
    public Optional<String> resultDocument(String requestId) {
        return call(() -> Optional.ofNullable(redis.get(RedisKeys.result(requestId))));
    }

    @Override
    public Map<String, String> resultDocuments(List<String> requestIds) {
        if (requestIds.isEmpty()) {
            return Map.of();
        }
        return call(() -> {
            String[] keys = requestIds.stream().map(RedisKeys::result).toArray(String[]::new);
            Map<String, String> found = new HashMap<>();
            var values = redis.mget(keys);
            for (int i = 0; i < values.size(); i++) {
                if (values.get(i).hasValue()) {
                    found.put(requestIds.get(i), values.get(i).getValue());
                }
            }
            return found;
        });
    }

    @Override
    public void putAccepted(String requestId, String queuedDocument, Duration ttl) {
        call(() -> redis.set(RedisKeys.accepted(requestId), queuedDocument, SetArgs.Builder.px(ttl.toMillis())));
    }

    @Override
    public CompletableFuture<Optional<String>> putAcceptedAndReadUsage(String requestId, String queuedDocument,
                                                                       Duration ttl, String userId) {
        RedisFuture<String> set;
        RedisFuture<String> usage;
        try {
            set = async.set(RedisKeys.accepted(requestId), queuedDocument, SetArgs.Builder.px(ttl.toMillis()));
            usage = async.get(RedisKeys.usage(userId));
        } catch (RedisException e) {
            return CompletableFuture.failedFuture(new StoreUnavailableException("redis: " + e.getMessage(), e));
        }
        // Bounded here too, whatever timeout options the connection's client was built with.
        return set.toCompletableFuture()
                .thenCombine(usage.toCompletableFuture(), (ok, mirror) -> Optional.ofNullable(mirror))
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionallyCompose(error -> {
                    set.cancel(true);
                    usage.cancel(true);
                    Throwable cause = Futures.cause(error);
                    return CompletableFuture.failedFuture(
                            new StoreUnavailableException("redis did not answer: " + cause, cause));
                });
    }

    @Override
    public Optional<String> acceptedDocument(String requestId) {
        return call(() -> Optional.ofNullable(redis.get(RedisKeys.accepted(requestId))));
    }

    @Override
    public boolean putCancelIfAbsent(String requestId, String marker, Duration ttl) {
        return call(() -> "OK".equals(
                redis.set(RedisKeys.cancel(requestId), marker, SetArgs.Builder.nx().px(ttl.toMillis()))));
    }

    @Override
    public Optional<String> cancelMarker(String requestId) {
        return call(() -> Optional.ofNullable(redis.get(RedisKeys.cancel(requestId))));
    }

    @Override
    public Optional<String> usage(String userId) {
        return call(() -> Optional.ofNullable(redis.get(RedisKeys.usage(userId))));
    }

    @Override
    public Optional<String> claimIdempotency(String key, String value, Duration ttl) {
        return call(() -> {
            // SET NX then GET; a claim that expires between the two is retried.
            for (int attempt = 0; attempt < 3; attempt++) {
                if ("OK".equals(redis.set(key, value, SetArgs.Builder.nx().px(ttl.toMillis())))) {
                    return Optional.<String>empty();
                }
                String existing = redis.get(key);
                if (existing != null) {
                    return Optional.of(existing);
                }
            }
            throw new RedisException("idempotency key flapping");
        });
    }

    @Override
    public boolean replaceIdempotency(String key, String expectedValue, String value, Duration ttl) {
        return call(() -> Long.valueOf(1).equals(redis.<Long>eval(REPLACE_IF_EQUAL, ScriptOutputType.INTEGER,
                new String[] {key}, expectedValue, value, Long.toString(ttl.toMillis()))));
    }

    @Override
    public void releaseIdempotency(String key, String expectedValue) {
        call(() -> redis.<Long>eval(RELEASE_IF_EQUAL, ScriptOutputType.INTEGER, new String[] {key}, expectedValue));
    }

    @Override
    public Optional<String> idempotency(String key) {
        return call(() -> Optional.ofNullable(redis.get(key)));
    }

    @Override
    public boolean ping() {
        try {
            return "PONG".equals(redis.ping());
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static <T> T call(Supplier<T> command) {
        try {
            return command.get();
        } catch (RedisException e) {
            throw new StoreUnavailableException("redis: " + e.getMessage(), e);
        }
    }
}
