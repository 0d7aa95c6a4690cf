package dev.streaminfer.functions.inference;

import dev.streaminfer.contract.registry.ModelSpec;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loaded models shared by every operator instance in one JVM (TaskManager): one session per
 * model (and device) however many slots use it, so parallel subtasks do not each hold a copy of
 * the weights.
 *
 * <p>Callers hold a {@link Lease} while they run a batch. At most {@code maxLoaded} models stay
 * loaded: loading one more evicts the least recently used model that no lease holds. A model in
 * use is never closed; if every loaded model is in use the cap is exceeded until leases are
 * returned, and the excess is closed then.
 */
public final class SharedModels {

    private static final Logger LOG = LoggerFactory.getLogger(SharedModels.class);

    public static final int DEFAULT_MAX_LOADED = 4;

    private static final SharedModels JVM_WIDE = new SharedModels(DEFAULT_MAX_LOADED, EmbeddingModel::load);

    /** The one instance of this JVM. */
    public static SharedModels jvmWide() {
        return JVM_WIDE;
    }

    /** What identifies one loaded session. */
    private record Key(ModelSpec spec, SessionSettings settings) {}

    private static final class Entry {
        final Key key;
        EmbeddingModel model;
        RuntimeException loadFailure;
        int leases;
        boolean loading = true;

        Entry(Key key) {
            this.key = key;
        }
    }

    private final BiFunction<ModelSpec, SessionSettings, EmbeddingModel> loader;
    /** Access order: the first entry is the least recently used. */
    private final LinkedHashMap<Key, Entry> loaded = new LinkedHashMap<>(16, 0.75f, true);
    private int maxLoaded;

    SharedModels(int maxLoaded, BiFunction<ModelSpec, SessionSettings, EmbeddingModel> loader) {
        this.loader = loader;
        setMaxLoaded(maxLoaded);
    }

    /** Changes the cap; the new value applies from the next acquire or release. */
    public synchronized void setMaxLoaded(int maxLoaded) {
        if (maxLoaded < 1) {
            throw new IllegalArgumentException("at least one model must be loadable, got " + maxLoaded);
        }
        this.maxLoaded = maxLoaded;
    }

    /**
     * The model, loading it if needed (outside the lock, so other models' leases are not held up
     * by a load). Throws {@link ModelUnavailableException} if it cannot be loaded.
     */
    public Lease acquire(ModelSpec spec, SessionSettings settings) {
        Key key = new Key(spec, settings);
        Entry entry;
        boolean mustLoad = false;
        synchronized (this) {
            entry = loaded.get(key);
            if (entry == null) {
                entry = new Entry(key);
                loaded.put(key, entry);
                mustLoad = true;
            }
            entry.leases++;
        }
        if (mustLoad) {
            load(entry);
        }
        synchronized (this) {
            while (entry.loading) {
                try {
                    wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    entry.leases--;
                    throw new ModelUnavailableException("interrupted while model " + spec.name() + " was loading", e);
                }
            }
            if (entry.loadFailure != null) {
                entry.leases--;
                throw entry.loadFailure;
            }
            trim();
            return new Lease(this, entry);
        }
    }

    private void load(Entry entry) {
        EmbeddingModel model = null;
        RuntimeException failure = null;
        try {
            long t0 = System.nanoTime();
            model = loader.apply(entry.key.spec(), entry.key.settings());
            LOG.info("loaded model {} on {} in {} ms", entry.key.spec().name(), entry.key.settings().device(),
                    (System.nanoTime() - t0) / 1_000_000);
        } catch (RuntimeException e) {
            failure = e instanceof ModelUnavailableException m ? m
                    : new ModelUnavailableException("cannot load model " + entry.key.spec().name() + ": " + e.getMessage(), e);
        }
        synchronized (this) {
            entry.model = model;
            entry.loadFailure = failure;
            entry.loading = false;
            if (failure != null) {
                // Not cached: the next acquire tries again (the file may appear, the GPU free up).
                loaded.remove(entry.key, entry);
            }
            notifyAll();
        }
    }

    private synchronized void release(Entry entry) {
        entry.leases--;
        trim();
    }

    /** Closes least recently used idle models while more than the cap are loaded. */
    private void trim() {
        List<Entry> evicted = new ArrayList<>();
        Iterator<Entry> lru = loaded.values().iterator();
        int excess = loaded.size() - maxLoaded;
        while (excess > 0 && lru.hasNext()) {
            Entry candidate = lru.next();
            if (candidate.leases == 0 && !candidate.loading) {
                lru.remove();
                evicted.add(candidate);
                excess--;
            }
        }
        for (Entry e : evicted) {
            LOG.info("evicting model {} on {} (more than {} models loaded)", e.key.spec().name(),
                    e.key.settings().device(), maxLoaded);
            e.model.close();
        }
    }

    /** Names of the models loaded now, least recently used first (for tests and diagnostics). */
    public synchronized List<String> loadedModels() {
        List<String> names = new ArrayList<>();
        for (Map.Entry<Key, Entry> e : loaded.entrySet()) {
            if (!e.getValue().loading) {
                names.add(e.getKey().spec().name());
            }
        }
        return names;
    }

    /** The right to use a loaded model until {@link #close()}. */
    public static final class Lease implements AutoCloseable {
        private final SharedModels owner;
        private final Entry entry;
        private boolean closed;

        private Lease(SharedModels owner, Entry entry) {
            this.owner = owner;
            this.entry = entry;
        }

        public EmbeddingModel model() {
            if (closed) {
                throw new IllegalStateException("lease already returned");
            }
            return entry.model;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                owner.release(entry);
            }
        }
    }
}
