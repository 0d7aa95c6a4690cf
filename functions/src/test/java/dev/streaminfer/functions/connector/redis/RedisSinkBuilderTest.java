package dev.streaminfer.functions.connector.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RedisSinkBuilderTest {

    private static final RedisWriteMapper<String> MAPPER = s -> List.of(RedisWrite.withoutExpiry(s, s));

    @Test
    void onlyTheUriAndTheMapperAreRequired() {
        RedisSink<String> sink = RedisSink.<String>builder().setRedisUri("redis://127.0.0.1:6379").setWriteMapper(MAPPER)
                .build();
        assertThat(sink.options()).isEqualTo(RedisSinkOptions.DEFAULTS);
    }

    @Test
    void everyOptionReachesTheSink() {
        RedisSink<String> sink = RedisSink.<String>builder().setRedisUri("redis://127.0.0.1:6379").setWriteMapper(MAPPER)
                .setMaxInFlight(7).setMaxRetries(2).setBackoff(Duration.ofMillis(5), Duration.ofMillis(50))
                .setCommandTimeout(Duration.ofMillis(300)).build();
        assertThat(sink.options()).isEqualTo(new RedisSinkOptions(7, 2, Duration.ofMillis(5), Duration.ofMillis(50),
                Duration.ofMillis(300)));
    }

    @Test
    void missingOrInvalidSettingsFailAtBuildTime() {
        assertThatThrownBy(() -> RedisSink.<String>builder().setWriteMapper(MAPPER).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("URI");
        assertThatThrownBy(() -> RedisSink.<String>builder().setRedisUri("redis://h:1").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mapper");
        assertThatThrownBy(() -> RedisSink.<String>builder().setRedisUri("not a uri").setWriteMapper(MAPPER).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RedisSink.<String>builder().setRedisUri("redis://h:1").setWriteMapper(MAPPER)
                .setMaxInFlight(0).build()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxInFlight");
        assertThatThrownBy(() -> RedisSink.<String>builder().setRedisUri("redis://h:1").setWriteMapper(MAPPER)
                .setBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)).build())
                .isInstanceOf(IllegalArgumentException.class);
    }
}
