package dev.streaminfer.api.kafka;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streaminfer.functions.serde.Json;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * An admin's quota change for one user, as written to the compacted {@code quota-updates} topic
 * (key = user id). Each record carries the user's COMPLETE override state, so compaction keeping
 * only the newest record per user loses nothing: {@code plan} (always set), and
 * {@code tokens_per_minute} / {@code tokens_per_day} as a number or JSON {@code null} meaning
 * "the plan's default"; {@code updated_at} in epoch milliseconds.
 */
public record QuotaUpdate(String userId, String plan, Long tokensPerMinute, Long tokensPerDay, long updatedAt) {

    public ObjectNode toJson() {
        ObjectNode node = Json.mapper().createObjectNode();
        node.put("type", "quota_update");
        node.put("user_id", userId);
        node.put("plan", plan);
        if (tokensPerMinute == null) node.putNull("tokens_per_minute");
        else node.put("tokens_per_minute", tokensPerMinute);
        if (tokensPerDay == null) node.putNull("tokens_per_day");
        else node.put("tokens_per_day", tokensPerDay);
        node.put("updated_at", updatedAt);
        return node;
    }

    public byte[] toJsonBytes() {
        try {
            return Json.mapper().writeValueAsBytes(toJson());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
