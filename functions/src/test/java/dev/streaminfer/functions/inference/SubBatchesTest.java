package dev.streaminfer.functions.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streaminfer.functions.inference.EmbeddingModel.SubBatches;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** Length-aware execution of a batch: the plan (budget, row limit) and putting vectors back in order. */
class SubBatchesTest {

    /** A "model" whose vector for a text is (its length, its position in the caller's list): order is visible. */
    private final List<List<String>> calls = new ArrayList<>();

    private float[][] fakeModel(List<String> texts) {
        calls.add(List.copyOf(texts));
        return texts.stream().map(t -> new float[] {t.length(), Integer.parseInt(t.split("#")[1])}).toArray(float[][]::new);
    }

    /** A text of {@code tokens} "tokens" (characters here), tagged with its index. */
    private static String text(int tokens, int index) {
        return "x".repeat(Math.max(0, tokens - 1 - String.valueOf(index).length())) + "#" + index;
    }

    @Test
    void aBatchWithinTheBudgetRunsWholeInItsOwnOrder() {
        assertThat(SubBatches.plan(new int[] {30, 10, 20}, 90, 32)).containsExactly(new int[] {0, 1, 2});
    }

    @Test
    void aFewLongTextsNoLongerPadEveryShortOne() {
        // 6 short (10 tokens) and 2 long (200): one batch would be 8 × 200 = 1600 padded tokens
        int[] lengths = {10, 200, 10, 10, 10, 200, 10, 10};
        List<int[]> plan = SubBatches.plan(lengths, 400, 32);

        assertThat(plan).containsExactly(new int[] {0, 2, 3, 4, 6, 7}, new int[] {1, 5});
        assertThat(paddedTokens(lengths, plan)).isEqualTo(6 * 10 + 2 * 200);
    }

    @Test
    void everySubBatchStaysWithinTheBudgetAndTheRowLimit() {
        int[] lengths = {40, 12, 128, 7, 64, 64, 33, 250, 9, 18, 18, 100};
        List<int[]> plan = SubBatches.plan(lengths, 256, 3);

        for (int[] group : plan) {
            assertThat(group.length).isLessThanOrEqualTo(3);
            if (group.length > 1) {
                assertThat((long) group.length * longest(lengths, group)).isLessThanOrEqualTo(256);
            }
        }
        assertThat(plan.stream().flatMapToInt(Arrays::stream).sorted().toArray())
                .containsExactly(IntStream.range(0, lengths.length).toArray());
    }

    @Test
    void aTextLongerThanTheBudgetRunsAlone() {
        assertThat(SubBatches.plan(new int[] {5, 300, 5}, 100, 32)).containsExactly(new int[] {0, 2}, new int[] {1});
    }

    @Test
    void budgetZeroKeepsTheOldBehaviourChunksOfTheRowLimitInOrder() {
        assertThat(SubBatches.plan(new int[] {200, 5, 5, 200, 5}, 0, 2))
                .containsExactly(new int[] {0, 1}, new int[] {2, 3}, new int[] {4});
    }

    @Test
    void vectorsComeBackInTheOrderOfTheTexts() {
        List<String> texts = List.of(text(50, 0), text(5, 1), text(40, 2), text(6, 3), text(7, 4));

        float[][] vectors = SubBatches.run(texts, texts.stream().mapToInt(String::length).toArray(), 60, 32,
                this::fakeModel);

        assertThat(calls).hasSizeGreaterThan(1);
        for (int i = 0; i < texts.size(); i++) {
            assertThat(vectors[i]).containsExactly(texts.get(i).length(), i);
        }
    }

    @Test
    void aModelReturningTheWrongNumberOfVectorsFails() {
        assertThatThrownBy(() -> SubBatches.run(List.of("a#0", "b#1"), new int[] {3, 3}, 100, 32,
                texts -> new float[1][]))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("1 vectors for 2 texts");
    }

    @Property(tries = 300)
    void everyTextOnceEveryGroupWithinLimitsOrderRestored(
            @ForAll @Size(min = 1, max = 80) List<@IntRange(min = 1, max = 300) Integer> tokenCounts,
            @ForAll @IntRange(min = 0, max = 4096) int budget,
            @ForAll @IntRange(min = 1, max = 64) int maxRows) {
        int[] lengths = tokenCounts.stream().mapToInt(Integer::intValue).toArray();
        List<int[]> plan = SubBatches.plan(lengths, budget, maxRows);

        assertThat(plan.stream().flatMapToInt(Arrays::stream).sorted().toArray())
                .containsExactly(IntStream.range(0, lengths.length).toArray());
        for (int[] group : plan) {
            assertThat(group.length).isBetween(1, maxRows);
            if (budget > 0 && group.length > 1) {
                assertThat((long) group.length * longest(lengths, group)).isLessThanOrEqualTo(budget);
            }
        }

        List<String> texts = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) {
            texts.add(text(Math.max(lengths[i], String.valueOf(i).length() + 1), i));
        }
        calls.clear();
        float[][] vectors = SubBatches.run(texts, lengths, budget, maxRows, this::fakeModel);
        assertThat(calls).hasSize(plan.size());
        for (int i = 0; i < texts.size(); i++) {
            assertThat(vectors[i][1]).isEqualTo(i);
        }
    }

    private static int longest(int[] lengths, int[] group) {
        return Arrays.stream(group).map(i -> lengths[i]).max().orElse(0);
    }

    private static long paddedTokens(int[] lengths, List<int[]> plan) {
        return plan.stream().mapToLong(g -> (long) g.length * longest(lengths, g)).sum();
    }
}
