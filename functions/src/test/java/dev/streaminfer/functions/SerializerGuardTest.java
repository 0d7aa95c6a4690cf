package dev.streaminfer.functions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.functions.batching.BufferedRequest;
import dev.streaminfer.functions.batching.InferenceBatch;
import dev.streaminfer.functions.model.DeadLetter;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.functions.model.RawRecord;
import dev.streaminfer.functions.quota.PlanAssignment;
import dev.streaminfer.functions.quota.QuotaLedger;
import dev.streaminfer.contract.quota.QuotaPlan;
import dev.streaminfer.contract.quota.QuotaUpdate;
import dev.streaminfer.contract.quota.UsageDocument;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every record that crosses the network or lands in state is a POJO, never Kryo. */
class SerializerGuardTest {

    @ParameterizedTest
    @ValueSource(classes = {InferenceRequest.class, InferenceResult.class, RawRecord.class, DeadLetter.class,
            QuotaUpdate.class, QuotaLedger.class, QuotaPlan.class, PlanAssignment.class, UsageDocument.class,
            InferenceBatch.class, BufferedRequest.class})
    void recordIsSerializedAsAPojoWithoutKryo(Class<?> type) {
        TypeInformation<?> info = TypeInformation.of(type);
        assertThat(info).isInstanceOf(PojoTypeInfo.class);
        PojoTypeInfo<?> pojo = (PojoTypeInfo<?>) info;
        for (int i = 0; i < pojo.getArity(); i++) {
            assertThat(pojo.getPojoFieldAt(i).getTypeInformation())
                    .as("field %s", pojo.getPojoFieldAt(i).getField().getName())
                    .isNotInstanceOf(GenericTypeInfo.class);
        }
        TypeSerializer<?> serializer = info.createSerializer(new SerializerConfigImpl());
        assertThat(serializer).isNotInstanceOf(KryoSerializer.class);
    }
}
