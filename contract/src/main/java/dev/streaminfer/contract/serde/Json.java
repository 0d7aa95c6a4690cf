package dev.streaminfer.contract.serde;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The one Jackson configuration for untrusted JSON. The stream-read limits make hostile input
 * (deep nesting, huge strings or numbers) fail fast with a parse error instead of eating memory.
 */
public final class Json {

    public static final int MAX_NESTING_DEPTH = 32;
    public static final int MAX_NUMBER_LENGTH = 64;
    /** Longer than any body the API accepts (1 MiB), so it only guards direct Kafka producers. */
    public static final int MAX_STRING_LENGTH = 4 * 1024 * 1024;

    private static final ObjectMapper MAPPER = new ObjectMapper(
            JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(MAX_NESTING_DEPTH)
                            .maxNumberLength(MAX_NUMBER_LENGTH)
                            .maxStringLength(MAX_STRING_LENGTH)
                            .build())
                    .build());

    private Json() {}

    /** Thread-safe once configured; callers must not reconfigure it. */
    public static ObjectMapper mapper() {
        return MAPPER;
    }
}
