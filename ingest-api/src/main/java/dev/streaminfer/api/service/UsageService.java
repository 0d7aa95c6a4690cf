package dev.streaminfer.api.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streaminfer.api.ApiError;
import dev.streaminfer.api.auth.Caller;
import dev.streaminfer.api.store.RequestStore;
import dev.streaminfer.functions.serde.Json;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * {@code GET /v1/usage}: the job's usage mirror for the caller when it exists (the job is the
 * authority); otherwise what the API knows: plan and overrides from PostgreSQL, nothing used today.
 */
public final class UsageService {

    private final RequestStore store;
    private final QuotaService quotas;
    private final Clock clock;

    public UsageService(RequestStore store, QuotaService quotas, Clock clock) {
        this.store = store;
        this.quotas = quotas;
        this.clock = clock;
    }

    public ObjectNode usage(Caller caller) {
        Optional<String> mirror;
        try {
            mirror = store.usage(caller.userId());
        } catch (RequestStore.StoreUnavailableException e) {
            throw ApiError.unavailable("Redis is not reachable").exception();
        }
        ObjectNode fromMirror = mirror.map(UsageService::parse).orElse(null);
        if (fromMirror != null && caller.userId().equals(fromMirror.path("user_id").asText(null))
                && QuotaGate.epochMillis(fromMirror.get("resets_at")) > clock.millis()) {
            return normalize(fromMirror);
        }
        // No (current) mirror: nothing counted today yet.
        QuotaService.QuotaState state = quotas.current(caller.userId(), caller.plan());
        ObjectNode node = Json.mapper().createObjectNode();
        node.put("user_id", caller.userId());
        node.put("plan", state.plan());
        putNullable(node, "tokens_per_minute", state.tokensPerMinute());
        putNullable(node, "tokens_per_day", state.tokensPerDay());
        node.put("used_today", 0);
        putNullable(node, "remaining_today", state.tokensPerDay());
        node.put("resets_at", nextUtcMidnight().toString());
        return node;
    }

    private Instant nextUtcMidnight() {
        return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC).plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    private static ObjectNode normalize(ObjectNode mirror) {
        ObjectNode node = Json.mapper().createObjectNode();
        for (String field : new String[] {"user_id", "plan", "tokens_per_minute", "tokens_per_day", "used_today",
                "remaining_today", "resets_at"}) {
            JsonNode value = mirror.get(field);
            if (value == null) {
                node.putNull(field);
            } else if (field.equals("resets_at") && value.isIntegralNumber()) {
                node.put(field, Instant.ofEpochMilli(value.asLong()).toString());
            } else {
                node.set(field, value);
            }
        }
        return node;
    }

    private static ObjectNode parse(String json) {
        try {
            JsonNode node = Json.mapper().readTree(json);
            return node instanceof ObjectNode o ? o : null;
        } catch (Exception e) {
            return null;
        }
    }

    private static void putNullable(ObjectNode node, String field, Long value) {
        if (value == null) {
            node.putNull(field);
        } else {
            node.put(field, value);
        }
    }
}
