package dev.streaminfer.contract.quota;

import java.util.Locale;
import java.util.Optional;

/**
 * A user's token limits: a per-minute token bucket and a per-UTC-day budget.
 *
 * <p>Either limit may be {@link #NO_LIMIT} (-1): that dimension is never checked. The usage
 * mirror and the {@code quota-updates} messages write "no limit" as JSON {@code null}. A limit of 0
 * is a real limit: every request that costs tokens is rejected (a way to suspend a user).
 *
 * @param name the plan's name as users see it ({@code free}, {@code pro}, {@code unlimited}); a
 *     plan with per-user overrides keeps the name of the plan it started from
 * @param tokensPerMinute bucket capacity and refill per minute, or {@link #NO_LIMIT}
 * @param tokensPerDay budget per UTC calendar day, or {@link #NO_LIMIT}
 */
public record QuotaPlan(String name, long tokensPerMinute, long tokensPerDay) implements java.io.Serializable {

    /** The value of a limit that is not enforced. */
    public static final long NO_LIMIT = -1;
    /**
     * The largest limit accepted (10^12 tokens): keeps the bucket's exact integer arithmetic
     * ({@code tokensPerMinute * 60,000}) far from overflow.
     */
    public static final long MAX_LIMIT = 1_000_000_000_000L;

    public static final QuotaPlan FREE = new QuotaPlan("free", 10_000, 200_000);
    public static final QuotaPlan PRO = new QuotaPlan("pro", 100_000, 5_000_000);
    public static final QuotaPlan UNLIMITED = new QuotaPlan("unlimited", NO_LIMIT, NO_LIMIT);

    public QuotaPlan {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("plan name is required");
        }
        checkLimit("tokensPerMinute", tokensPerMinute);
        checkLimit("tokensPerDay", tokensPerDay);
    }

    private static void checkLimit(String what, long value) {
        if (value != NO_LIMIT && (value < 0 || value > MAX_LIMIT)) {
            throw new IllegalArgumentException(
                    what + " must be between 0 and " + MAX_LIMIT + " or NO_LIMIT (-1), was " + value);
        }
    }

    /** The built-in plan with this name (case-insensitive), if there is one. */
    public static Optional<QuotaPlan> builtIn(String name) {
        if (name == null) {
            return Optional.empty();
        }
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "free" -> Optional.of(FREE);
            case "pro" -> Optional.of(PRO);
            case "unlimited" -> Optional.of(UNLIMITED);
            default -> Optional.empty();
        };
    }

    public boolean limitsMinute() {
        return tokensPerMinute != NO_LIMIT;
    }

    public boolean limitsDay() {
        return tokensPerDay != NO_LIMIT;
    }

    /** This plan with the per-user overrides that are set (null = keep this plan's limit). */
    public QuotaPlan withOverrides(Long tokensPerMinute, Long tokensPerDay) {
        return new QuotaPlan(name,
                tokensPerMinute != null ? tokensPerMinute : this.tokensPerMinute,
                tokensPerDay != null ? tokensPerDay : this.tokensPerDay);
    }

}
