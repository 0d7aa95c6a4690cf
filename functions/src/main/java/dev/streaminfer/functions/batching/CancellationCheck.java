package dev.streaminfer.functions.batching;

import java.io.Serializable;
import java.util.Collection;
import java.util.Set;

/**
 * Where the job learns that a request was cancelled before it was computed. A serializable
 * factory: the operator ships it to the TaskManagers and {@link #open()}s one {@link Lookup} per
 * subtask.
 */
public interface CancellationCheck extends Serializable {

    /** Opens a lookup; it must not fail when its backing store is down (the lookup reports that). */
    Lookup open();

    /** Asks which of a batch's requests were cancelled, in one round trip. Thread-safe. */
    interface Lookup extends AutoCloseable {

        /**
         * The ids among {@code requestIds} that were cancelled.
         *
         * @throws RuntimeException if the store cannot answer; callers then compute every request
         */
        Set<String> cancelled(Collection<String> requestIds);

        @Override
        default void close() {}
    }

    /** Nothing is ever cancelled (no store configured). */
    static CancellationCheck none() {
        return new NoCancellations();
    }

    /** Cancel markers in Redis under {@code inference:cancel:{request_id}}, as the API writes them. */
    static CancellationCheck redis(String redisUri) {
        return new RedisCancellationCheck(redisUri);
    }

    /** The check that never finds a cancellation. */
    final class NoCancellations implements CancellationCheck {
        @Override
        public Lookup open() {
            return ids -> Set.of();
        }
    }
}
