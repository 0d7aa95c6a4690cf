package dev.streaminfer.api.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * How far the job's consumer group is behind on the requests topic: per partition, the log end
 * offset minus the group's committed offset. The job commits its offsets when a checkpoint
 * completes, so the lag also counts records read since the last checkpoint (up to one checkpoint
 * interval's worth); a partition the group never committed counts from the log start.
 */
public final class ConsumerLag implements AutoCloseable {

    /** One partition: {@code committed} is null if the group has no offset there. */
    public record Partition(int partition, long endOffset, Long committed, long lag) {}

    public record Lag(String group, String topic, long total, List<Partition> partitions) {}

    private final Admin admin;
    private final Duration timeout;

    public ConsumerLag(String bootstrapServers, Duration timeout) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, "streaminfer-ingest-api-stats");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(Math.max(500, timeout.toMillis())));
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(Math.max(500, timeout.toMillis())));
        this.admin = Admin.create(p);
        this.timeout = timeout;
    }

    /** @throws KafkaUnavailableException if Kafka does not answer within the timeout */
    public Lag of(String group, String topic) {
        try {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(topic);
            List<TopicPartition> partitions = description.partitions().stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(
                    partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
                    .all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> starts = admin.listOffsets(
                    partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.earliest())))
                    .all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            List<Partition> out = new ArrayList<>();
            long total = 0;
            for (TopicPartition tp : partitions) {
                long end = ends.get(tp).offset();
                OffsetAndMetadata at = committed.get(tp);
                long from = at != null ? at.offset() : starts.get(tp).offset();
                long lag = Math.max(0, end - from);
                total += lag;
                out.add(new Partition(tp.partition(), end, at == null ? null : at.offset(), lag));
            }
            out.sort(Comparator.comparingInt(Partition::partition));
            return new Lag(group, topic, total, List.copyOf(out));
        } catch (ExecutionException | TimeoutException e) {
            throw new KafkaUnavailableException("Kafka: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaUnavailableException("interrupted", e);
        }
    }

    /** Kafka could not be asked. */
    public static final class KafkaUnavailableException extends RuntimeException {
        KafkaUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(1));
    }
}
