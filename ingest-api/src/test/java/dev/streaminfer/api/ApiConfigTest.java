package dev.streaminfer.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiConfigTest {

    @Test
    void defaults_are_the_local_stack() {
        ApiConfig c = ApiConfig.fromEnvironment(Map.of());
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.kafkaBootstrapServers()).isEqualTo("localhost:19092");
        assertThat(c.postgresUrl()).isEqualTo("jdbc:postgresql://localhost:15432/inference");
        assertThat(c.postgresUser()).isEqualTo("inference");
        assertThat(c.postgresPassword()).isEqualTo("inference");
        assertThat(c.redisUrl()).isEqualTo("redis://localhost:16379");
        assertThat(c.requestsTopic()).isEqualTo("inference-requests");
        assertThat(c.quotaUpdatesTopic()).isEqualTo("quota-updates");
        assertThat(c.maxBodyBytes()).isEqualTo(1 << 20);
        assertThat(c.maxWait()).isEqualTo(Duration.ofSeconds(30));
        assertThat(c.keyCacheTtl()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.idempotencyTtl()).isEqualTo(Duration.ofHours(24));
    }

    @Test
    void environment_overrides() {
        ApiConfig c = ApiConfig.fromEnvironment(Map.of("API_PORT", "0", "KAFKA_BOOTSTRAP_SERVERS", "k:1",
                "POSTGRES_URL", "jdbc:postgresql://p/db", "POSTGRES_USER", "u", "POSTGRES_PASSWORD", "pw",
                "REDIS_URL", "redis://r:2", "API_KAFKA_TIMEOUT_MS", "1500"));
        assertThat(c.port()).isZero();
        assertThat(c.kafkaBootstrapServers()).isEqualTo("k:1");
        assertThat(c.redisUrl()).isEqualTo("redis://r:2");
        assertThat(c.kafkaTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.toString()).doesNotContain("pw");
    }

    @Test
    void bad_values_are_named() {
        assertThatThrownBy(() -> ApiConfig.fromEnvironment(Map.of("API_PORT", "eighty")))
                .hasMessageContaining("API_PORT");
        assertThatThrownBy(() -> ApiConfig.fromEnvironment(Map.of("API_KAFKA_TIMEOUT_MS", "0")))
                .hasMessageContaining("kafkaTimeout");
    }

    @Test
    void builder_round_trips() {
        ApiConfig c = ApiConfig.builder().port(0).kafkaTimeout(Duration.ofSeconds(2)).build();
        assertThat(c.toBuilder().build()).isEqualTo(c);
    }

    @Test
    void every_option_has_an_env_name_default_and_description() {
        assertThat(ApiConfig.OPTIONS).allSatisfy(o -> {
            assertThat(o.env()).matches("[A-Z_]+");
            assertThat(o.defaultValue()).isNotNull();
            assertThat(o.description()).isNotBlank();
            if (o.defaultValue().isEmpty()) {
                assertThat(o.description()).as("what an empty %s means", o.env()).contains("empty:");
            }
        });
    }

    @Test
    void job_metrics_urls_are_a_comma_separated_list_of_http_urls() {
        assertThat(ApiConfig.defaults().jobMetricsUrls()).isEmpty();
        assertThat(ApiConfig.fromEnvironment(Map.of("API_JOB_METRICS_URLS",
                " http://jm:9249/metrics, http://tm-1:9249/metrics ,")).jobMetricsUrls())
                .containsExactly(URI.create("http://jm:9249/metrics"), URI.create("http://tm-1:9249/metrics"));
        assertThatThrownBy(() -> ApiConfig.fromEnvironment(Map.of("API_JOB_METRICS_URLS", "jm:9249")))
                .hasMessageContaining("API_JOB_METRICS_URLS").hasMessageContaining("jm:9249");
    }
}
