package dev.streaminfer.api.service;

import dev.streaminfer.api.ApiError;
import dev.streaminfer.api.ApiException;
import dev.streaminfer.api.kafka.RequestLookup;
import dev.streaminfer.api.store.RequestStore;
import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.redis.RedisKeys;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code Idempotency-Key} handling, per user, remembered for {@code ttl}: a key names one request
 * id, that request is written to Kafka at most once, and a repeat with another body is refused.
 *
 * <h2>The claim</h2>
 *
 * <p>One Redis key per (user, key) holds the state of the request the key names:
 * <ul>
 *   <li>{@code pending:<id>:<claimed at>:<fingerprint>}: claimed (SET NX) by the request that is
 *       writing it;
 *   <li>{@code accepted:<id>:<fingerprint>}: Kafka acknowledged it;
 *   <li>{@code unconfirmed:<id>:<claimed at>:<gave up at>:<fingerprint>}: the write timed out after
 *       the record was handed to the producer, so Kafka may hold it or not.
 * </ul>
 * The fingerprint is {@link dev.streaminfer.api.request.ParsedInference#fingerprint()}. Values
 * written before fingerprints existed ({@code pending:<id>:<at>}, {@code accepted:<id>}) are read
 * as "fingerprint unknown" and never refused for it.
 *
 * <h2>Rules</h2>
 * <ol>
 *   <li>A repeat whose fingerprint differs from the claim's: 422 {@code idempotency_key_reused},
 *       whatever the state.
 *   <li>{@code accepted}: the claim's id, replayed; nothing is written.
 *   <li>{@code pending}: the repeat waits for the owner (up to {@code maxWait}), then answers 409
 *       {@code idempotency_in_progress}.
 *   <li>The owner, when its write ends: acknowledged → {@code accepted}; failed before anything
 *       could reach Kafka (quota, Redis, a refused record) → the claim is deleted, so a retry is
 *       processed afresh; outcome unknown → {@code unconfirmed} and 503 {@code outcome_unknown}.
 *   <li>{@code unconfirmed} (once {@code settle} has passed since the owner gave up), or
 *       {@code pending} older than {@code ownerBound + settle} (its owner died, or lost Redis while
 *       finishing): the claim's id is kept and settled by reading Kafka ({@link RequestLookup}).
 *       Found → the id, replayed. Absent → the request is written now, under that same id. Kafka
 *       cannot tell → 503 {@code outcome_unknown}, nothing changes.
 * </ol>
 * So a key never gets a second id and its id never gets a second record; the one thing given up is
 * an answer while neither Redis nor Kafka can say what happened.
 */
public final class IdempotencyKeys {

    private static final Logger LOG = LoggerFactory.getLogger(IdempotencyKeys.class);

    public static final int MAX_KEY_LENGTH = 255;
    /** How much earlier than its claim a record may be stamped (a clock stepping back). */
    static final Duration STAMP_MARGIN = Duration.ofMinutes(1);

    private final RequestStore store;
    private final RequestLookup lookup;
    private final Duration ttl;
    private final Duration ownerBound;
    private final Duration settle;
    private final Duration maxWait;
    private final Clock clock;
    private final Sleeper sleeper;

    /** Waits between checks of a pending claim (a fake in unit tests). */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    /**
     * Writes the request under the id it is given and returns once Kafka acknowledged it. Throws
     * {@link WriteOutcomeUnknown} when the record may have been written without an
     * acknowledgement; any other exception means nothing was written.
     */
    @FunctionalInterface
    public interface Write {
        void write(String requestId);
    }

    /** A write that may or may not have reached Kafka. */
    public static final class WriteOutcomeUnknown extends RuntimeException {
        public WriteOutcomeUnknown(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * @param ownerBound the longest a request takes from its claim to the end of its Kafka write
     *     (Redis round trips and the Kafka timeout)
     * @param settle how long after a write was given up Kafka may still append it (then a lookup
     *     that does not find it is final)
     * @param maxWait how long a duplicate waits for a pending first request before answering 409
     */
    public IdempotencyKeys(RequestStore store, RequestLookup lookup, Duration ttl, Duration ownerBound,
                           Duration settle, Duration maxWait, Clock clock, Sleeper sleeper) {
        this.store = store;
        this.lookup = lookup;
        this.ttl = ttl;
        this.ownerBound = ownerBound;
        this.settle = settle;
        this.maxWait = maxWait;
        this.clock = clock;
        this.sleeper = sleeper;
    }

    /** A request id, and whether it is a replay of an earlier, acknowledged request. */
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
     * Runs {@code write} at most once per (user, key) and id, returning the id of the request that
     * was (or had been) accepted.
     *
     * @param fingerprint what the request asks for; a repeat asking for something else is refused
     * @param newRequestId the id to write under if the key is new
     * @throws ApiException 422 (key reused with another body), 409 (the first request is still
     *     being written), 503 {@code outcome_unknown} (Kafka may hold the request; retry with the
     *     same key), 503 {@code service_unavailable} (Redis unreachable, nothing written), and
     *     whatever {@code write} threw when it wrote nothing
     */
    public Outcome once(String userId, String key, String fingerprint, String newRequestId, Write write) {
        String redisKey = RedisKeys.idempotency(userId, key);
        long giveUpAt = clock.millis() + maxWait.toMillis();
        long backoff = 5;
        while (true) {
            Claim mine = Claim.pending(newRequestId, clock.millis(), fingerprint);
            Optional<String> existing = redis(() -> store.claimIdempotency(redisKey, mine.encode(), ttl));
            if (existing.isEmpty()) {
                return writeUnder(userId, redisKey, mine, write);
            }
            Optional<Claim> parsed = Claim.parse(existing.get());
            if (parsed.isEmpty()) {
                redis(() -> {
                    store.releaseIdempotency(redisKey, existing.get()); // not a value this protocol writes
                    return null;
                });
                continue;
            }
            Claim theirs = parsed.get();
            if (theirs.fingerprint() != null && !theirs.fingerprint().equals(fingerprint)) {
                throw new ApiException(new ApiError(422, ApiError.IDEMPOTENCY_KEY_REUSED,
                        "this Idempotency-Key was already used for a request with a different body;"
                                + " use a new key for a new request"));
            }
            long now = clock.millis();
            if (theirs.state() == State.ACCEPTED) {
                return new Outcome(theirs.requestId(), true);
            }
            if (theirs.state() == State.UNCONFIRMED
                    || now - theirs.claimedAt() > ownerBound.toMillis() + settle.toMillis()) {
                Optional<Outcome> settled = settle(userId, redisKey, existing.get(), theirs, fingerprint, write);
                if (settled.isPresent()) {
                    return settled.get();
                }
                continue; // another request changed the claim first: look again
            }
            if (now >= giveUpAt) {
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

    /** The owner's side: write, then record how it ended. */
    private Outcome writeUnder(String userId, String redisKey, Claim mine, Write write) {
        try {
            write.write(mine.requestId());
        } catch (WriteOutcomeUnknown e) {
            long gaveUpAt = clock.millis();
            Claim unconfirmed = mine.unconfirmed(gaveUpAt);
            boolean marked = replaceQuietly(redisKey, mine.encode(), unconfirmed.encode());
            LOG.warn("event=idempotency_unconfirmed request_id={} user_id={} marked={} reason=\"{}\"",
                    mine.requestId(), userId, marked, e.getMessage());
            throw ApiError.outcomeUnknown("Kafka did not confirm the write in time and may hold the request all"
                    + " the same. Retry with the same Idempotency-Key after Retry-After seconds: you get this"
                    + " request's id, and it is written at most once", seconds(settle.toMillis())).exception();
        } catch (RuntimeException e) {
            releaseQuietly(redisKey, mine.encode()); // nothing was written: a retry starts afresh
            throw e;
        }
        if (!replaceQuietly(redisKey, mine.encode(), mine.accepted().encode())) {
            // Kafka has it: the answer stays true. A retry finds the claim pending and, once it counts
            // as abandoned, finds the record in Kafka.
            LOG.warn("event=idempotency_accept_not_recorded request_id={} user_id={}", mine.requestId(), userId);
        }
        return new Outcome(mine.requestId(), false);
    }

    /**
     * Settles a claim whose write has no known outcome by reading Kafka; empty when the claim
     * changed meanwhile.
     */
    private Optional<Outcome> settle(String userId, String redisKey, String value, Claim theirs, String fingerprint,
                                     Write write) {
        long now = clock.millis();
        long attemptedUntil = theirs.state() == State.UNCONFIRMED
                ? theirs.gaveUpAt()
                : theirs.claimedAt() + ownerBound.toMillis();
        long settledAt = attemptedUntil + settle.toMillis();
        if (now < settledAt) {
            throw ApiError.outcomeUnknown("the first request with this Idempotency-Key timed out writing to"
                    + " Kafka; retry with the same key after Retry-After seconds, when its outcome can be checked",
                    seconds(settledAt - now)).exception();
        }
        RequestLookup.Presence presence = lookup.find(userId, theirs.requestId(),
                theirs.claimedAt() - STAMP_MARGIN.toMillis(), attemptedUntil);
        LOG.info("event=idempotency_settle request_id={} user_id={} state={} presence={}", theirs.requestId(), userId,
                theirs.state(), presence);
        switch (presence) {
            case FOUND -> {
                String print = theirs.fingerprint() != null ? theirs.fingerprint() : fingerprint;
                replaceQuietly(redisKey, value, new Claim(State.ACCEPTED, theirs.requestId(), 0, 0, print).encode());
                return Optional.of(new Outcome(theirs.requestId(), true));
            }
            case ABSENT -> {
                Claim retake = Claim.pending(theirs.requestId(), now, fingerprint);
                if (!redis(() -> store.replaceIdempotency(redisKey, value, retake.encode(), ttl))) {
                    return Optional.empty();
                }
                return Optional.of(writeUnder(userId, redisKey, retake, write));
            }
            default -> throw ApiError.outcomeUnknown("the outcome of the first request with this Idempotency-Key"
                    + " cannot be checked now (Kafka did not answer); retry with the same key", 1).exception();
        }
    }

    private static long seconds(long millis) {
        return Math.max(1, (millis + 999) / 1000);
    }

    private boolean replaceQuietly(String redisKey, String expected, String value) {
        try {
            return store.replaceIdempotency(redisKey, expected, value, ttl);
        } catch (RequestStore.StoreUnavailableException e) {
            return false;
        }
    }

    private void releaseQuietly(String redisKey, String value) {
        try {
            store.releaseIdempotency(redisKey, value);
        } catch (RuntimeException ignored) {
            // The claim stays pending; once abandoned, a retry finds nothing in Kafka and writes it.
        }
    }

    private static <T> T redis(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (RequestStore.StoreUnavailableException e) {
            throw ApiError.unavailable("Redis is not reachable; nothing was accepted").exception();
        }
    }

    /** The states of a claim. */
    enum State { PENDING, ACCEPTED, UNCONFIRMED }

    /**
     * One claim value: its state, request id, when it was claimed and given up (epoch ms, 0 where
     * the state has none) and the request's fingerprint (null in values without one).
     */
    record Claim(State state, String requestId, long claimedAt, long gaveUpAt, String fingerprint) {

        static Claim pending(String requestId, long claimedAt, String fingerprint) {
            return new Claim(State.PENDING, requestId, claimedAt, 0, fingerprint);
        }

        Claim accepted() {
            return new Claim(State.ACCEPTED, requestId, 0, 0, fingerprint);
        }

        Claim unconfirmed(long at) {
            return new Claim(State.UNCONFIRMED, requestId, claimedAt, at, fingerprint);
        }

        String encode() {
            String print = fingerprint == null ? "" : ":" + fingerprint;
            return switch (state) {
                case PENDING -> "pending:" + requestId + ":" + claimedAt + print;
                case ACCEPTED -> "accepted:" + requestId + print;
                case UNCONFIRMED -> "unconfirmed:" + requestId + ":" + claimedAt + ":" + gaveUpAt + print;
            };
        }

        /** The claim a value holds; empty for a value this protocol does not write. */
        static Optional<Claim> parse(String value) {
            String[] parts = value.split(":", -1);
            try {
                switch (parts[0]) {
                    case "pending":
                        if (parts.length == 3 || parts.length == 4) {
                            return Optional.of(new Claim(State.PENDING, id(parts[1]), Long.parseLong(parts[2]), 0,
                                    parts.length == 4 ? print(parts[3]) : null));
                        }
                        break;
                    case "accepted":
                        if (parts.length == 2 || parts.length == 3) {
                            return Optional.of(new Claim(State.ACCEPTED, id(parts[1]), 0, 0,
                                    parts.length == 3 ? print(parts[2]) : null));
                        }
                        break;
                    case "unconfirmed":
                        if (parts.length == 5) {
                            return Optional.of(new Claim(State.UNCONFIRMED, id(parts[1]), Long.parseLong(parts[2]),
                                    Long.parseLong(parts[3]), print(parts[4])));
                        }
                        break;
                    default:
                        break;
                }
            } catch (IllegalArgumentException e) {
                // fall through: not ours
            }
            return Optional.empty();
        }

        private static String id(String s) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("empty id");
            }
            return s;
        }

        private static String print(String s) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("empty fingerprint");
            }
            return s;
        }
    }
}
