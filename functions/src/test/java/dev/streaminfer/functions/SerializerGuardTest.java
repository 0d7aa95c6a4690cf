package dev.streaminfer.functions;

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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every record that crosses the network or lands in state is a POJO, never Kryo. */
class SerializerGuardTest {

    @ParameterizedTest
    @ValueSource(classes = {InferenceRequest.class, InferenceResult.class, RawRecord.class, DeadLetter.class,
            QuotaUpdate.class, QuotaLedger.class, QuotaPlan.class, PlanAssignment.class, UsageDocument.class,
            InferenceBatch.class, BufferedRequest.class})
    void recordIsSerializedAsAPojoWithoutKryo(Class<?> type) {
        SerializerGuard.assertPojoWithoutKryo(type);
    }
}
