package dev.streaminfer.api.service;

import static dev.streaminfer.api.service.ServiceFixtures.ADMIN;
import static dev.streaminfer.api.service.ServiceFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streaminfer.api.ApiException;
import dev.streaminfer.api.kafka.TestingPublisher;
import dev.streaminfer.api.quota.QuotaSettings;
import dev.streaminfer.api.request.QuotaBodyParser;
import dev.streaminfer.contract.quota.QuotaUpdate;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class QuotaServiceTest {

    private final ServiceFixtures f = new ServiceFixtures();
    private final QuotaService quotas = f.quotas();

    private QuotaService.QuotaChange put(String userId, String body) {
        return quotas.update(ADMIN, userId, QuotaBodyParser.parse(body.getBytes(StandardCharsets.UTF_8)));
    }

    private static int statusOf(Runnable call) {
        try {
            call.run();
        } catch (ApiException e) {
            return e.error().status();
        }
        throw new AssertionError("no ApiException");
    }

    @Test
    void aChangeIsStoredAndPublishedAsTheCompleteState() {
        f.overrides.keyPlan("alice", "free");

        QuotaService.QuotaChange change = put("alice", "{\"tokens_per_day\":1000}");

        assertThat(change.settings()).isEqualTo(new QuotaSettings("free", null, 1_000L));
        assertThat(change.updatedAt()).isEqualTo(T0.toEpochMilli());
        assertThat(f.publisher.quotaUpdates).containsExactly(
                QuotaUpdate.planChange("alice", "free", null, 1_000L, T0.toEpochMilli()));
        assertThat(quotas.current("alice", "free")).isEqualTo(change.settings());
    }

    @Test
    void absentFieldsKeepTheirValueAndNullGoesBackToThePlansOwn() {
        put("bob", "{\"plan\":\"pro\",\"tokens_per_minute\":50,\"tokens_per_day\":60}");

        assertThat(put("bob", "{\"tokens_per_minute\":null}").settings()).isEqualTo(new QuotaSettings("pro", null, 60L));
    }

    @Test
    void anUnknownPlanIsRefusedAndNothingIsPublished() {
        assertThatThrownBy(() -> put("carol", "{\"plan\":\"platinum-unknown\"}"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.error().status()).isEqualTo(400);
                    assertThat(e.error().code()).isEqualTo("unknown_plan");
                });
        assertThat(f.publisher.quotaUpdates).isEmpty();
        assertThat(quotas.current("carol", "free")).isEqualTo(QuotaSettings.planOnly("free"));
    }

    @Test
    void anInvalidUserIdIs400() {
        assertThat(statusOf(() -> put("no spaces allowed", "{\"plan\":\"pro\"}"))).isEqualTo(400);
    }

    @Test
    void kafkaDownChangesNothing() {
        f.publisher.failing = true;

        assertThatThrownBy(() -> put("dave", "{\"plan\":\"pro\"}"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.error().status()).isEqualTo(503);
                    assertThat(e.error().code()).isEqualTo("kafka_unavailable");
                });
        assertThat(quotas.current("dave", "free")).isEqualTo(QuotaSettings.planOnly("free"));
    }

    @Test
    void aPlanNameIsKnownCaseInsensitivelyLikeTheJobKnowsIt() {
        QuotaService.QuotaChange change = put("gina", "{\"plan\":\"PRO\"}");

        assertThat(change.settings().plan()).isEqualTo("pro");
        assertThat(f.publisher.quotaUpdates).extracting(QuotaUpdate::plan).containsExactly("pro");
    }

    @Test
    void aChangeKafkaAcknowledgedIsNeverAnsweredWithAnErrorEvenIfTheCommitFails() {
        f.overrides.failingCommits = 1;

        QuotaService.QuotaChange change = put("hank", "{\"plan\":\"pro\",\"tokens_per_day\":7}");

        assertThat(change.settings()).isEqualTo(new QuotaSettings("pro", null, 7L));
        assertThat(f.publisher.quotaUpdates).hasSize(1);
        assertThat(quotas.current("hank", "free")).as("stored again").isEqualTo(change.settings());
    }

    @Test
    void aChangeKafkaAcknowledgedIsAnswered200EvenIfPostgresStaysDown() {
        f.overrides.failingCommits = 2;

        assertThat(put("ivy", "{\"tokens_per_day\":7}").settings().tokensPerDay()).isEqualTo(7L);
        assertThat(f.publisher.quotaUpdates).hasSize(1);
    }

    @Test
    void aWriteKafkaDidNotConfirmIsStoredAndAnswered503OutcomeUnknown() {
        f.publisher.mode = TestingPublisher.Mode.TIMEOUT_WRITTEN;

        assertThatThrownBy(() -> put("jo", "{\"tokens_per_day\":7}"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.error().status()).isEqualTo(503);
                    assertThat(e.error().code()).isEqualTo("outcome_unknown");
                    assertThat(e.error().message()).contains("Repeat the same PUT");
                });
        assertThat(quotas.current("jo", "free").tokensPerDay()).as("stored: the job may apply it").isEqualTo(7L);

        f.publisher.mode = TestingPublisher.Mode.ACK;
        assertThat(put("jo", "{\"tokens_per_day\":7}").settings().tokensPerDay()).isEqualTo(7L);
    }

    @Test
    void postgresDownIs503() {
        f.overrides.down = true;

        assertThat(statusOf(() -> put("erin", "{\"plan\":\"pro\"}"))).isEqualTo(503);
        assertThat(statusOf(() -> quotas.current("erin", "free"))).isEqualTo(503);
    }
}
