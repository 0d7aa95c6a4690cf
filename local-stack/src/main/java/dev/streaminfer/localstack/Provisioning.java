package dev.streaminfer.localstack;

import dev.streaminfer.sql.Migrations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts freshly started (or external) services into the state the pipeline expects: the
 * PostgreSQL schema migrated and the Kafka topics created. Shared by {@link LocalStack} and the
 * Testcontainers stack so both provide exactly the same thing. Every step is idempotent, so it
 * runs on every start, including against a persistent quickstart stack or external services.
 */
public final class Provisioning {

    private static final Logger LOG = LoggerFactory.getLogger(Provisioning.class);

    public static final String TOPIC_REQUESTS = "inference-requests";
    public static final String TOPIC_QUOTA_UPDATES = "quota-updates";
    public static final String TOPIC_QUOTA_REFUNDS = "quota-refunds";
    public static final String TOPIC_RESULTS = "inference-results";
    public static final String TOPIC_DLQ = "inference-dlq";

    /**
     * Largest record batch the results and DLQ topics accept: above the job's default
     * {@code streaminfer.kafka.max-record-bytes} (8 MiB), which holds the largest result the API
     * can cause (256 inputs x 384 dimensions, about 1.6 MB as JSON) with room for wider models.
     */
    public static final int MAX_MESSAGE_BYTES = 9 * 1024 * 1024;

    /**
     * How long a refund stays in {@link #TOPIC_QUOTA_REFUNDS}. The job reads each refund once and
     * applies it once (its offsets are in its checkpoints, the refunded ids in its state), and a
     * refund can only change a day budget for two UTC days after its request, so a week covers a
     * job stopped or lagging for days. A cold start reads at most this much of refunds.
     */
    public static final Duration REFUNDS_RETENTION = Duration.ofDays(7);

    /** Partitions of the requests topic, and of the refunds topic keyed by user like it. */
    private static final int REQUEST_PARTITIONS = 4;

    /** The topics of the data contract (see DESIGN.md, "Kafka topics"). */
    public static final List<TopicSpec> TOPICS = List.of(
            TopicSpec.of(TOPIC_REQUESTS, REQUEST_PARTITIONS),
            TopicSpec.compacted(TOPIC_QUOTA_UPDATES, 4),
            new TopicSpec(TOPIC_QUOTA_REFUNDS, REQUEST_PARTITIONS, Map.of(
                    "cleanup.policy", "delete",
                    "retention.ms", Long.toString(REFUNDS_RETENTION.toMillis()))),
            TopicSpec.of(TOPIC_RESULTS, 4).withMaxMessageBytes(MAX_MESSAGE_BYTES),
            TopicSpec.of(TOPIC_DLQ, 1).withMaxMessageBytes(MAX_MESSAGE_BYTES));

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private Provisioning() {}

    /** Applies the migrations and creates {@link #TOPICS}. */
    public static void apply(ServiceEndpoints endpoints) {
        long t0 = System.nanoTime();
        int migrations = Migrations.apply(endpoints.postgresUrl(), endpoints.postgresUser(), endpoints.postgresPassword());
        long t1 = System.nanoTime();
        createTopics(endpoints.kafkaBootstrapServers(), TOPICS);
        long t2 = System.nanoTime();
        LOG.info("Provisioned services: {} migration(s) applied in {} ms, topics {} ready in {} ms",
                migrations, (t1 - t0) / 1_000_000, TOPICS.stream().map(TopicSpec::name).toList(), (t2 - t1) / 1_000_000);
    }

    /**
     * Creates the topics that do not exist yet (existing ones are left as they are, even if
     * their partition count differs) and waits until every partition of every requested topic
     * has a leader, so producers can write at once.
     */
    public static void createTopics(String bootstrapServers, Collection<TopicSpec> topics) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "streaminfer-provisioning");
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "30000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(TIMEOUT.toMillis()));
        try (Admin admin = Admin.create(props)) {
            List<NewTopic> newTopics = new ArrayList<>();
            for (TopicSpec spec : topics) {
                newTopics.add(new NewTopic(spec.name(), java.util.Optional.of(spec.partitions()), java.util.Optional.empty())
                        .configs(spec.configs()));
            }
            CreateTopicsResult result = admin.createTopics(newTopics);
            for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> entry : result.values().entrySet()) {
                try {
                    entry.getValue().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                    LOG.debug("Created topic {}", entry.getKey());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + entry.getKey() + " on " + bootstrapServers
                                + ": " + e.getCause(), e.getCause());
                    }
                }
            }
            applyConfigs(admin, topics);
            awaitLeaders(admin, topics.stream().map(TopicSpec::name).toList(), bootstrapServers);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out creating topics on " + bootstrapServers, e);
        }
    }

    /** Topics made by an older version keep their partitions but get today's topic-level configs. */
    private static void applyConfigs(Admin admin, Collection<TopicSpec> topics)
            throws InterruptedException, TimeoutException {
        Map<org.apache.kafka.common.config.ConfigResource, Collection<org.apache.kafka.clients.admin.AlterConfigOp>> ops =
                new java.util.HashMap<>();
        for (TopicSpec spec : topics) {
            if (spec.configs().isEmpty()) {
                continue;
            }
            List<org.apache.kafka.clients.admin.AlterConfigOp> set = new ArrayList<>();
            spec.configs().forEach((k, v) -> set.add(new org.apache.kafka.clients.admin.AlterConfigOp(
                    new org.apache.kafka.clients.admin.ConfigEntry(k, v), org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)));
            ops.put(new org.apache.kafka.common.config.ConfigResource(
                    org.apache.kafka.common.config.ConfigResource.Type.TOPIC, spec.name()), set);
        }
        if (ops.isEmpty()) {
            return;
        }
        try {
            admin.incrementalAlterConfigs(ops).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot apply topic configs: " + e.getCause(), e.getCause());
        }
    }

    private static void awaitLeaders(Admin admin, List<String> names, String bootstrapServers)
            throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                Map<String, TopicDescription> descriptions =
                        admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
                boolean ready = descriptions.values().stream()
                        .flatMap(d -> d.partitions().stream())
                        .map(TopicPartitionInfo::leader)
                        .allMatch(leader -> leader != null && !leader.isEmpty());
                if (ready && descriptions.keySet().containsAll(Set.copyOf(names))) {
                    return;
                }
            } catch (ExecutionException | TimeoutException e) {
                last = e; // metadata not propagated yet (UnknownTopicOrPartition): retry
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("topics " + names + " on " + bootstrapServers
                + " have no leader after " + TIMEOUT.toSeconds() + " s", last);
    }
}
