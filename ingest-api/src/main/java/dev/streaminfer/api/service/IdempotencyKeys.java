package dev.streaminfer.api.service;

import dev.streaminfer.api.ApiError;
import dev.streaminfer.api.ApiException;
import dev.streaminfer.contract.redis.RedisKeys;
import dev.streaminfer.api.store.RequestStore;
import dev.streaminfer.contract.model.ErrorCode;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * {@code Idempotency-Key} handling, per user, remembered for {@code ttl}.
 *
 * <p>Protocol on one Redis key per (user, key): the first request atomically claims it with
 * {@code pending:<request id>:<claimed at>} (SET NX), writes to Kafka, then marks it
 * {@code accepted:<request id>}. If the write fails the claim is released (only if still its own),
 * so a retry is processed afresh. A concurrent duplicate that finds {@code pending} waits until
 * the first one is accepted (and answers the same request id) or released (and claims anew).
 * A {@code pending} claim older than {@code abandonAfter} (its owner died) is taken over; a
 * duplicate waits at most {@code maxWait} for a live one, then answers 409
 * {@code idempotency_in_progress}.
 * Exactly one Kafka record per (user, key) follows, whatever the concurrency.
 */
public final class IdempotencyKeys {

    public static final int MAX_KEY_LENGTH = 255;
    private static final String PENDING = "pending:";
    private static final String ACCEPTED = "accepted:";

    private final RequestStore store;
    private final Duration ttl;
    private final Duration abandonAfter;
    private final Duration maxWait;
    private final Clock clock;
    private final Sleeper sleeper;

    /** Waits between checks of a pending claim (a fake in unit tests). */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    /**
     * @param abandonAfter a pending claim older than this is taken over (its owner died)
     * @param maxWait how long a duplicate waits for a pending first request before answering 409
     */
    public IdempotencyKeys(RequestStore store, Duration ttl, Duration abandonAfter, Duration maxWait, Clock clock,
                           Sleeper sleeper) {
        this.store = store;
        this.ttl = ttl;
        this.abandonAfter = abandonAfter;
        this.maxWait = maxWait;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    /** A request id, and whether it is a replay of an earlier request. */
    public record Outcome(String requestId, boolean replayed) {}

    /** Validates a client's {@code Idempotency-Key} value: 1..255 visible ASCII characters. */
    public static Optional<ApiError> validate(String key) {
        if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
            return Optional.of(ApiError.of(ErrorCode.INVALID_REQUEST,
                    "Idempotency-Key must have 1 to " + MAX_KEY_LENGTH + " characters"));
        }
        for (int i = 0; i < key.length(); i++) {
            char ch = key.charAt(i);
            if (ch <= ' ' || ch >= 127) {
                return Optional.of(ApiError.of(ErrorCode.INVALID_REQUEST,
                        "Idempotency-Key must be visible ASCII without spaces"));
            }
        }
        return Optional.empty();
    }

    /**
     * Runs {@code accept} (which writes the request under {@code newRequestId}) at most once per
     * (user, key), returning the id of the request that was (or had been) accepted.
     */
    public Outcome once(String userId, String key, String newRequestId, Runnable accept) {
        String redisKey = RedisKeys.idempotency(userId, key);
        long giveUpAt = clock.millis() + maxWait.toMillis();
        long backoff = 5;
        while (true) {
            String mine = PENDING + newRequestId + ":" + clock.millis();
            Optional<String> existing = store.claimIdempotency(redisKey, mine, ttl);
            if (existing.isEmpty()) {
                try {
                    accept.run();
                } catch (RuntimeException e) {
                    releaseQuietly(redisKey, mine);
                    throw e;
                }
                store.updateIdempotency(redisKey, ACCEPTED + newRequestId, ttl);
                return new Outcome(newRequestId, false);
            }
            String value = existing.get();
            if (value.startsWith(ACCEPTED)) {
                return new Outcome(value.substring(ACCEPTED.length()), true);
            }
            if (isAbandoned(value)) {
                store.releaseIdempotency(redisKey, value);
                continue;
            }
            if (clock.millis() >= giveUpAt) {
                throw new ApiException(new ApiError(409, ApiError.IDEMPOTENCY_IN_PROGRESS,
                        "a request with this Idempotency-Key is still being processed; retry shortly", 1));
            }
            try {
                sleeper.sleep(backoff);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiException(ApiError.unavailable("interrupted"));
            }
            backoff = Math.min(100, backoff * 2);
        }
    }

    private boolean isAbandoned(String pendingValue) {
        int colon = pendingValue.lastIndexOf(':');
        if (!pendingValue.startsWith(PENDING) || colon < PENDING.length()) {
            return true; // not a value this protocol writes
        }
        try {
            long claimedAt = Long.parseLong(pendingValue.substring(colon + 1));
            return clock.millis() - claimedAt > abandonAfter.toMillis();
        } catch (NumberFormatException e) {
            return true;
        }
    }

    private void releaseQuietly(String redisKey, String value) {
        try {
            store.releaseIdempotency(redisKey, value);
        } catch (RuntimeException ignored) {
            // The claim then expires as abandoned after abandonAfter.
        }
    }

}
