package dev.streaminfer.backfill;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.backfill.ProgressFormat.Snapshot;
import org.junit.jupiter.api.Test;

class ProgressFormatTest {

    @Test
    void theBarShowsDoneOfTotalRateAndEta() {
        // 1,000 of 4,000 done, 200 lines in the last 2 s: 100 texts/s, 3,000 left: 30 s.
        Snapshot s = new Snapshot(1_000, 4_000, 200, 2.0);
        assertThat(ProgressFormat.bar(s))
                .isEqualTo("[#######.......................]  1,000/4,000  25.0%  100 texts/s  ETA 30s");
        assertThat(ProgressFormat.line(s)).isEqualTo("embed: 1,000/4,000  25.0%  100 texts/s  ETA 30s");
    }

    @Test
    void beforeAnyRateTheEtaIsUnknown() {
        Snapshot s = new Snapshot(120, 204, 0, 0);
        assertThat(s.etaSeconds()).isEqualTo(-1);
        assertThat(ProgressFormat.line(s)).endsWith("0 texts/s  ETA --");
    }

    @Test
    void aFinishedRunIsFullWithNoTimeLeft() {
        Snapshot s = new Snapshot(204, 204, 0, 0);
        assertThat(s.etaSeconds()).isZero();
        assertThat(ProgressFormat.bar(s)).startsWith("[" + "#".repeat(ProgressFormat.BAR_WIDTH) + "]");
        assertThat(new Snapshot(0, 0, 0, 0).fraction()).isEqualTo(1.0);
    }

    @Test
    void etaRoundsUp() {
        assertThat(new Snapshot(0, 10, 3, 1.0).etaSeconds()).isEqualTo(4);
    }

    @Test
    void durationsReadAsSecondsMinutesOrHours() {
        assertThat(ProgressFormat.duration(7)).isEqualTo("7s");
        assertThat(ProgressFormat.duration(185)).isEqualTo("3m05s");
        assertThat(ProgressFormat.duration(7_620)).isEqualTo("2h07m");
        assertThat(ProgressFormat.duration(-1)).isEqualTo("--");
    }
}
