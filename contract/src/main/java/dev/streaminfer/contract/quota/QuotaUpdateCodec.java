package dev.streaminfer.contract.quota;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.serde.Json;
import dev.streaminfer.contract.validation.RequestLimits;
import dev.streaminfer.contract.validation.ValidationFailure;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The wire format of the two quota topics, one JSON object per record keyed by user id: plan
 * changes on the compacted {@code quota-updates} (from the admin API) and refunds on
 * {@code quota-refunds} (from the job, time retention). {@link #topic} says which one a record
 * belongs on, {@link #kafkaKey} what its key is.
 *
 * <pre>
 * plan change: {"type": "plan", "user_id": "alice", "plan": "pro", "tokens_per_minute": 5000,
 *               "tokens_per_day": null, "updated_at": 1795000000000}
 * refund:      {"type": "refund", "user_id": "alice", "request_id": "r-1", "tokens": 120,
 *               "submitted_at": 1795000000000}
 * </pre>
 *
 * <p>Plan change: {@code type} may be absent (means {@code plan}); {@code plan} is a built-in plan
 * name ({@code free}, {@code pro}, {@code unlimited}); an absent field keeps its value, a limit of
 * JSON {@code null} removes that limit, an integer 0..10^12 sets it. At least one of the three must
 * be present. {@code updated_at} is optional, epoch ms or an ISO-8601 instant; when absent the
 * Kafka record timestamp stands in ({@code fallbackUpdatedAt}).
 *
 * <p>Refund: every field is required. Decoding never throws: anything else is a
 * {@link ValidationFailure} to count and drop (or dead-letter).
 */
public final class QuotaUpdateCodec {

    /** Exactly one of the two is set. */
    public record Decoded(QuotaUpdate update, ValidationFailure failure) {
        public boolean isValid() {
            return failure == null;
        }
    }

    private static final class Invalid extends RuntimeException {
        final ErrorCode code;

        Invalid(ErrorCode code, String message) {
            super(message, null, false, false);
            this.code = code;
        }
    }

    private QuotaUpdateCodec() {}

    /**
     * The Kafka record key: the user id, for both kinds. Plan changes are keyed by user so that
     * compaction of {@code quota-updates} keeps each user's latest plan; refunds are keyed by user
     * so that they land on the user's partition (in order with the user's other refunds). A refund
     * therefore must never be written to the compacted topic, where compaction would let it replace
     * the user's plan: write each update where {@link #topic} says.
     */
    public static String kafkaKey(QuotaUpdate update) {
        return update.userId();
    }

    /**
     * The topic an update belongs on: {@code refundsTopic} (time retention: a refund is read once
     * and is worthless two UTC days after its request) for a refund, {@code plansTopic} (compacted:
     * the newest plan per user is kept for ever) for a plan change.
     *
     * @throws IllegalArgumentException if the two topics are the same, which would let compaction
     *     drop plans in favour of refunds
     */
    public static String topic(QuotaUpdate update, String plansTopic, String refundsTopic) {
        requireSeparateTopics(plansTopic, refundsTopic);
        return update.isRefund() ? refundsTopic : plansTopic;
    }

    /** @throws IllegalArgumentException if plan changes and refunds would share a topic */
    public static void requireSeparateTopics(String plansTopic, String refundsTopic) {
        if (plansTopic.equals(refundsTopic)) {
            throw new IllegalArgumentException("refunds and plan changes need different topics, both are "
                    + plansTopic + ": refunds keyed by user on a compacted topic would replace the users' plans");
        }
    }

    public static byte[] encode(QuotaUpdate update) {
        ObjectNode node = Json.mapper().createObjectNode();
        node.put("type", update.type().wireName());
        node.put("user_id", update.userId());
        if (update.isRefund()) {
            node.put("request_id", update.requestId());
            node.put("tokens", update.tokens());
            node.put("submitted_at", update.submittedAt());
        } else {
            if (update.plan() != null) {
                node.put("plan", update.plan());
            }
            putLimit(node, "tokens_per_minute", update.tokensPerMinute());
            putLimit(node, "tokens_per_day", update.tokensPerDay());
            if (update.updatedAt() > 0) {
                node.put("updated_at", update.updatedAt());
            }
        }
        try {
            return Json.mapper().writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void putLimit(ObjectNode node, String name, Long limit) {
        if (limit == null) {
            return;
        }
        if (limit == QuotaPlan.NO_LIMIT) {
            node.putNull(name);
        } else {
            node.put(name, limit);
        }
    }

    /** Decodes one record value; never throws. */
    public static Decoded decode(byte[] value, long fallbackUpdatedAt) {
        if (value == null || value.length == 0) {
            return failed(ErrorCode.NOT_JSON, "record value is empty");
        }
        JsonNode root;
        try {
            root = Json.mapper().readTree(value);
        } catch (JacksonException e) {
            return failed(ErrorCode.NOT_JSON, "value is not valid JSON within limits: " + e.getOriginalMessage());
        } catch (IOException e) {
            return failed(ErrorCode.NOT_JSON, "value could not be read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            return failed(ErrorCode.WRONG_TYPE, "value must be a JSON object");
        }
        try {
            String type = optionalText(root, "type");
            String userId = requiredText(root, "user_id", RequestLimits.MAX_USER_ID_LENGTH);
            if (type == null || type.equals("plan")) {
                return new Decoded(decodePlan(root, userId, fallbackUpdatedAt), null);
            }
            if (type.equals("refund")) {
                return new Decoded(QuotaUpdate.refund(userId,
                        requiredText(root, "request_id", RequestLimits.MAX_REQUEST_ID_LENGTH),
                        requiredCount(root, "tokens"),
                        requiredCount(root, "submitted_at")), null);
            }
            throw new Invalid(ErrorCode.INVALID_REQUEST, "type must be plan or refund");
        } catch (Invalid e) {
            return failed(e.code, e.getMessage());
        } catch (RuntimeException e) {
            return failed(ErrorCode.INVALID_REQUEST, "value could not be decoded: " + e);
        }
    }

    private static QuotaUpdate decodePlan(JsonNode root, String userId, long fallbackUpdatedAt) {
        String plan = optionalText(root, "plan");
        if (plan != null && QuotaPlan.builtIn(plan).isEmpty()) {
            throw new Invalid(ErrorCode.INVALID_REQUEST, "plan must be one of free, pro, unlimited");
        }
        Long perMinute = optionalLimit(root, "tokens_per_minute");
        Long perDay = optionalLimit(root, "tokens_per_day");
        if (plan == null && !root.has("tokens_per_minute") && !root.has("tokens_per_day")) {
            throw new Invalid(ErrorCode.MISSING_FIELD,
                    "a plan change needs at least one of plan, tokens_per_minute, tokens_per_day");
        }
        long updatedAt = optionalTime(root, "updated_at", fallbackUpdatedAt);
        return QuotaUpdate.planChange(userId, plan == null ? null : QuotaPlan.builtIn(plan).get().name(),
                perMinute, perDay, updatedAt);
    }

    private static String optionalText(JsonNode root, String name) {
        JsonNode node = root.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw new Invalid(ErrorCode.WRONG_TYPE, name + " must be a string");
        }
        return node.textValue();
    }

    private static String requiredText(JsonNode root, String name, int maxLength) {
        JsonNode node = root.get(name);
        if (node == null || node.isNull()) {
            throw new Invalid(ErrorCode.MISSING_FIELD, name + " is required");
        }
        if (!node.isTextual() || node.textValue().isBlank()) {
            throw new Invalid(ErrorCode.WRONG_TYPE, name + " must be a non-blank string");
        }
        if (node.textValue().length() > maxLength) {
            throw new Invalid(ErrorCode.INVALID_REQUEST, name + " is longer than " + maxLength + " characters");
        }
        return node.textValue();
    }

    private static long requiredCount(JsonNode root, String name) {
        JsonNode node = root.get(name);
        if (node == null || node.isNull()) {
            throw new Invalid(ErrorCode.MISSING_FIELD, name + " is required");
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong() || node.longValue() < 0) {
            throw new Invalid(ErrorCode.WRONG_TYPE, name + " must be a non-negative integer");
        }
        return node.longValue();
    }

    /** Absent: null (keep); JSON null: {@link QuotaPlan#NO_LIMIT}; else 0..MAX_LIMIT. */
    private static Long optionalLimit(JsonNode root, String name) {
        JsonNode node = root.get(name);
        if (node == null) {
            return null;
        }
        if (node.isNull()) {
            return QuotaPlan.NO_LIMIT;
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()
                || node.longValue() < 0 || node.longValue() > QuotaPlan.MAX_LIMIT) {
            throw new Invalid(ErrorCode.WRONG_TYPE, name + " must be an integer from 0 to "
                    + QuotaPlan.MAX_LIMIT + ", or null for no limit");
        }
        return node.longValue();
    }

    private static long optionalTime(JsonNode root, String name, long fallback) {
        JsonNode node = root.get(name);
        if (node == null || node.isNull()) {
            return Math.max(0, fallback);
        }
        if (node.isIntegralNumber() && node.canConvertToLong() && node.longValue() >= 0) {
            return node.longValue();
        }
        if (node.isTextual()) {
            try {
                return Instant.parse(node.textValue()).toEpochMilli();
            } catch (DateTimeParseException | ArithmeticException e) {
                // fall through to the error below
            }
        }
        throw new Invalid(ErrorCode.WRONG_TYPE,
                name + " must be epoch milliseconds or an ISO-8601 instant such as 2026-11-22T10:00:00Z");
    }

    private static Decoded failed(ErrorCode code, String message) {
        return new Decoded(null, new ValidationFailure(code, message));
    }
}
