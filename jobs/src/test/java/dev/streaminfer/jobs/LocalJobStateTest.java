package dev.streaminfer.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalJobStateTest {

    @TempDir
    Path folder;

    private Path completed(String relative, String at) throws IOException {
        Path metadata = folder.resolve(relative).resolve("_metadata");
        Files.createDirectories(metadata.getParent());
        Files.writeString(metadata, "state");
        Files.setLastModifiedTime(metadata, FileTime.from(Instant.parse(at)));
        return metadata.getParent();
    }

    @Test
    void withNothingKeptTheJobStartsFresh() {
        LocalJobState state = new LocalJobState(folder);

        Configuration conf = state.configure(new Configuration());

        assertThat(state.latest()).isEmpty();
        assertThat(conf.getOptional(StateRecoveryOptions.SAVEPOINT_PATH)).isEmpty();
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY)).startsWith("file:").contains("checkpoints");
    }

    @Test
    void theNewestCheckpointOrSavepointIsResumed() throws IOException {
        completed("checkpoints/aaaa/chk-7", "2026-12-01T10:00:00Z");
        Path newest = completed("savepoints/savepoint-aaaa-1", "2026-12-01T10:05:00Z");
        completed("checkpoints/bbbb/chk-2", "2026-12-01T09:00:00Z");
        LocalJobState state = new LocalJobState(folder);

        assertThat(state.latest()).contains(newest.toAbsolutePath());
        assertThat(state.configure(new Configuration()).get(StateRecoveryOptions.SAVEPOINT_PATH))
                .isEqualTo(newest.toAbsolutePath().toUri().toString());
    }

    @Test
    void aCheckpointStillBeingWrittenIsNotResumed() throws IOException {
        Files.createDirectories(folder.resolve("checkpoints/aaaa/chk-9"));
        Path done = completed("checkpoints/aaaa/chk-8", "2026-12-01T10:00:00Z");

        assertThat(new LocalJobState(folder).latest()).contains(done.toAbsolutePath());
    }

    @Test
    void deleteForgetsEverything() throws IOException {
        completed("checkpoints/aaaa/chk-7", "2026-12-01T10:00:00Z");
        LocalJobState state = new LocalJobState(folder);

        state.delete();

        assertThat(state.latest()).isEmpty();
    }

    @Test
    void pruneKeepsTheNewestStatesWholeAndDropsOlderAndUnfinishedOnes() throws IOException {
        Path oldSavepoint = completed("savepoints/savepoint-aaaa-1", "2026-12-01T08:00:00Z");
        Path oldJob = completed("checkpoints/aaaa/chk-3", "2026-12-01T09:00:00Z").getParent();
        Path previousJob = completed("checkpoints/bbbb/chk-5", "2026-12-01T10:00:00Z").getParent();
        completed("checkpoints/bbbb/chk-4", "2026-12-01T09:59:00Z");
        Files.createDirectories(previousJob.resolve("shared"));
        Path unfinished = folder.resolve("checkpoints/cccc/chk-1");
        Files.createDirectories(unfinished);
        Files.setLastModifiedTime(unfinished.getParent(), FileTime.from(Instant.parse("2026-12-01T09:30:00Z")));
        Path newest = completed("savepoints/savepoint-bbbb-2", "2026-12-01T10:05:00Z");
        LocalJobState state = new LocalJobState(folder);

        assertThat(state.prune(2)).containsExactlyInAnyOrder(oldSavepoint.toAbsolutePath(), oldJob.toAbsolutePath(),
                unfinished.getParent().toAbsolutePath());

        assertThat(newest).isDirectory();
        assertThat(previousJob.resolve("chk-4")).as("a kept job's checkpoints stay whole").isDirectory();
        assertThat(previousJob.resolve("shared")).isDirectory();
        assertThat(oldSavepoint).doesNotExist();
        assertThat(oldJob).doesNotExist();
        assertThat(state.latest()).contains(newest.toAbsolutePath());
    }

    @Test
    void pruneLeavesAnUnfinishedStateNewerThanTheKeptOnes() throws IOException {
        completed("savepoints/savepoint-aaaa-1", "2026-12-01T08:00:00Z");
        Path running = folder.resolve("checkpoints/dddd/chk-1");
        Files.createDirectories(running);

        assertThat(new LocalJobState(folder).prune(1)).isEmpty();
        assertThat(running).isDirectory();
    }
}
