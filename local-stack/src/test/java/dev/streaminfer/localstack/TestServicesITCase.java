package dev.streaminfer.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import org.junit.jupiter.api.Test;

/** The shared holder other modules' tests use. */
class TestServicesITCase {

    @Test
    void sharesOneProvisionedSetOfServicesPerJvm() throws Exception {
        TestServices services = TestServices.get();
        assertThat(TestServices.get()).isSameAs(services);
        assertThat(services.reason()).isNotBlank();
        if (System.getenv(TestServices.ENV_SELECT) == null && services.backend() == TestServices.Backend.LOCAL) {
            assertThat(services.reason()).contains("no Docker engine");
        }
        ServiceEndpoints e = services.endpoints();
        try (Connection c = DriverManager.getConnection(e.postgresUrl(), e.postgresUser(), e.postgresPassword())) {
            assertThat(c.getMetaData().getTables(null, "public", "inference_results", null).next()).isTrue();
        }
        assertThat(LocalRedis.ping(e.redisHost(), e.redisPort())).isTrue();
    }

    @Test
    void controlInjectsAndHealsAnOutage() {
        TestServices services = TestServices.get();
        ServiceEndpoints e = services.endpoints();
        try {
            services.control().stopRedis();
            if (services.backend() == TestServices.Backend.LOCAL) {
                assertThat(LocalRedis.ping(e.redisHost(), e.redisPort())).isFalse();
            }
        } finally {
            services.control().startRedis();
        }
        assertThat(LocalRedis.ping(e.redisHost(), e.redisPort())).isTrue();
    }
}
