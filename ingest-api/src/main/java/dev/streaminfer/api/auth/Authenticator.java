package dev.streaminfer.api.auth;

import dev.streaminfer.api.ApiError;
import dev.streaminfer.contract.model.ErrorCode;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Turns an {@code Authorization} header into a {@link Caller}, or a 401/503 {@link ApiError}.
 *
 * <p>Lookups go through a cache keyed by the key's SHA-256 hash (the plain key is never kept),
 * holding positive and negative answers for at most {@code ttl}: a revoked key stops working
 * within {@code ttl}, and a flood of wrong keys costs one database query per distinct key per
 * {@code ttl}. The cache holds at most {@code maxEntries}; when full it drops expired entries and
 * then, if still full, everything (a cheap, bounded reset instead of an LRU).
 */
public final class Authenticator {

    /** Longest {@code Authorization} value considered; longer ones are refused without hashing. */
    public static final int MAX_HEADER_LENGTH = 512;

    private record Entry(Optional<Caller> caller, long expiresAtNanos) {}

    private final KeyDirectory directory;
    private final long ttlNanos;
    private final int maxEntries;
    private final LongSupplier nanoClock;
    private final Map<String, Entry> cache = new ConcurrentHashMap<>();

    public Authenticator(KeyDirectory directory, Duration ttl, int maxEntries, LongSupplier nanoClock) {
        this.directory = directory;
        this.ttlNanos = ttl.toNanos();
        this.maxEntries = maxEntries;
        this.nanoClock = nanoClock;
    }

    public Authenticator(KeyDirectory directory, Duration ttl) {
        this(directory, ttl, 100_000, System::nanoTime);
    }

    /**
     * The caller owning the bearer key in {@code authorizationHeader}.
     *
     * @return the caller, or an error: 401 {@code unauthorized} for a missing, malformed, unknown or
     *     revoked key; 503 when the key directory is unreachable and the key is not cached
     */
    public Result authenticate(String authorizationHeader) {
        String key = bearerKey(authorizationHeader);
        if (key == null) {
            return Result.failed(ApiError.of(ErrorCode.UNAUTHORIZED,
                    "missing or malformed Authorization header; expected 'Bearer <api key>'"));
        }
        String hash = KeyHash.sha256Hex(key);
        long now = nanoClock.getAsLong();
        Entry entry = cache.get(hash);
        if (entry == null || now - entry.expiresAtNanos >= 0) {
            Optional<Caller> caller;
            try {
                caller = directory.lookup(hash);
            } catch (KeyDirectory.KeyDirectoryUnavailableException e) {
                return Result.failed(ApiError.unavailable("the key directory is unreachable; retry shortly"));
            }
            entry = new Entry(caller, now + ttlNanos);
            put(hash, entry, now);
        }
        return entry.caller
                .map(Result::ok)
                .orElseGet(() -> Result.failed(ApiError.of(ErrorCode.UNAUTHORIZED, "unknown or revoked API key")));
    }

    /** Forgets every cached answer (tests, or an admin revoking a key on this instance). */
    public void invalidateAll() {
        cache.clear();
    }

    int cachedEntries() {
        return cache.size();
    }

    private void put(String hash, Entry entry, long now) {
        if (cache.size() >= maxEntries) {
            for (Iterator<Entry> it = cache.values().iterator(); it.hasNext(); ) {
                if (now - it.next().expiresAtNanos >= 0) {
                    it.remove();
                }
            }
            if (cache.size() >= maxEntries) {
                cache.clear();
            }
        }
        cache.put(hash, entry);
    }

    /** The key in {@code Bearer <key>} (scheme case-insensitive), or null if absent or malformed. */
    static String bearerKey(String header) {
        if (header == null || header.length() > MAX_HEADER_LENGTH) {
            return null;
        }
        String trimmed = header.trim();
        if (trimmed.length() < 7 || !trimmed.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String key = trimmed.substring(7).trim();
        if (key.isEmpty()) {
            return null;
        }
        for (int i = 0; i < key.length(); i++) {
            char ch = key.charAt(i);
            if (ch <= ' ' || ch >= 127) {
                return null;
            }
        }
        return key;
    }

    /** A caller or an error, never both. */
    public record Result(Caller caller, ApiError error) {
        static Result ok(Caller caller) {
            return new Result(caller, null);
        }

        static Result failed(ApiError error) {
            return new Result(null, error);
        }

        public boolean isOk() {
            return caller != null;
        }
    }
}
