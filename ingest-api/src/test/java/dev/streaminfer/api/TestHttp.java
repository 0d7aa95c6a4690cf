package dev.streaminfer.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streaminfer.contract.serde.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Supplier;

/** A tiny HTTP client for the tests: one call, one {@link Response}. */
final class TestHttp {

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    private final String base;

    TestHttp(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    /** Status, headers and body of one answer. */
    record Response(int status, String body, HttpResponse<String> raw) {
        JsonNode json() {
            try {
                return Json.mapper().readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }

        String errorCode() {
            return json().path("error").path("code").asText();
        }

        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    Response send(String method, String path, String key, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(40));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        try {
            HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.body(), r);
        } catch (IOException e) {
            throw new AssertionError(method + " " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    Response get(String path, String key) {
        return send("GET", path, key, null);
    }

    Response post(String path, String key, String body, String... headers) {
        return send("POST", path, key, body, headers);
    }

    /**
     * Repeats {@code call} while it answers 503 (a service coming back), for at most {@code max};
     * the last answer.
     */
    static Response retryWhileUnavailable(Duration max, Supplier<Response> call) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        Response r = call.get();
        while (r.status() == 503 && System.nanoTime() < deadline) {
            Thread.sleep(200);
            r = call.get();
        }
        return r;
    }

    Response delete(String path, String key) {
        return send("DELETE", path, key, null);
    }

    Response put(String path, String key, String body) {
        return send("PUT", path, key, body);
    }

    /** Asks {@code path} (no key) every 100 ms until it answers {@code status}; fails after {@code max}. */
    void awaitStatus(String path, int status, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            last = get(path, null).status();
            if (last == status) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + path, e);
            }
        }
        throw new AssertionError(path + " did not answer " + status + " within " + max + " (last " + last + ")");
    }
}
