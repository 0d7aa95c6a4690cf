package dev.streaminfer.api.request;

import dev.streaminfer.api.ApiError;
import dev.streaminfer.contract.model.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Where the next page of {@code GET /v1/requests} starts: the last row's {@code submitted_at}
 * (epoch microseconds, PostgreSQL's precision) and {@code request_id}, the listing's sort key
 * (newest first, ties by id). Clients see it as an opaque URL-safe string.
 */
public record PageCursor(long submittedAtMicros, String requestId) {

    private static final String VERSION = "1";

    public PageCursor {
        if (requestId == null || requestId.isEmpty()) {
            throw new IllegalArgumentException("requestId must not be empty");
        }
    }

    public String encode() {
        String plain = VERSION + ":" + submittedAtMicros + ":" + requestId;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    /** @throws dev.streaminfer.api.ApiException 400 {@code invalid_request} for anything not made by {@link #encode()} */
    public static PageCursor decode(String cursor) {
        try {
            String plain = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            String[] parts = plain.split(":", 3);
            if (parts.length == 3 && parts[0].equals(VERSION) && !parts[2].isEmpty()) {
                return new PageCursor(Long.parseLong(parts[1]), parts[2]);
            }
        } catch (IllegalArgumentException e) {
            // not base64, not a number: the same answer as any other foreign string
        }
        throw ApiError.of(ErrorCode.INVALID_REQUEST, "cursor is not one this API handed out; pass next_cursor as is")
                .withParam("cursor").exception();
    }
}
