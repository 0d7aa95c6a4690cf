package dev.streaminfer.api;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Errors Jetty answers itself, before Javalin sees the request (malformed request line, headers
 * too large, ...), in the API's error body instead of an HTML page.
 */
final class JsonErrorHandler extends ErrorHandler {

    @Override
    public void handle(String target, Request baseRequest, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        int status = response.getStatus();
        byte[] body = ApiHandlers.errorBody(request.getRequestURI(), error(status)).getBytes(StandardCharsets.UTF_8);
        response.setContentType(ApiHandlers.JSON);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        baseRequest.setHandled(true);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, ApiHandlers.JSON);
        return ByteBuffer.wrap(ApiHandlers.errorBody(error(status)).getBytes(StandardCharsets.UTF_8));
    }

    private static ApiError error(int status) {
        return switch (status) {
            case 413 -> new ApiError(413, "payload_too_large", "the request is too large");
            case 431 -> new ApiError(431, "invalid_request", "the request headers are too large");
            case 404 -> new ApiError(404, "not_found", "no such route");
            default -> status >= 500
                    ? new ApiError(status, ApiError.INTERNAL, "internal error")
                    : new ApiError(status, "invalid_request", "malformed HTTP request");
        };
    }
}
