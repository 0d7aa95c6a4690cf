package dev.streaminfer.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The test stack against real services: what it provides, and that outages can be injected and healed. */
class LocalStackITCase {

    private static LocalStack stack;
    private static ServiceEndpoints endpoints;

    @BeforeAll
    static void startStack() {
        stack = LocalStack.forTests();
        endpoints = stack.start();
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
            assertThat(stack.baseDir()).doesNotExist();
        }
    }

    @Test
    void kafkaRoundTripsARecord() throws Exception {
        String value = "hello-" + UUID.randomUUID();
        RecordMetadata written = produce(Provisioning.TOPIC_REQUESTS, "user-1", value);
        assertThat(consumeAt(written)).isEqualTo(value);
    }

    @Test
    void kafkaSupportsTransactionsForExactlyOnceSinks() throws Exception {
        Properties props = producerProps();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "local-stack-it-" + UUID.randomUUID());
        // 10 min: above the broker default maximum would be refused; ours allows up to 15 min
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "600000");
        String value = "tx-" + UUID.randomUUID();
        RecordMetadata written;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            producer.initTransactions();
            producer.beginTransaction();
            written = producer.send(new ProducerRecord<>(Provisioning.TOPIC_RESULTS, 0, "req-1", value)).get(30, TimeUnit.SECONDS);
            producer.commitTransaction();
        }
        assertThat(consumeAt(written)).isEqualTo(value);
    }

    @Test
    void topicsOfTheDataContractExist() throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.kafkaBootstrapServers()))) {
            Map<String, TopicDescription> topics = admin.describeTopics(
                    List.of("inference-requests", "quota-updates", "inference-results", "inference-dlq"))
                    .allTopicNames().get(30, TimeUnit.SECONDS);
            assertThat(topics.get("inference-requests").partitions()).hasSize(4);
            assertThat(topics.get("quota-updates").partitions()).hasSize(4);
            assertThat(topics.get("inference-results").partitions()).hasSize(4);
            assertThat(topics.get("inference-dlq").partitions()).hasSize(1);
            ConfigResource quota = new ConfigResource(ConfigResource.Type.TOPIC, "quota-updates");
            Config config = admin.describeConfigs(List.of(quota)).all().get(30, TimeUnit.SECONDS).get(quota);
            assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
        }
        // Provisioning is idempotent: a second run changes nothing and does not fail.
        Provisioning.apply(endpoints);
    }

    @Test
    void migrationsCreatedTheResultsTable() throws Exception {
        assertThat(countResultsTable()).isEqualTo(1);
        assertThat(endpoints.postgresUser()).isEqualTo("inference");
    }

    @Test
    void redisAnswersPing() {
        assertThat(LocalRedis.ping(endpoints.redisHost(), endpoints.redisPort())).isTrue();
    }

    @Test
    void postgresComesBackAfterAnOutage() throws Exception {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS outage_probe (id text primary key)");
            s.execute("INSERT INTO outage_probe VALUES ('" + UUID.randomUUID() + "')");
        }
        stack.stopPostgres();
        assertThatThrownBy(this::connect).isInstanceOf(SQLException.class);
        stack.startPostgres();
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM outage_probe")) {
            rs.next();
            assertThat(rs.getInt(1)).isGreaterThanOrEqualTo(1); // data survived the restart
        }
    }

    @Test
    void redisComesBackAfterAnOutage() {
        stack.stopRedis();
        assertThat(LocalRedis.ping(endpoints.redisHost(), endpoints.redisPort())).isFalse();
        stack.startRedis();
        assertThat(LocalRedis.ping(endpoints.redisHost(), endpoints.redisPort())).isTrue();
    }

    @Test
    void kafkaComesBackAfterAnOutageWithItsData() throws Exception {
        RecordMetadata before = produce(Provisioning.TOPIC_DLQ, "k", "before-outage");
        stack.stopKafka();
        assertThat(Ports.isListening(stack.kafka().orElseThrow().port())).isFalse();
        stack.startKafka();
        assertThat(consumeAt(before)).isEqualTo("before-outage");
        RecordMetadata after = produce(Provisioning.TOPIC_DLQ, "k", "after-outage");
        assertThat(consumeAt(after)).isEqualTo("after-outage");
    }

    @Test
    void externalServicesAreNotStarted() {
        LocalStack external = LocalStack.fromEnvironment(stack.baseDir().resolve("unused"),
                Map.of("KAFKA_BOOTSTRAP_SERVERS", endpoints.kafkaBootstrapServers(),
                        "POSTGRES_URL", endpoints.postgresUrl(),
                        "REDIS_URL", endpoints.redisUrl()));
        assertThat(external.kafka()).isEmpty();
        assertThat(external.postgres()).isEmpty();
        assertThat(external.redis()).isEmpty();
        // Provisions the (here: our test) services it was pointed at, starts nothing, stops nothing.
        ServiceEndpoints e = external.start();
        assertThat(e.kafkaBootstrapServers()).isEqualTo(endpoints.kafkaBootstrapServers());
        assertThat(e.postgresUser()).isEqualTo("inference");
        assertThatThrownBy(external::stopKafka).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("KAFKA_BOOTSTRAP_SERVERS");
        external.close();
        assertThat(LocalRedis.ping(endpoints.redisHost(), endpoints.redisPort())).isTrue();
    }

    // ------------------------------------------------------------------------------------

    private Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", endpoints.postgresUser());
        p.setProperty("password", endpoints.postgresPassword());
        p.setProperty("connectTimeout", "5");
        return DriverManager.getConnection(endpoints.postgresUrl(), p);
    }

    private int countResultsTable() throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT count(*) FROM information_schema.tables"
                        + " WHERE table_schema = 'public' AND table_name = 'inference_results'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static Properties producerProps() {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.kafkaBootstrapServers());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return props;
    }

    private static RecordMetadata produce(String topic, String key, String value) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps())) {
            return producer.send(new ProducerRecord<>(topic, 0, key, value)).get(30, TimeUnit.SECONDS);
        }
    }

    /** Reads the single record at the written offset (read_committed, as the pipeline's consumers do). */
    private static String consumeAt(RecordMetadata written) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.kafkaBootstrapServers());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        TopicPartition tp = new TopicPartition(written.topic(), written.partition());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, written.offset());
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            List<ConsumerRecord<String, String>> seen = new ArrayList<>();
            while (seen.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
            }
            assertThat(seen).as("record at %s", written).isNotEmpty();
            return seen.get(0).value();
        }
    }
}
