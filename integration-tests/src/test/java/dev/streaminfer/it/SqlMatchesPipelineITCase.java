package dev.streaminfer.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.Priority;
import dev.streaminfer.functions.inference.EmbeddingModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Flink SQL's {@code ML_PREDICT} with the {@code streaminfer} provider gives every text the vector
 * the DataStream job gave it: the same texts go through the real job (Kafka in, quota,
 * micro-batching with batch mates, results topic out) and through an {@code ML_PREDICT} query on
 * the same cluster, and the two vectors of each text are compared.
 */
class SqlMatchesPipelineITCase extends PipelineITCaseBase {

    private static final List<String> TEXTS = List.of(
            "hi",
            "Streaming inference keeps every request accounted for, from the API to the sinks.",
            "Ünïcödé — 東京, Здравствуй мир 🚀",
            "batch batch batch batch batch batch batch batch",
            "A considerably longer sentence about quotas, replays, checkpoints and exactly-once sinks, padded"
                    + " well past the short ones so that a padded batch would have to mask it.",
            "flink",
            "What is the same answer for the same input, whatever it was batched with?");

    @ParameterizedTest
    @ValueSource(strings = {"all-minilm-l6-v2", "all-minilm-l6-v2-q"})
    void everyTextGetsThePipelinesVector(String model) throws Exception {
        Map<String, float[]> fromPipeline = new HashMap<>();
        try (PipelineFixture fixture = new PipelineFixture()) {
            fixture.startJob();
            // Texts alone and together, so that the job batches them with different mates.
            List<InferenceRequest> requests = new ArrayList<>();
            long now = System.currentTimeMillis();
            for (int i = 0; i < TEXTS.size(); i++) {
                requests.add(request(fixture, "alone-" + i, model, List.of(TEXTS.get(i)), now));
            }
            requests.add(request(fixture, "together", model, TEXTS, now));
            fixture.produceRequests(requests);
            List<String> ids = requests.stream().map(InferenceRequest::requestId).toList();
            fixture.awaitFinalRows(ids, Duration.ofSeconds(120));
            Map<String, List<InferenceResult>> committed = fixture.committedResults(ids, Duration.ofSeconds(60));
            for (InferenceRequest request : requests) {
                InferenceResult result = committed.get(request.requestId()).get(0);
                assertThat(result.status().wireName()).as(request.requestId()).isEqualTo("completed");
                for (int t = 0; t < request.inputs().length; t++) {
                    float[] vector = result.embeddings()[t];
                    float[] earlier = fromPipeline.putIfAbsent(request.inputs()[t], vector);
                    if (earlier != null) {
                        assertClose(vector, earlier, "the job's vectors of '" + request.inputs()[t] + "'");
                    }
                }
            }
        }

        Map<String, float[]> fromSql = new HashMap<>();
        StreamTableEnvironment tables = StreamTableEnvironment.create(StreamExecutionEnvironment.getExecutionEnvironment());
        tables.executeSql("CREATE MODEL embedder INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>)"
                + " WITH ('provider' = 'streaminfer', 'model' = '" + model + "')");
        StringBuilder values = new StringBuilder();
        for (String text : TEXTS) {
            values.append(values.isEmpty() ? "" : ", ").append("('").append(text.replace("'", "''")).append("')");
        }
        tables.executeSql("CREATE TEMPORARY VIEW docs AS SELECT * FROM (VALUES " + values + ") AS t(text)");
        try (CloseableIterator<Row> rows = tables.executeSql(
                "SELECT text, embedding FROM ML_PREDICT(TABLE docs, MODEL embedder, DESCRIPTOR(text))").collect()) {
            rows.forEachRemaining(row -> {
                Float[] boxed = (Float[]) row.getField("embedding");
                float[] vector = new float[boxed.length];
                for (int i = 0; i < boxed.length; i++) {
                    vector[i] = boxed[i];
                }
                fromSql.put((String) row.getField("text"), vector);
            });
        }

        assertThat(fromSql.keySet()).containsExactlyInAnyOrderElementsOf(TEXTS);
        for (String text : TEXTS) {
            assertClose(fromSql.get(text), fromPipeline.get(text), "ML_PREDICT vs the job for '" + text + "'");
        }
    }

    private static InferenceRequest request(PipelineFixture fixture, String name, String model, List<String> texts,
            long now) {
        return new InferenceRequest("sql-" + fixture.suffix + "-" + name, fixture.userId, model,
                texts.toArray(String[]::new), Priority.NORMAL, now + 600_000, now, 0, null);
    }

    private static void assertClose(float[] actual, float[] expected, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        double worst = 0;
        for (int i = 0; i < actual.length; i++) {
            worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
        }
        assertThat(worst).as("%s: max |difference| per component", what)
                .isLessThanOrEqualTo(EmbeddingModel.INVARIANCE_TOLERANCE);
    }
}
