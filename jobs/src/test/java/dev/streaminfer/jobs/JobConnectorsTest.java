package dev.streaminfer.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streaminfer.contract.quota.QuotaUpdate;
import dev.streaminfer.functions.model.RawRecord;
import dev.streaminfer.localstack.Provisioning;
import dev.streaminfer.localstack.TopicSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.api.common.eventtime.TimestampAssignerSupplier;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.util.clock.ManualClock;
import org.apache.flink.util.clock.RelativeClock;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** The sources' event time, the refunds sink's topic, and the topics the local stack creates for them. */
class JobConnectorsTest {

    private static final long T0 = 1_795_000_000_000L;
    private static final Duration SKEW = Duration.ofMinutes(5);

    private static Configuration defaults() {
        return JobOptions.resolve(new String[0], Map.of());
    }

    // ---- refunds: their own topic --------------------------------------------------------------

    @Test
    void theRefundsSinkWritesToTheRefundsTopicKeyedByUserAndAPlanWouldGoToTheCompactedTopic() {
        var serializer = new JobConnectors(defaults()).refundsSerializer();

        ProducerRecord<byte[], byte[]> refund = serializer.serialize(QuotaUpdate.refund("alice", "r-1", 120, T0), null, T0);
        ProducerRecord<byte[], byte[]> plan = serializer.serialize(
                QuotaUpdate.planChange("alice", "pro", null, null, T0), null, T0);

        assertThat(refund.topic()).isEqualTo(JobOptions.QUOTA_REFUNDS_TOPIC.defaultValue()).isEqualTo("quota-refunds");
        assertThat(new String(refund.key(), StandardCharsets.UTF_8)).isEqualTo("alice");
        assertThat(plan.topic()).isEqualTo(JobOptions.QUOTA_UPDATES_TOPIC.defaultValue()).isEqualTo("quota-updates");
    }

    @Test
    void theRefundsTopicIsConfigurable() {
        Configuration conf = JobOptions.resolve(new String[] {"--streaminfer.topics.quota-refunds", "refunds-eu"}, Map.of());

        assertThat(new JobConnectors(conf).refundsSerializer()
                .serialize(QuotaUpdate.refund("alice", "r-1", 1, T0), null, null).topic()).isEqualTo("refunds-eu");
    }

    @Test
    void refundsOnTheCompactedPlansTopicAreRefusedAtStart() {
        Configuration conf = JobOptions.resolve(new String[] {"--streaminfer.topics.quota-refunds", "quota-updates"}, Map.of());

        assertThatThrownBy(() -> new JobConnectors(conf))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("streaminfer.topics.quota-refunds")
                .hasMessageContaining("streaminfer.topics.quota-updates");
    }

    @Test
    void theJobReadsRequestsPlanChangesAndRefundsAndWritesRefundsToTheirTopic() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        InferenceJob.define(env, defaults());

        List<String> operators = env.getStreamGraph().getStreamNodes().stream().map(StreamNode::getOperatorName).toList();

