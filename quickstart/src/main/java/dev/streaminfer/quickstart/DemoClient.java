package dev.streaminfer.quickstart;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Sends the demo requests through the public HTTP API, as a user would with curl. */
final class DemoClient {

    record Outcome(String label, int submitStatus, JsonNode document, boolean ok, String summary) {}

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();
    private final String baseUrl;

    DemoClient(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    List<Outcome> run(Duration timeout) throws IOException, InterruptedException {
        List<Outcome> outcomes = new ArrayList<>();
        for (DemoKeys user : DemoKeys.ALL) {
            outcomes.add(setPlan(user));
        }
        outcomes.add(submitAndAwait("alice embeds two sentences", DemoKeys.ALICE.key(),
                "{\"inputs\":[\"Flink keeps state exactly once.\",\"Stream processing with checkpoints.\"]}", timeout));
        outcomes.add(submitAndAwait("bob uses bge-small at high priority", DemoKeys.BOB.key(),
                "{\"model\":\"bge-small-en-v15-q\",\"inputs\":[\"Quotas are enforced in keyed state.\"],\"priority\":\"high\"}", timeout));
        outcomes.add(expectError("an unknown model is refused", DemoKeys.ALICE.key(),
                "{\"model\":\"no-such-model\",\"inputs\":[\"x\"]}", 404));
        outcomes.add(expectError("a bad key is refused", "not-a-key", "{\"inputs\":[\"x\"]}", 401));
        return outcomes;
    }

    private Outcome submitAndAwait(String label, String key, String body, Duration timeout)
            throws IOException, InterruptedException {
        HttpResponse<String> submitted = post(key, body);
        if (submitted.statusCode() != 202) {
            return new Outcome(label, submitted.statusCode(), null, false, "expected 202, got "
                    + submitted.statusCode() + " " + submitted.body());
        }
        String requestId = json.readTree(submitted.body()).path("request_id").asText();
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode doc = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/requests/" + requestId))
                    .header("Authorization", "Bearer " + key).GET().build(), HttpResponse.BodyHandlers.ofString());
            doc = json.readTree(status.body());
            if (status.statusCode() == 200 && !"queued".equals(doc.path("status").asText())) {
                break;
            }
            Thread.sleep(250);
        }
        if (doc == null || !"completed".equals(doc.path("status").asText())) {
            return new Outcome(label, 202, doc, false, "did not complete in time: " + doc);
        }
        JsonNode vectors = doc.path("result").path("embeddings");
        String summary = String.format("%s  %d vector(s) x %d dims, %d tokens charged, first values [%.4f, %.4f, ...]",
                doc.path("status").asText(), vectors.size(), vectors.path(0).size(),
                doc.path("usage").path("charged_tokens").asInt(),
                vectors.path(0).path(0).asDouble(), vectors.path(0).path(1).asDouble());
        return new Outcome(label, 202, doc, true, summary);
    }

    private Outcome expectError(String label, String key, String body, int expectedStatus)
            throws IOException, InterruptedException {
        HttpResponse<String> response = post(key, body);
        JsonNode error = json.readTree(response.body()).path("error");
        boolean ok = response.statusCode() == expectedStatus && error.hasNonNull("code");
        return new Outcome(label, response.statusCode(), null, ok,
                response.statusCode() + " " + error.path("code").asText() + ": " + error.path("message").asText());
    }

    /** The job learns plans from the admin API, through the quota-updates topic. */
    private Outcome setPlan(DemoKeys user) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                        URI.create(baseUrl + "/v1/admin/quotas/" + user.userId()))
                .header("Authorization", "Bearer " + DemoKeys.ADMIN.key())
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"plan\":\"" + user.plan() + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        return new Outcome("admin sets " + user.userId() + "'s plan", response.statusCode(), null,
                response.statusCode() == 200, response.statusCode() + " plan " + user.plan());
    }

    private HttpResponse<String> post(String key, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/v1/inference"))
                        .header("Authorization", "Bearer " + key)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
