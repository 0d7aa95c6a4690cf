package dev.streaminfer.api.service;

import dev.streaminfer.contract.concurrent.Futures;
import static dev.streaminfer.api.service.ServiceFixtures.ALICE;
import static dev.streaminfer.api.service.ServiceFixtures.BOB;
import static dev.streaminfer.api.service.ServiceFixtures.embed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streaminfer.api.ApiException;
import dev.streaminfer.contract.model.RequestStatus;
import org.junit.jupiter.api.Test;

class RequestServiceTest {

    private final ServiceFixtures f = new ServiceFixtures();
    private final RequestService requests = f.requests();

    private String accepted() {
        return Futures.join(f.inference().submit(ALICE, embed("x"), null, null)).requestId();
    }

    @Test
    void own_request_is_queued_until_the_job_writes_its_result() {
        String id = accepted();
        assertThat(requests.status(ALICE, id).orElseThrow().path("status").asText()).isEqualTo("queued");

        f.jobWrites(id, "alice", RequestStatus.COMPLETED);
        assertThat(requests.status(ALICE, id).orElseThrow().path("status").asText()).isEqualTo("completed");
    }

    @Test
    void other_users_and_unknown_and_implausible_ids_are_all_empty() {
        String id = accepted();
        assertThat(requests.status(BOB, id)).isEmpty();
        assertThat(requests.status(ALICE, "unknown")).isEmpty();
        assertThat(requests.status(ALICE, "../../etc")).isEmpty();
        f.jobWrites(id, "alice", RequestStatus.COMPLETED);
        assertThat(requests.status(BOB, id)).isEmpty();
        assertThat(requests.cancel(BOB, id)).isEqualTo(RequestService.CancelOutcome.NOT_FOUND);
    }

    @Test
    void cancel_records_markers_in_redis_and_kafka_and_status_reads_cancel_requested() {
        String id = accepted();

        assertThat(requests.cancel(ALICE, id)).isEqualTo(RequestService.CancelOutcome.REQUESTED);

        assertThat(f.store.cancelMarker(id).orElseThrow()).contains("\"request_id\":\"" + id + "\"");
        assertThat(f.publisher.cancels).singleElement().satisfies(m -> {
            assertThat(m.requestId()).isEqualTo(id);
            assertThat(m.userId()).isEqualTo("alice");
        });
        var doc = requests.status(ALICE, id).orElseThrow();
        assertThat(doc.path("status").asText()).isEqualTo("cancel_requested");
        assertThat(doc.path("cancel_requested_at").asText()).isEqualTo("2026-11-22T10:00:00Z");
        assertThat(doc.has("error")).as("not an outcome yet").isFalse();
        assertThat(doc.path("usage").path("charged_tokens").asInt()).isZero();
    }

    @Test
    void cancel_is_idempotent_and_resends_the_same_marker() {
        String id = accepted();
        requests.cancel(ALICE, id);
        assertThat(requests.cancel(ALICE, id)).isEqualTo(RequestService.CancelOutcome.REQUESTED);
        assertThat(f.publisher.cancels).hasSize(2);
        assertThat(f.publisher.cancels.get(1)).isEqualTo(f.publisher.cancels.get(0));
    }

    @Test
    void final_results_cannot_be_cancelled_and_win_over_a_late_marker() {
        String id = accepted();
        f.jobWrites(id, "alice", RequestStatus.COMPLETED);
        assertThat(requests.cancel(ALICE, id)).isEqualTo(RequestService.CancelOutcome.ALREADY_FINAL);

        String raced = accepted();
        assertThat(requests.cancel(ALICE, raced)).isEqualTo(RequestService.CancelOutcome.REQUESTED);
        f.jobWrites(raced, "alice", RequestStatus.COMPLETED); // the job had already computed it
        assertThat(requests.status(ALICE, raced).orElseThrow().path("status").asText()).isEqualTo("completed");
        assertThat(requests.cancel(ALICE, raced)).isEqualTo(RequestService.CancelOutcome.ALREADY_FINAL);
    }

    @Test
    void once_the_job_has_cancelled_a_request_a_repeated_cancel_changes_nothing() {
        String id = accepted();
        requests.cancel(ALICE, id);
        f.jobWrites(id, "alice", RequestStatus.CANCELLED);

        assertThat(requests.cancel(ALICE, id)).isEqualTo(RequestService.CancelOutcome.ALREADY_CANCELLED);
        assertThat(f.publisher.cancels).as("no second cancel record").hasSize(1);
        assertThat(requests.status(ALICE, id).orElseThrow().path("status").asText()).isEqualTo("cancelled");
    }

    @Test
    void kafka_down_during_cancel_is_503_and_a_repeat_completes_it() {
        String id = accepted();
        f.publisher.failing = true;
        assertThatThrownBy(() -> requests.cancel(ALICE, id))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error().status()).isEqualTo(503));
        f.publisher.failing = false;
        assertThat(requests.cancel(ALICE, id)).isEqualTo(RequestService.CancelOutcome.REQUESTED);
        assertThat(f.publisher.cancels).hasSize(1);
    }

    @Test
    void redis_down_is_503() {
        String id = accepted();
        f.store.down = true;
        assertThatThrownBy(() -> requests.status(ALICE, id))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error().status()).isEqualTo(503));
    }
}
