package dev.streaminfer.api.request;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streaminfer.api.ApiError;
import dev.streaminfer.contract.model.ErrorCode;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses a {@code PUT /v1/admin/quotas/{user_id}} body: {@code {"plan"?, "tokens_per_minute"?,
 * "tokens_per_day"?}}, at least one field. An absent field keeps the current value; a JSON
 * {@code null} limit goes back to the plan's default.
 */
public final class QuotaBodyParser {

    public static final long MAX_TOKENS = 1_000_000_000_000L;
    private static final Set<String> FIELDS = Set.of("plan", "tokens_per_minute", "tokens_per_day");
    /** A plan name's shape; which names exist (case-insensitively, as the job reads them) is the service's check. */
    private static final Pattern PLAN = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9._@:-]{1,128}");

    private QuotaBodyParser() {}

    /** A field that was absent, set to null, or set to a value. */
    public record Patch<T>(boolean present, T value) {
        static <T> Patch<T> absent() {
            return new Patch<>(false, null);
        }
    }

    /** The requested change. */
    public record QuotaPatch(Optional<String> plan, Patch<Long> tokensPerMinute, Patch<Long> tokensPerDay) {}

    public static boolean isValidUserId(String userId) {
        return userId != null && USER.matcher(userId).matches();
    }

    /** @throws dev.streaminfer.api.ApiException 400 with the reason */
    public static QuotaPatch parse(byte[] body) {
        JsonNode root;
        try {
            root = InferenceBodyParser.STRICT.readTree(body);
        } catch (Exception e) {
            throw ApiError.of(ErrorCode.NOT_JSON, "the body is not valid JSON within limits").exception();
        }
        if (root == null || root.isMissingNode()) {
            throw ApiError.of(ErrorCode.NOT_JSON, "the body is empty; expected a JSON object").exception();
        }
        if (!root.isObject()) {
            throw ApiError.of(ErrorCode.WRONG_TYPE, "the body must be a JSON object").exception();
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!FIELDS.contains(name)) {
                throw ApiError.of(ErrorCode.INVALID_REQUEST, "unknown field '" + InferenceBodyParser.truncate(name)
                        + "'; allowed: plan, tokens_per_minute, tokens_per_day").exception();
            }
        }
        if (root.isEmpty()) {
            throw ApiError.of(ErrorCode.MISSING_FIELD,
                    "give at least one of plan, tokens_per_minute, tokens_per_day").exception();
        }
        Optional<String> plan = Optional.empty();
        JsonNode planNode = root.get("plan");
        if (planNode != null) {
            if (!planNode.isTextual() || !PLAN.matcher(planNode.textValue()).matches()) {
                throw ApiError.of(ErrorCode.INVALID_REQUEST,
                        "plan must be 1-64 characters of letters, digits, '_' or '-'").exception();
            }
            plan = Optional.of(planNode.textValue());
        }
        return new QuotaPatch(plan, limit(root, "tokens_per_minute"), limit(root, "tokens_per_day"));
    }

    private static Patch<Long> limit(JsonNode root, String name) {
        JsonNode node = root.get(name);
        if (node == null) {
            return Patch.absent();
        }
        if (node.isNull()) {
            return new Patch<>(true, null);
        }
        if (!node.isIntegralNumber() || !node.canConvertToLong()) {
            throw ApiError.of(ErrorCode.WRONG_TYPE, name + " must be an integer or null").exception();
        }
        long value = node.longValue();
        if (value < 0 || value > MAX_TOKENS) {
            throw ApiError.of(ErrorCode.INVALID_REQUEST, name + " must be between 0 and " + MAX_TOKENS).exception();
        }
        return new Patch<>(true, value);
    }
}
