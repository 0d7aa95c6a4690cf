package dev.streaminfer.api.request;

import dev.streaminfer.api.ApiError;
import dev.streaminfer.api.auth.Caller;
import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.model.RequestStatus;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What {@code GET /v1/requests} asks for, validated: whose requests ({@code user_id}, admin only;
 * the caller's own otherwise), an optional {@code status}, the window {@code since} (inclusive)
 * to {@code until} (exclusive) on {@code submitted_at}, the page size and where the page starts.
 *
 * @param status null: every status
 * @param since null: no lower bound
 * @param until null: no upper bound
 * @param after null: the first page
 */
public record ListQuery(String userId, RequestStatus status, Instant since, Instant until, int limit,
                        PageCursor after) {

    public static final int DEFAULT_LIMIT = 20;
    public static final int MAX_LIMIT = 100;
    /** Longest {@code user_id} accepted (longer cannot name a user and is refused, not looked up). */
    static final int MAX_USER_ID_LENGTH = 256;

    private static final String STATUSES = Arrays.stream(RequestStatus.values()).map(RequestStatus::wireName)
            .collect(Collectors.joining(", "));

    /**
     * @param param a query parameter's value by name (null if absent)
     * @throws dev.streaminfer.api.ApiException 400 {@code invalid_request} naming the parameter at
     *     fault; 403 {@code forbidden} for {@code user_id} without an admin key
     */
    public static ListQuery parse(Caller caller, Function<String, String> param) {
        String userId = caller.userId();
        String asked = param.apply("user_id");
        if (asked != null) {
            if (!caller.isAdmin()) {
                throw ApiError.of(ErrorCode.FORBIDDEN, "user_id needs an admin key; without it you see your own requests")
                        .exception();
            }
            if (asked.isEmpty() || asked.length() > MAX_USER_ID_LENGTH) {
                throw invalid("user_id must be 1 to " + MAX_USER_ID_LENGTH + " characters", "user_id");
            }
            userId = asked;
        }
        RequestStatus status = null;
        String rawStatus = param.apply("status");
        if (rawStatus != null) {
            status = RequestStatus.fromWireName(rawStatus)
                    .orElseThrow(() -> invalid("status must be one of " + STATUSES, "status"));
        }
        Instant since = instant(param.apply("since"), "since");
        Instant until = instant(param.apply("until"), "until");
        if (since != null && until != null && !since.isBefore(until)) {
            throw invalid("since must be before until", "since");
        }
        int limit = limit(param.apply("limit"));
        String rawCursor = param.apply("cursor");
        PageCursor after = rawCursor == null ? null : PageCursor.decode(rawCursor);
        return new ListQuery(userId, status, since, until, limit, after);
    }

    private static Instant instant(String raw, String name) {
        if (raw == null) {
            return null;
        }
        try {
            return Instant.parse(raw);
        } catch (DateTimeParseException e) {
            throw invalid(name + " must be an ISO-8601 instant such as 2026-12-02T15:00:00Z", name);
        }
    }

    private static int limit(String raw) {
        if (raw == null) {
            return DEFAULT_LIMIT;
        }
        try {
            if (raw.length() <= 4) {
                int value = Integer.parseInt(raw);
                if (value >= 1 && value <= MAX_LIMIT) {
                    return value;
                }
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw invalid("limit must be an integer from 1 to " + MAX_LIMIT, "limit");
    }

    private static dev.streaminfer.api.ApiException invalid(String message, String param) {
        return ApiError.of(ErrorCode.INVALID_REQUEST, message).withParam(param).exception();
    }
}
