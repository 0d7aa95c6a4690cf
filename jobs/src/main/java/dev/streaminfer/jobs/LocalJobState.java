package dev.streaminfer.jobs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.util.FileUtils;

/**
 * Where a local deployment keeps the job's state between runs: checkpoints (retained when the job
 * stops) and savepoints (taken on a clean stop) under one folder. A new run resumes from the newest
 * of them, so keyed state (quotas, buffered batches) and the Kafka offsets it belongs to always
 * come back together; without any, the job starts fresh from the committed offsets.
 */
public final class LocalJobState {

    private static final String METADATA = "_metadata";
    private static final FileTime NEVER = FileTime.fromMillis(0);

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

    /**
     * Deletes all but the {@code keep} newest states, so that runs do not pile up savepoints and
     * retained checkpoints. A state is a savepoint folder or one job's checkpoints folder (its
     * incremental checkpoints share files within it), dated by its newest {@code _metadata}; one
     * without any is unfinished and goes too if older than the oldest state kept. Call it while no
     * job writes here.
     *
     * @return the folders deleted
     */
    public List<Path> prune(int keep) {
        List<Path> units = Stream.of(checkpoints, savepoints).flatMap(LocalJobState::children)
                .sorted(Comparator.comparing((Path u) -> completedAt(u).orElse(NEVER)).reversed()).toList();
        List<Path> kept = units.stream().filter(u -> completedAt(u).isPresent()).limit(keep).toList();
        FileTime oldestKept = kept.isEmpty() ? null : completedAt(kept.get(kept.size() - 1)).orElseThrow();
        List<Path> deleted = new ArrayList<>();
        for (Path unit : units) {
            boolean stale = completedAt(unit).isPresent()
                    || (oldestKept != null && modified(unit).compareTo(oldestKept) < 0);
            if (!kept.contains(unit) && stale) {
                deleteTree(unit);
                deleted.add(unit);
            }
        }
        return deleted;
    }

    private static Stream<Path> children(Path root) {
        if (!Files.isDirectory(root)) {
            return Stream.empty();
        }
        try (Stream<Path> list = Files.list(root)) {
            return list.filter(Files::isDirectory).toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** When the newest completed state in {@code unit} was written; empty if none is complete. */
    private static Optional<FileTime> completedAt(Path unit) {
        return metadataFiles(unit).map(LocalJobState::modified).max(Comparator.naturalOrder());
    }

    /** Forgets all kept state: the next run starts from the committed offsets with empty state. */
    public void delete() {
        for (Path dir : new Path[] {checkpoints, savepoints}) {
            if (Files.exists(dir)) {
                deleteTree(dir);
            }
        }
    }

    private static void deleteTree(Path dir) {
        try {
            FileUtils.deleteDirectory(dir.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
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