        assertThat(operators).contains("Source: kafka: inference-requests", "Source: kafka: quota-updates",
                "Source: kafka: quota-refunds", "kafka: quota-refunds: Writer", "event time ends");
        assertThat(operators).noneMatch(name -> name.contains("quota-updates") && name.contains("Writer"));
    }

    @Test
    void theLocalStackCreatesTheRefundsTopicWithTimeRetentionAndThePlansTopicCompacted() {
        Map<String, TopicSpec> topics = Provisioning.TOPICS.stream()
                .collect(Collectors.toMap(TopicSpec::name, Function.identity()));

        TopicSpec refunds = topics.get(JobOptions.QUOTA_REFUNDS_TOPIC.defaultValue());
        assertThat(refunds).as("quota-refunds in Provisioning.TOPICS").isNotNull();
        assertThat(refunds.configs()).containsEntry("cleanup.policy", "delete")
                .containsEntry("retention.ms", Long.toString(Duration.ofDays(7).toMillis()));
        assertThat(refunds.partitions()).isEqualTo(topics.get(JobOptions.REQUESTS_TOPIC.defaultValue()).partitions());
        assertThat(topics.get(JobOptions.QUOTA_UPDATES_TOPIC.defaultValue()).configs())
                .containsEntry("cleanup.policy", "compact");
        for (var option : List.of(JobOptions.REQUESTS_TOPIC, JobOptions.RESULTS_TOPIC, JobOptions.DLQ_TOPIC,
                JobOptions.QUOTA_UPDATES_TOPIC, JobOptions.QUOTA_REFUNDS_TOPIC)) {
            assertThat(topics).as("the default of " + option.key()).containsKey(option.defaultValue());
        }
    }

    // ---- event time ----------------------------------------------------------------------------

    private static RawRecord recordAt(long kafkaTimestamp) {
        return new RawRecord(null, new byte[0], "inference-requests", 0, 0, kafkaTimestamp, null);
    }

    /** What one partition's watermark generator emits. */
    private static final class Emitted implements WatermarkOutput {
        final List<Long> watermarks = new ArrayList<>();
        boolean idle;

        @Override
        public void emitWatermark(Watermark watermark) {
            watermarks.add(watermark.getTimestamp());
            idle = false;
        }

        @Override
        public void markIdle() {
            idle = true;
        }

        @Override
        public void markActive() {
            idle = false;
        }

        long last() {
            return watermarks.get(watermarks.size() - 1);
        }
    }

    private static WatermarkGenerator<RawRecord> generator(WatermarkStrategy<RawRecord> strategy, RelativeClock clock) {
        return strategy.createWatermarkGenerator(new WatermarkGeneratorSupplier.Context() {
            @Override
            public MetricGroup getMetricGroup() {
                return new UnregisteredMetricsGroup();
            }

            @Override
            public RelativeClock getInputActivityClock() {
                return clock;
            }
        });
    }

    @Test
    void eventTimeIsTheKafkaRecordTimestamp() {
        var assigner = JobConnectors.watermarks(SKEW).createTimestampAssigner(new TimestampAssignerSupplier.Context() {
            @Override
            public MetricGroup getMetricGroup() {
                return new UnregisteredMetricsGroup();
            }
        });

        assertThat(assigner.extractTimestamp(recordAt(T0), 42)).isEqualTo(T0);
    }

    @Test
    void theWatermarkTrailsThePartitionsNewestTimestampByTheClockSkewAndNeverMovesBack() {
        ManualClock clock = new ManualClock(Duration.ofHours(1).toNanos());
        WatermarkGenerator<RawRecord> partition = generator(JobConnectors.watermarks(SKEW), clock);
        Emitted out = new Emitted();

        partition.onEvent(recordAt(T0), T0, out);
        partition.onEvent(recordAt(T0 - Duration.ofMinutes(3).toMillis()), T0 - Duration.ofMinutes(3).toMillis(), out);
        partition.onPeriodicEmit(out);

        assertThat(out.last()).as("a producer whose clock is behind by up to the skew is not late")
                .isEqualTo(T0 - SKEW.toMillis() - 1);
        assertThat(out.idle).isFalse();
    }

    @Test
    void aPartitionSilentForTheIdleTimeoutStopsHoldingTheWatermarkBackAndCountsAgainWhenItDelivers() {
        ManualClock clock = new ManualClock(Duration.ofHours(1).toNanos());
        WatermarkGenerator<RawRecord> partition = generator(JobConnectors.watermarks(SKEW), clock);
        Emitted out = new Emitted();
        partition.onEvent(recordAt(T0), T0, out);
        partition.onPeriodicEmit(out);
        partition.onPeriodicEmit(out); // the first periodic look that finds nothing new: silence begins

        clock.advanceTime(JobConnectors.SOURCE_IDLENESS.minusSeconds(1));
        partition.onPeriodicEmit(out);
        assertThat(out.idle).as("silent for less than the timeout").isFalse();
        assertThat(out.last()).isEqualTo(T0 - SKEW.toMillis() - 1);

        clock.advanceTime(Duration.ofSeconds(2));
        partition.onPeriodicEmit(out);
        assertThat(out.idle).as("silent for longer than the timeout").isTrue();

        partition.onEvent(recordAt(T0 + 1_000), T0 + 1_000, out);
        partition.onPeriodicEmit(out);
        assertThat(out.idle).isFalse();
        assertThat(out.last()).isEqualTo(T0 + 1_000 - SKEW.toMillis() - 1);
    }
}
