package dev.streaminfer.backfill;

import dev.streaminfer.functions.SerializerGuard;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The backfill's records that cross the network (input lines, outcomes) are POJOs, never Kryo. */
class SerializerGuardTest {

    @ParameterizedTest
    @ValueSource(classes = {InputLine.class, Outcome.class})
    void recordIsSerializedAsAPojoWithoutKryo(Class<?> type) {
        SerializerGuard.assertPojoWithoutKryo(type);
    }
}
