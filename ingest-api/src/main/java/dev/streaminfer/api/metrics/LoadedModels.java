package dev.streaminfer.api.metrics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The models each TaskManager holds, read from the job's Prometheus metrics (Flink's reporter):
 * the {@code ..._model_ml_model_loaded / _bytes / _last_used_timestamp_ms / _uses} gauges of the
 * inference operator. They describe the TaskManager's one model cache, so every subtask there
 * reports the same values; one entry per TaskManager and loaded model comes out.
 */
public final class LoadedModels {

    static final String PREFIX = "flink_taskmanager_job_task_operator_model_ml_model_";

    /** One model in one TaskManager's cache. */
    public record LoadedModel(String taskManager, String model, long bytes, long lastUsedMillis, long uses) {}

    private static final Pattern SAMPLE = Pattern.compile(
            "^" + PREFIX + "(loaded|bytes|last_used_timestamp_ms|uses)\\{(.*)}\\s+(\\S+)$");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private LoadedModels() {}

    /**
     * @param scrapes Prometheus text from each of the job's endpoints
     * @param modelNames the served models: the reporter writes {@code all-minilm-l6-v2-q} as
     *     {@code all_minilm_l6_v2_q}, and this maps it back
     */
    public static List<LoadedModel> parse(Collection<String> scrapes, Collection<String> modelNames) {
        Map<String, String> byExportedName = new HashMap<>();
        modelNames.forEach(name -> byExportedName.put(exported(name), name));
        Map<List<String>, Map<String, Double>> gauges = new LinkedHashMap<>();
        for (String scrape : scrapes) {
            for (String line : scrape.split("\n")) {
                Matcher sample = SAMPLE.matcher(line.trim());
                if (!sample.matches()) {
                    continue;
                }
                Map<String, String> labels = labels(sample.group(2));
                String model = labels.get("model");
                String taskManager = labels.get("tm_id");
                if (model == null || taskManager == null) {
                    continue;
                }
                gauges.computeIfAbsent(List.of(taskManager, byExportedName.getOrDefault(model, model)),
                                k -> new HashMap<>())
                        .merge(sample.group(1), value(sample.group(3)), Math::max);
            }
        }
        List<LoadedModel> models = new ArrayList<>();
        gauges.forEach((key, values) -> {
            if (values.getOrDefault("loaded", 0.0) > 0) {
                models.add(new LoadedModel(key.get(0), key.get(1), values.getOrDefault("bytes", 0.0).longValue(),
                        values.getOrDefault("last_used_timestamp_ms", 0.0).longValue(),
                        values.getOrDefault("uses", 0.0).longValue()));
            }
        });
        return models;
    }

    /** A label value as Flink's Prometheus reporter writes it: characters other than [A-Za-z0-9:_] become '_'. */
    static String exported(String name) {
        return name.replaceAll("[^A-Za-z0-9:_]", "_");
    }

    private static Map<String, String> labels(String text) {
        Map<String, String> labels = new HashMap<>();
        Matcher m = LABEL.matcher(text);
        while (m.find()) {
            labels.put(m.group(1), m.group(2));
        }
        return labels;
    }

    private static double value(String text) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
