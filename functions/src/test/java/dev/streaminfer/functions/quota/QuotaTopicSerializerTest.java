package dev.streaminfer.functions.quota;

import static dev.streaminfer.functions.quota.QuotaTestData.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streaminfer.contract.quota.QuotaUpdate;
import dev.streaminfer.contract.quota.QuotaUpdateCodec;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class QuotaTopicSerializerTest {

    private final QuotaTopicSerializer serializer = new QuotaTopicSerializer("quota-updates", "quota-refunds");

    @Test
    void aRefundGoesToTheRefundsTopicKeyedByItsUserStampedWithTheTimeOfWriting() {
        QuotaUpdate refund = QuotaUpdate.refund("alice", "r-1", 120, T0);

        ProducerRecord<byte[], byte[]> record = serializer.serialize(refund, null, T0 - 86_400_000L);

        assertThat(record.topic()).isEqualTo("quota-refunds");
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("alice");
        assertThat(record.partition()).as("the producer's partitioner picks the user's partition").isNull();
        assertThat(record.timestamp())
                .as("not the request's (possibly days old) time: retention counts from the write").isNull();
        assertThat(QuotaUpdateCodec.decode(record.value(), 0).update()).isEqualTo(refund);
    }

    @Test
    void aPlanChangeGoesToTheCompactedPlansTopicKeyedByItsUser() {
        QuotaUpdate plan = QuotaUpdate.planChange("alice", "pro", null, 9_000L, T0);

        ProducerRecord<byte[], byte[]> record = serializer.serialize(plan, null, null);

        assertThat(record.topic()).isEqualTo("quota-updates");
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("alice");
        assertThat(QuotaUpdateCodec.decode(record.value(), 0).update()).isEqualTo(plan);
    }

    @Test
    void refusesOneTopicForBoth() {
        assertThatThrownBy(() -> new QuotaTopicSerializer("quota-updates", "quota-updates"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("different topics");
    }

    @Test
    void survivesJavaSerializationAsFlinkShipsIt() throws Exception {
        QuotaTopicSerializer copy = org.apache.flink.util.InstantiationUtil.clone(serializer);

        assertThat(copy.serialize(QuotaUpdate.refund("bob", "r-2", 1, T0), null, null).topic()).isEqualTo("quota-refunds");
    }
}
