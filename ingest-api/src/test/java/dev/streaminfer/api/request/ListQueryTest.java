package dev.streaminfer.api.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streaminfer.api.ApiException;
import dev.streaminfer.api.auth.Caller;
import dev.streaminfer.api.auth.Role;
import dev.streaminfer.contract.model.RequestStatus;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ListQueryTest {

    private static final Caller ALICE = new Caller("alice", Role.USER, "free");
    private static final Caller ADMIN = new Caller("ops", Role.ADMIN, "unlimited");

    private static ListQuery parse(Caller caller, Map<String, String> params) {
        return ListQuery.parse(caller, params::get);
    }

    @Test
    void noParametersListTheCallersOwnFirstPage() {
        ListQuery q = parse(ALICE, Map.of());
        assertThat(q).isEqualTo(new ListQuery("alice", null, null, null, ListQuery.DEFAULT_LIMIT, null));
    }

    @Test
    void everyParameterIsRead() {
        PageCursor cursor = new PageCursor(1_700_000_000_123_456L, "r-9");
        ListQuery q = parse(ALICE, Map.of("status", "completed", "since", "2026-12-01T00:00:00Z",
                "until", "2026-12-02T00:00:00Z", "limit", "100", "cursor", cursor.encode()));
        assertThat(q).isEqualTo(new ListQuery("alice", RequestStatus.COMPLETED,
                Instant.parse("2026-12-01T00:00:00Z"), Instant.parse("2026-12-02T00:00:00Z"), 100, cursor));
    }

    @Test
    void anAdminMayNameAnyUser() {
        assertThat(parse(ADMIN, Map.of("user_id", "alice")).userId()).isEqualTo("alice");
        assertThat(parse(ADMIN, Map.of()).userId()).isEqualTo("ops");
    }

    @Test
    void aUserNamingAUserIsForbiddenEvenThemselves() {
        assertThatThrownBy(() -> parse(ALICE, Map.of("user_id", "alice")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.error().status()).isEqualTo(403);
                    assertThat(e.error().code()).isEqualTo("forbidden");
                });
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
            "status, queued_or_not", "status, cancel_requested", "status, COMPLETED", "status, ''",
            "since, yesterday", "since, 2026-12-01", "until, 1700000000000",
            "limit, 0", "limit, 101", "limit, -1", "limit, ten", "limit, 99999999999", "limit, ''",
            "cursor, not-a-cursor", "cursor, ''", "cursor, MjpmOng", "cursor, %%%"})
    void aBadParameterIs400NamingIt(String name, String value) {
        assertThatThrownBy(() -> parse(ALICE, Map.of(name, value)))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.error().status()).isEqualTo(400);
                    assertThat(e.error().code()).isEqualTo("invalid_request");
                    assertThat(e.error().param()).isEqualTo(name);
                });
    }

    @Test
    void sinceMustBeBeforeUntil() {
        assertThatThrownBy(() -> parse(ALICE, Map.of("since", "2026-12-02T00:00:00Z", "until", "2026-12-02T00:00:00Z")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error().param()).isEqualTo("since"));
    }

    @Test
    void anAdminsUserIdMustBeSensible() {
        assertThatThrownBy(() -> parse(ADMIN, Map.of("user_id", "")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error().status()).isEqualTo(400));
        assertThatThrownBy(() -> parse(ADMIN, Map.of("user_id", "u".repeat(257))))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error().status()).isEqualTo(400));
    }
}
