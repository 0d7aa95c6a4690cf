package dev.streaminfer.api.service;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streaminfer.api.kafka.ConsumerLag;
import dev.streaminfer.api.metrics.JobMetrics;
import dev.streaminfer.api.metrics.LoadedModels;
import dev.streaminfer.api.store.JdbcRequestCounts;
import dev.streaminfer.api.store.RequestStore;
import dev.streaminfer.contract.serde.Json;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * {@code GET /v1/admin/stats}: what an operator asks first. Requests queued for the job (its
 * consumer group's lag on the requests topic), what this API instance holds now, and requests by
 * status, model and priority over the last minute and hour (PostgreSQL), and the models each TaskManager
 * holds (the job's Prometheus metrics). A source that cannot answer is
 * {@code null} and named in {@code unavailable}; the rest is still reported.
 */
public final class AdminStats {

    private final ConsumerLag lag;
    private final JdbcRequestCounts counts;
    private final String group;
    private final String topic;
    private final IntSupplier inFlight;
    private final IntSupplier waiting;
    private final JobMetrics jobMetrics;
    private final Collection<String> modelNames;
    private final Clock clock;

    public AdminStats(ConsumerLag lag, JdbcRequestCounts counts, String group, String topic, IntSupplier inFlight,
                      IntSupplier waiting, JobMetrics jobMetrics, Collection<String> modelNames, Clock clock) {
        this.jobMetrics = jobMetrics;
        this.modelNames = modelNames;
        this.lag = lag;
        this.counts = counts;
        this.group = group;
        this.topic = topic;
        this.inFlight = inFlight;
        this.waiting = waiting;
        this.clock = clock;
    }

    public ObjectNode snapshot() {
        Instant now = clock.instant();
        ObjectNode root = Json.mapper().createObjectNode();
        root.put("generated_at", now.toString());
        ArrayNode unavailable = Json.mapper().createArrayNode();
        try {
            root.set("queue", queue(lag.of(group, topic)));
        } catch (ConsumerLag.KafkaUnavailableException e) {
            root.putNull("queue");
            unavailable.add("kafka");
        }
        ObjectNode api = root.putObject("api");
        api.put("in_flight_http_requests", inFlight.getAsInt());
        api.put("waiting_clients", waiting.getAsInt());
        try {
            JdbcRequestCounts.Counts c = counts.at(now);
            ObjectNode requests = root.putObject("requests");
            requests.set("last_minute", window(c.lastMinute()));
            requests.set("last_hour", window(c.lastHour()));
        } catch (RequestStore.StoreUnavailableException e) {
            root.putNull("requests");
            unavailable.add("postgres");
        }
        try {
            ArrayNode models = root.putArray("models");
            for (LoadedModels.LoadedModel m : LoadedModels.parse(jobMetrics.scrape(), modelNames)) {
                ObjectNode n = models.addObject();
                n.put("task_manager", m.taskManager());
                n.put("model", m.model());
                n.put("bytes", m.bytes());
                n.put("last_used_at", Instant.ofEpochMilli(m.lastUsedMillis()).toString());
                n.put("uses", m.uses());
            }
        } catch (JobMetrics.UnavailableException e) {
            root.putNull("models");
            unavailable.add("job_metrics");
        }
        root.set("unavailable", unavailable);
        return root;
    }

    private static ObjectNode queue(ConsumerLag.Lag lag) {
        ObjectNode q = Json.mapper().createObjectNode();
        q.put("topic", lag.topic());
        q.put("group", lag.group());
        q.put("lag", lag.total());
        ArrayNode partitions = q.putArray("partitions");
        for (ConsumerLag.Partition p : lag.partitions()) {
            ObjectNode n = partitions.addObject();
            n.put("partition", p.partition());
            n.put("end_offset", p.endOffset());
            n.put("committed_offset", p.committed());
            n.put("lag", p.lag());
        }
        return q;
    }

    private static ObjectNode window(JdbcRequestCounts.Window w) {
        ObjectNode n = Json.mapper().createObjectNode();
        n.put("total", w.total());
        put(n.putObject("by_status"), w.byStatus());
        put(n.putObject("by_model"), w.byModel());
        put(n.putObject("by_priority"), w.byPriority());
        return n;
    }

    private static void put(ObjectNode node, Map<String, Long> counts) {
        counts.forEach(node::put);
    }
}
