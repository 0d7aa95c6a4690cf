package dev.streaminfer.api.request;

import dev.streaminfer.api.ApiError;
import dev.streaminfer.contract.model.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a request body up to a limit. A declared {@code Content-Length} over the limit is refused
 * without reading a byte; a chunked body is read only until it crosses the limit, so an oversized
 * body is never buffered whole.
 */
public final class BoundedBody {

    private BoundedBody() {}

    /** The 413 answer for a body over {@code maxBytes}. */
    public static ApiError tooLarge(int maxBytes) {
        return ApiError.of(ErrorCode.PAYLOAD_TOO_LARGE, "the body is larger than " + maxBytes + " bytes");
    }

    /**
     * @param declaredLength the {@code Content-Length}, or a negative number if not declared
     * @throws dev.streaminfer.api.ApiException 413 over the limit, 400 if the body cannot be read
     */
    public static byte[] read(InputStream in, long declaredLength, int maxBytes) {
        if (declaredLength > maxBytes) {
            throw tooLarge(maxBytes).exception();
        }
        int initial = declaredLength >= 0 ? (int) declaredLength : 8192;
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(16, initial));
        byte[] buffer = new byte[8192];
        long total = 0;
        try {
            int n;
            while ((n = in.read(buffer)) != -1) {
                total += n;
                if (total > maxBytes) {
                    throw tooLarge(maxBytes).exception();
                }
                out.write(buffer, 0, n);
            }
        } catch (IOException e) {
            throw ApiError.of(ErrorCode.INVALID_REQUEST, "the body could not be read").exception();
        }
        return out.toByteArray();
    }
}
