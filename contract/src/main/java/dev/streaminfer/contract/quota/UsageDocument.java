package dev.streaminfer.contract.quota;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streaminfer.contract.serde.Json;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * A user's quota and usage as absolute values: what the job mirrors to Redis
 * ({@code RedisKeys.usage}) after every change, and what {@code GET /v1/usage} answers. This class
 * is the one owner of its JSON form:
 *
 * <pre>
 * {"user_id": "alice", "plan": "free", "tokens_per_minute": 10000, "tokens_per_day": 200000,
 *  "used_today": 1200, "remaining_today": 198800, "resets_at": "2026-11-23T00:00:00Z"}
 * </pre>
 *
 * <p>{@code null} has one meaning for a limit: <b>no limit</b> (the {@code unlimited} plan), and
 * then {@code remainingToday} is null too. A plan's defaults are resolved before a document is
 * made ({@link #of}), never left as null. {@code resets_at} is null while the job has no time for
 * the user. A reader past {@code resetsAt} must read {@code usedToday} as 0 (the job writes a new
 * document only on the user's next event): {@link #asOf} does that.
 *
 * @param usedToday tokens charged for the UTC day ending at {@code resetsAt}
 * @param resetsAt epoch ms of the next UTC midnight after the newest time seen for this user, 0 if none
 */
public record UsageDocument(
        String userId,
        String plan,
        Long tokensPerMinute,
        Long tokensPerDay,
        long usedToday,
        Long remainingToday,
        long resetsAt) {

    /** The document for an effective plan (defaults and overrides already resolved). */
    public static UsageDocument of(String userId, QuotaPlan plan, long usedToday, long resetsAt) {
        Long perDay = plan.limitsDay() ? plan.tokensPerDay() : null;
        return new UsageDocument(userId, plan.name(),
                plan.limitsMinute() ? plan.tokensPerMinute() : null,
                perDay,
                usedToday,
                perDay == null ? null : Math.max(0, perDay - usedToday),
                resetsAt);
    }

    /** Nothing used yet today (UTC) at {@code nowMillis}. */
    public static UsageDocument unused(String userId, QuotaPlan plan, long nowMillis) {
        return of(userId, plan, 0, nextUtcMidnight(nowMillis));
    }

    /**
     * This document as it reads at {@code nowMillis}: itself while its day lasts, else the same
     * limits with nothing used and the next reset.
     */
    public UsageDocument asOf(long nowMillis) {
        if (resetsAt > nowMillis) {
            return this;
        }
        return new UsageDocument(userId, plan, tokensPerMinute, tokensPerDay, 0, tokensPerDay,
                nextUtcMidnight(nowMillis));
    }

    public static long nextUtcMidnight(long nowMillis) {
        return LocalDate.ofInstant(Instant.ofEpochMilli(nowMillis), ZoneOffset.UTC).plusDays(1)
                .atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    public ObjectNode toJson() {
        ObjectNode node = Json.mapper().createObjectNode();
        node.put("user_id", userId);
        node.put("plan", plan);
        node.put("tokens_per_minute", tokensPerMinute);
        node.put("tokens_per_day", tokensPerDay);
        node.put("used_today", usedToday);
        node.put("remaining_today", remainingToday);
        if (resetsAt > 0) {
            node.put("resets_at", Instant.ofEpochMilli(resetsAt).toString());
        } else {
            node.putNull("resets_at");
        }
        return node;
    }

    public String encode() {
        try {
            return Json.mapper().writeValueAsString(toJson());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The document, or empty if {@code json} is not one (a reader then falls back, never fails). */
    public static Optional<UsageDocument> decode(String json) {
        if (json == null) {
            return Optional.empty();
        }
        try {
            JsonNode node = Json.mapper().readTree(json);
            if (node == null || !node.isObject() || !node.path("user_id").isTextual()
                    || !node.path("plan").isTextual() || !node.path("used_today").isIntegralNumber()) {
                return Optional.empty();
            }
            return Optional.of(new UsageDocument(
                    node.get("user_id").textValue(),
                    node.get("plan").textValue(),
                    nullableLong(node.get("tokens_per_minute")),
                    nullableLong(node.get("tokens_per_day")),
                    node.get("used_today").asLong(),
                    nullableLong(node.get("remaining_today")),
                    instant(node.get("resets_at"))));
        } catch (JsonProcessingException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Long nullableLong(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber()) {
            throw new IllegalArgumentException("not an integer: " + value);
        }
        return value.asLong();
    }

    private static long instant(JsonNode value) {
        if (value == null || value.isNull()) {
            return 0;
        }
        return Instant.parse(value.textValue()).toEpochMilli();
    }
}
