package dev.streaminfer.functions.inference;

import dev.streaminfer.contract.concurrent.DaemonThreads;
import dev.streaminfer.contract.registry.ModelSpec;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loaded models shared by every operator instance in one JVM (TaskManager): one session per
 * model (and device) however many slots use it, so parallel subtasks do not each hold a copy of
 * the weights.
 *
 * <p>Callers hold a {@link Lease} while they run a batch. What stays loaded is bounded by
 * {@link ModelCacheLimits}: beyond the number of models or the byte budget the least recently
 * used model that no lease holds is closed, and a model idle (no lease) longer than the idle
 * timeout is closed by a background sweep. A model in use is never closed; if every loaded model
 * is in use the limits are exceeded until leases are returned, and the excess is closed then.
 */
public final class SharedModels {

    private static final Logger LOG = LoggerFactory.getLogger(SharedModels.class);

    private static final SharedModels JVM_WIDE =
            new SharedModels(ModelCacheLimits.DEFAULT, EmbeddingModel::load, System::currentTimeMillis);

    /** The one instance of this JVM. */
    public static SharedModels jvmWide() {
        return JVM_WIDE;
    }

    /** A cache of its own, apart from the JVM-wide one (for tools and tests that must not share it). */
    public static SharedModels separate(ModelCacheLimits limits) {
        return new SharedModels(limits, EmbeddingModel::load, System::currentTimeMillis);
    }

    /** One loaded model as the metrics and diagnostics see it. */
    public record LoadedModel(String name, ExecutionDevice device, long bytes, long lastUsedMillis, long uses,
            int leases) {}

    /** What identifies one loaded session. */
    private record Key(ModelSpec spec, SessionSettings settings) {}

    private static final class Entry {
        final Key key;
        EmbeddingModel model;
        RuntimeException loadFailure;
        int leases;
        boolean loading = true;
        long lastUsedMillis;
        long uses;

        Entry(Key key) {
            this.key = key;
        }

        long bytes() {
            return model == null ? 0 : model.weightBytes();
        }
    }

    private final BiFunction<ModelSpec, SessionSettings, EmbeddingModel> loader;
    private final LongSupplier clock;
    /** Access order: the first entry is the least recently used. */
    private final LinkedHashMap<Key, Entry> loaded = new LinkedHashMap<>(16, 0.75f, true);
    private ModelCacheLimits limits;
    /** Closes idle models while any is loaded and an idle timeout is set; null otherwise. */
    private ScheduledExecutorService sweeper;

    SharedModels(ModelCacheLimits limits, BiFunction<ModelSpec, SessionSettings, EmbeddingModel> loader,
            LongSupplier clock) {
        this.loader = loader;
        this.clock = clock;
        this.limits = limits;
    }

    /** Changes the limits; they apply at once to idle models and to the others as leases return. */
    public void configure(ModelCacheLimits newLimits) {
        List<Entry> evicted;
        synchronized (this) {
            boolean sweepChanged = !newLimits.idleTimeout().equals(limits.idleTimeout());
            limits = newLimits;
            if (sweepChanged) {
                stopSweeper();
            }
            evicted = trim();
            if (!loaded.isEmpty()) {
                startSweeper(); // at the new period, for the models already loaded
            }
        }
        close(evicted);
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
            entry.uses++;
            entry.lastUsedMillis = clock.getAsLong();
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
        }
        close(trimNow());
        return new Lease(this, entry);
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
            } else {
                startSweeper();
            }
            notifyAll();
        }
    }

    private void release(Entry entry) {
        synchronized (this) {
            entry.leases--;
            entry.lastUsedMillis = clock.getAsLong();
        }
        close(trimNow());
    }

    /** Closes the models idle longer than the idle timeout (what the sweep runs). */
    public void unloadIdle() {
        close(trimNow());
    }

    private synchronized List<Entry> trimNow() {
        return trim();
    }

    /**
     * Removes the idle models that must go: those idle longer than the timeout, then the least
     * recently used while the count or the bytes are over the limits. Closing them is the
     * caller's, outside the lock.
     */
    private List<Entry> trim() {
        long now = clock.getAsLong();
        List<Entry> evicted = new ArrayList<>();
        int count = 0;
        long bytes = 0;
        for (Iterator<Entry> it = loaded.values().iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (isIdle(e) && limits.idleTooLong(now - e.lastUsedMillis)) {
                it.remove();
                evicted.add(e);
                LOG.info("unloading model {} on {}: idle for {} ms (idle timeout {})", e.key.spec().name(),
                        e.key.settings().device(), now - e.lastUsedMillis, limits.idleTimeout());
            } else {
                count++;
                bytes += e.bytes();
            }
        }
        for (Iterator<Entry> lru = loaded.values().iterator(); limits.overBudget(count, bytes) && lru.hasNext(); ) {
            Entry e = lru.next();
            if (isIdle(e)) {
                lru.remove();
                evicted.add(e);
                count--;
                bytes -= e.bytes();
                LOG.info("evicting model {} on {} ({} bytes): over the cache limits of {} models, {} bytes",
                        e.key.spec().name(), e.key.settings().device(), e.bytes(), limits.maxLoaded(),
                        limits.maxBytes());
            }
        }
        if (loaded.isEmpty()) {
            stopSweeper();
        }
        return evicted;
    }

    private static boolean isIdle(Entry e) {
        return e.leases == 0 && !e.loading;
    }

    private static void close(List<Entry> evicted) {
        for (Entry e : evicted) {
            e.model.close();
        }
    }

    private void startSweeper() {
        if (sweeper != null || limits.idleTimeout().isZero()) {
            return;
        }
        long periodMillis = Math.max(10, Math.min(60_000, limits.idleTimeout().toMillis() / 2));
        sweeper = DaemonThreads.singleThreadScheduler("streaminfer-model-cache-sweep");
        sweeper.scheduleWithFixedDelay(this::sweep, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    private void sweep() {
        try {
            unloadIdle();
        } catch (RuntimeException e) {
            LOG.warn("model cache sweep failed: {}", e.toString());
        }
    }

    private void stopSweeper() {
        if (sweeper != null) {
            sweeper.shutdown();
            sweeper = null;
        }
    }

    /** The models loaded now, least recently used first. */
    public synchronized List<LoadedModel> loaded() {
        List<LoadedModel> models = new ArrayList<>();
        for (Entry e : loaded.values()) {
            if (!e.loading) {
                models.add(new LoadedModel(e.key.spec().name(), e.key.settings().device(), e.bytes(), e.lastUsedMillis,
                        e.uses, e.leases));
            }
        }
        return models;
    }

    /** Names of the models loaded now, least recently used first. */
    public List<String> loadedModels() {
        return loaded().stream().map(LoadedModel::name).toList();
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
