package dev.streaminfer.sqlprovider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.functions.inference.EmbeddingModel;
import dev.streaminfer.functions.inference.SessionSettings;
import dev.streaminfer.localstack.Provisioning;
import dev.streaminfer.localstack.ServiceEndpoints;
import dev.streaminfer.localstack.TestServices;
import dev.streaminfer.localstack.TopicSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The SQL example {@code sql/flink/embed-documents.sql} as written (only its endpoints, topic and
 * consumer group replaced by this test's) over a real Kafka topic into the real PostgreSQL table,
 * on a MiniCluster; every vector is checked against the model's own output for the text alone
 * (what the DataStream job returns for it). Plus what happens to texts the model cannot embed and
 * the option errors a user sees.
 */
class EmbedDocumentsSqlITCase {

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension(
            new MiniClusterResourceConfiguration.Builder().setNumberTaskManagers(1).setNumberSlotsPerTaskManager(2)
                    .build());

    private static final Path EXAMPLE = Path.of("..", "sql", "flink", "embed-documents.sql");
    private static final ModelSpec MODEL = ModelRegistry.ALL_MINILM_L6_V2;
    private static final String BLANK = "   ";
    private static final String TOO_LONG = "word ".repeat(MODEL.maxInputTokens() + 10);

    private static final ServiceEndpoints SERVICES = TestServices.get().endpoints();
    private static EmbeddingModel reference;

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void loadReference() {
        reference = EmbeddingModel.load(MODEL, SessionSettings.defaults());
    }

    @AfterAll
    static void closeReference() {
        reference.close();
    }

    private static List<String> texts() {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            texts.add(switch (i % 4) {
                case 0 -> "document " + i + " about stream processing";
                case 1 -> "A longer document, number " + i + ", on micro-batching ONNX inference behind Flink SQL's"
                        + " ML_PREDICT, with padding under the attention mask and rows of different lengths.";
                case 2 -> "Ünïcödé " + i + " — 東京, Здравствуй мир 🚀";
                default -> "short " + i;
            });
        }
        return texts;
    }

    private StreamTableEnvironment tables() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        return StreamTableEnvironment.create(env);
    }

    @Test
    void theExampleEmbedsEveryDocumentFromKafkaIntoPostgresAsTheModelDoesAlone() throws Exception {
        String topic = "documents-" + suffix;
        Provisioning.createTopics(SERVICES.kafkaBootstrapServers(), List.of(TopicSpec.of(topic, 2)));
        Map<String, String> documents = new LinkedHashMap<>();
        List<String> texts = texts();
        for (int i = 0; i < texts.size(); i++) {
            documents.put(suffix + "-" + i, texts.get(i));
        }
        documents.put(suffix + "-blank", BLANK);
        documents.put(suffix + "-too-long", TOO_LONG);
        produce(topic, documents);

        String script = Files.readString(EXAMPLE, StandardCharsets.UTF_8);
        script = replaceOnce(script, "'topic' = 'documents'", "'topic' = '" + topic + "'");
        script = replaceOnce(script, "'127.0.0.1:19092'", "'" + SERVICES.kafkaBootstrapServers() + "'");
        script = replaceOnce(script, "'sql-embed-documents'", "'sql-embed-documents-" + suffix + "'");
        script = replaceOnce(script, "jdbc:postgresql://127.0.0.1:15432/inference?", SERVICES.postgresUrl() + "?");
        script = replaceOnce(script, "'username' = 'inference'", "'username' = '" + SERVICES.postgresUser() + "'");
        script = replaceOnce(script, "'password' = 'inference'", "'password' = '" + SERVICES.postgresPassword() + "'");

        TableResult result = SqlScript.execute(tables(), script);
        JobClient job = result.getJobClient().orElseThrow();
        Map<String, JsonNode> rows;
        try {
            rows = awaitRows(documents.size(), TimeUnit.MINUTES.toNanos(3));
        } finally {
            job.cancel().get(60, TimeUnit.SECONDS);
        }

        assertThat(rows.keySet()).containsExactlyInAnyOrderElementsOf(documents.keySet());
        assertThat(rows.get(suffix + "-blank").isNull()).as("blank text: NULL embedding").isTrue();
        assertThat(rows.get(suffix + "-too-long").isNull()).as("text over the token limit: NULL embedding").isTrue();
        for (int i = 0; i < texts.size(); i++) {
            JsonNode vector = rows.get(suffix + "-" + i);
            float[] alone = reference.embed(List.of(texts.get(i)))[0];
            assertThat(vector.isArray()).as("row %d", i).isTrue();
            assertThat(vector.size()).as("row %d", i).isEqualTo(MODEL.dimensions());
            for (int d = 0; d < alone.length; d++) {
                assertThat(Math.abs(vector.get(d).floatValue() - alone[d]))
                        .as("row %d component %d", i, d).isLessThanOrEqualTo((float) EmbeddingModel.INVARIANCE_TOLERANCE);
            }
        }
    }

    @Test
    void byDefaultATextTheModelCannotEmbedFailsTheQueryWithTheReason() {
        StreamTableEnvironment tables = tables();
        tables.executeSql(documentsView());
        tables.executeSql(model("embedder", "all-minilm-l6-v2", ""));

        assertThatThrownBy(() -> collect(tables.executeSql(
                "SELECT id, embedding FROM ML_PREDICT(TABLE docs, MODEL embedder, DESCRIPTOR(text))")))
                .rootCause()
                .isInstanceOf(EmbeddingPredictFunction.InvalidTextException.class)
                .hasMessage("ML_PREDICT with model all-minilm-l6-v2 cannot embed a row (invalid_request: the text"
                        + " must be a non-blank string); set the model option 'error-handling' to 'null' or 'skip'"
                        + " to go on past such rows");
    }

    @Test
    void withSkipTextsTheModelCannotEmbedAreLeftOutAndTheRestAreEmbedded() throws Exception {
        StreamTableEnvironment tables = tables();
        tables.executeSql(documentsView());
        tables.executeSql(model("embedder", "all-minilm-l6-v2", ", 'error-handling' = 'skip'"));

        List<Row> rows = collect(tables.executeSql(
                "SELECT id, embedding FROM ML_PREDICT(TABLE docs, MODEL embedder, DESCRIPTOR(text))"));

        Map<String, Float[]> byId = new HashMap<>();
        rows.forEach(r -> byId.put((String) r.getField("id"), (Float[]) r.getField("embedding")));
        assertThat(byId.keySet()).containsExactlyInAnyOrder("ok-1", "ok-2");
        float[] alone = reference.embed(List.of("hello world"))[0];
        for (int d = 0; d < alone.length; d++) {
            assertThat(Math.abs(byId.get("ok-1")[d] - alone[d])).isLessThanOrEqualTo((float) EmbeddingModel.INVARIANCE_TOLERANCE);
        }
    }

    @Test
    void optionErrorsNameTheProblemWhenTheQueryIsPlanned() {
        StreamTableEnvironment tables = tables();
        tables.executeSql(documentsView());
        tables.executeSql(model("missing", "gpt-7", ""));
        tables.executeSql("CREATE MODEL two_inputs INPUT (title STRING, text STRING) OUTPUT (embedding ARRAY<FLOAT>)"
                + " WITH ('provider' = 'streaminfer', 'model' = 'all-minilm-l6-v2')");
        tables.executeSql("CREATE MODEL doubles INPUT (text STRING) OUTPUT (embedding ARRAY<DOUBLE>)"
                + " WITH ('provider' = 'streaminfer', 'model' = 'all-minilm-l6-v2')");
        tables.executeSql(model("typo", "all-minilm-l6-v2", ", 'max-text' = '8'"));

        assertThatThrownBy(() -> tables.explainSql(predict("missing")))
                .hasStackTraceContaining("unknown model 'gpt-7' in option 'model'; known models: all-minilm-l6-v2-q,"
                        + " bge-small-en-v15-q, all-minilm-l6-v2, bge-small-en-v15");
        assertThatThrownBy(() -> tables.explainSql(
                "SELECT * FROM ML_PREDICT(TABLE docs, MODEL two_inputs, DESCRIPTOR(id, text))"))
                .hasStackTraceContaining("provider 'streaminfer' needs INPUT to be one STRING column (the text to"
                        + " embed), got (title STRING, text STRING)");
        assertThatThrownBy(() -> tables.explainSql(predict("doubles")))
                .hasStackTraceContaining("provider 'streaminfer' needs OUTPUT to be one ARRAY<FLOAT> column (the"
                        + " embedding), got (embedding ARRAY<DOUBLE>)");
        assertThatThrownBy(() -> tables.explainSql(predict("typo")))
                .hasStackTraceContaining("Unsupported options")
                .hasStackTraceContaining("max-text");
    }

    private static String predict(String model) {
        return "SELECT id, embedding FROM ML_PREDICT(TABLE docs, MODEL " + model + ", DESCRIPTOR(text))";
    }

    private static String documentsView() {
        return "CREATE TEMPORARY VIEW docs AS SELECT * FROM (VALUES ('ok-1', 'hello world'), ('blank', '" + BLANK
                + "'), ('ok-2', 'second document'), ('too-long', '" + TOO_LONG + "')) AS t(id, text)";
    }

    private static String model(String name, String model, String moreOptions) {
        return "CREATE MODEL " + name + " INPUT (text STRING) OUTPUT (embedding ARRAY<FLOAT>) WITH ('provider' ="
                + " 'streaminfer', 'model' = '" + model + "'" + moreOptions + ")";
    }

    private static List<Row> collect(TableResult result) throws Exception {
        List<Row> rows = new ArrayList<>();
        try (CloseableIterator<Row> it = result.collect()) {
            it.forEachRemaining(rows::add);
        }
        return rows;
    }

    private static String replaceOnce(String script, String literal, String replacement) {
        int at = script.indexOf(literal);
        assertThat(at).as("the example contains %s", literal).isGreaterThanOrEqualTo(0);
        assertThat(script.indexOf(literal, at + 1)).as("the example contains %s once", literal).isEqualTo(-1);
        return script.replace(literal, replacement);
    }

    private void produce(String topic, Map<String, String> documents) throws Exception {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, SERVICES.kafkaBootstrapServers());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(),
                new StringSerializer())) {
            for (Map.Entry<String, String> d : documents.entrySet()) {
                String value = json.writeValueAsString(Map.of("id", d.getKey(), "text", d.getValue()));
                producer.send(new ProducerRecord<>(topic, d.getKey(), value)).get();
            }
        }
    }

    /** The rows of this test's documents in document_embeddings, once there are {@code expected}. */
    private Map<String, JsonNode> awaitRows(int expected, long timeoutNanos) throws Exception {
        long deadline = System.nanoTime() + timeoutNanos;
        Map<String, JsonNode> rows = new HashMap<>();
        try (Connection db = DriverManager.getConnection(SERVICES.postgresUrl(), SERVICES.postgresUser(),
                SERVICES.postgresPassword());
             PreparedStatement query = db.prepareStatement(
                     "SELECT id, embedding::text FROM document_embeddings WHERE id LIKE ?")) {
            query.setString(1, suffix + "-%");
            while (true) {
                rows.clear();
                try (ResultSet rs = query.executeQuery()) {
                    while (rs.next()) {
                        String vector = rs.getString(2);
                        rows.put(rs.getString(1), vector == null ? json.nullNode() : json.readTree(vector));
                    }
                }
                if (rows.size() >= expected || System.nanoTime() > deadline) {
                    return rows;
                }
                Thread.sleep(500);
            }
        }
    }
}
