package dev.streaminfer.api.auth;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** In-memory {@link KeyDirectory}; counts lookups and can be taken down. Passes {@link KeyDirectoryContract}. */
public final class TestingKeyDirectory implements KeyDirectory {

    private final Map<String, Caller> byHash = new ConcurrentHashMap<>();
    public final AtomicInteger lookups = new AtomicInteger();
    public volatile boolean down;

    public TestingKeyDirectory add(String plainKey, Caller caller) {
        byHash.put(KeyHash.sha256Hex(plainKey), caller);
        return this;
    }

    public void revoke(String plainKey) {
        byHash.remove(KeyHash.sha256Hex(plainKey));
    }

    @Override
    public Optional<Caller> lookup(String keyHash) {
        lookups.incrementAndGet();
        if (down) {
            throw new KeyDirectoryUnavailableException("testing directory is down", null);
        }
        return Optional.ofNullable(byHash.get(keyHash));
    }
}
