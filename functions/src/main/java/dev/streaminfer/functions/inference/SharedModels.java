package dev.streaminfer.functions.inference;

import java.util.HashMap;
import java.util.Map;

/**
 * Loaded models shared by every operator instance in one JVM (TaskManager), so parallel subtasks
 * do not each hold a copy of the weights. Reference-counted: the last release closes the session.
 */
public final class SharedModels {

    private static final Map<String, Entry> LOADED = new HashMap<>();

    private static final class Entry {
        final EmbeddingModel model;
        int references;

        Entry(EmbeddingModel model) {
            this.model = model;
        }
    }

    private SharedModels() {}

    public static synchronized EmbeddingModel acquire(ModelSpec spec, SessionSettings settings) {
        Entry entry = LOADED.get(spec.name());
        if (entry == null) {
            entry = new Entry(EmbeddingModel.load(spec, settings));
            LOADED.put(spec.name(), entry);
        }
        entry.references++;
        return entry.model;
    }

    public static synchronized void release(String modelName) {
        Entry entry = LOADED.get(modelName);
        if (entry != null && --entry.references == 0) {
            LOADED.remove(modelName);
            entry.model.close();
        }
    }
}
