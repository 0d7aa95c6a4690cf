package dev.streaminfer.functions.quota;

/**
 * A user's quota and usage as absolute values, mirrored to Redis for {@code GET /v1/usage} and the
 * API's early {@code 429}. Limits are null where the plan has none ({@code unlimited}), and so is
 * {@code remainingToday}.
 *
 * @param usedToday tokens charged for the UTC day ending at {@code resetsAt}
 * @param resetsAt epoch ms of the next UTC midnight after the newest time the job saw for this
 *     user, 0 if it saw none yet. A reader whose clock is past {@code resetsAt} must read
 *     {@code usedToday} as 0: the job writes a new snapshot only on the user's next event.
 */
public record UsageSnapshot(
        String userId,
        String plan,
        Long tokensPerMinute,
        Long tokensPerDay,
        long usedToday,
        Long remainingToday,
        long resetsAt) {}
