package dev.streaminfer.functions.quota;

/**
 * The request ids already refunded, remembered only while a refund could still change something:
 * for requests of the current and the previous UTC day. {@link InMemoryRefundedIds} is the plain
 * implementation; {@link QuotaFunction} keeps them in keyed {@code MapState}.
 */
public interface RefundedIds {

    /**
     * Remembers that {@code requestId}, a request of UTC day {@code epochDay}, was refunded.
     *
     * @return false if it already was (the refund is a duplicate)
     */
    boolean add(String requestId, long epochDay);

    /** Forgets the ids of requests from days before {@code epochDay}. */
    void forgetDaysBefore(long epochDay);
}
