package dev.streaminfer.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateRecoveryOptions;

/**
 * Where a local deployment keeps the job's state between runs: checkpoints (retained when the job
 * stops) and savepoints (taken on a clean stop) under one folder. A new run resumes from the newest
 * of them, so keyed state (quotas, buffered batches) and the Kafka offsets it belongs to always
 * come back together; without any, the job starts fresh from the committed offsets.
 */
public final class LocalJobState {

    private static final String METADATA = "_metadata";

    private final Path checkpoints;
    private final Path savepoints;

    public LocalJobState(Path folder) {
        this.checkpoints = folder.resolve("checkpoints").toAbsolutePath();
        this.savepoints = folder.resolve("savepoints").toAbsolutePath();
    }

    public Path savepoints() {
        return savepoints;
    }

    /**
     * The newest completed checkpoint or savepoint (the folder holding its {@code _metadata}), by
     * completion time; empty when there is none.
     */
    public Optional<Path> latest() {
        return Stream.of(checkpoints, savepoints)
                .flatMap(LocalJobState::metadataFiles)
                .max(Comparator.comparing(LocalJobState::modified))
                .map(Path::getParent);
    }

    /** {@code conf} with state kept under this folder and, if there is one, the newest state to resume. */
    public Configuration configure(Configuration conf) {
        Configuration out = new Configuration(conf);
        out.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        out.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, savepoints.toUri().toString());
        out.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        latest().ifPresent(state -> out.set(StateRecoveryOptions.SAVEPOINT_PATH, state.toUri().toString()));
        return out;
    }

    /** Forgets all kept state: the next run starts from the committed offsets with empty state. */
    public void delete() {
        for (Path dir : new Path[] {checkpoints, savepoints}) {
            if (!Files.exists(dir)) {
                continue;
            }
            try (Stream<Path> all = Files.walk(dir)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.delete(p);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static Stream<Path> metadataFiles(Path root) {
        if (!Files.isDirectory(root)) {
            return Stream.empty();
        }
        try (Stream<Path> found = Files.find(root, 3, (p, a) -> a.isRegularFile() && p.endsWith(METADATA))) {
            return found.toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
