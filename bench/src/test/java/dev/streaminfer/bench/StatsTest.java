package dev.streaminfer.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatsTest {

    @Test
    void percentilesAreNearestRank() {
        double[] sorted = new double[100];
        for (int i = 0; i < 100; i++) sorted[i] = i + 1;
        assertThat(Stats.percentile(sorted, 50)).isEqualTo(50);
        assertThat(Stats.percentile(sorted, 99)).isEqualTo(99);
        assertThat(Stats.percentile(sorted, 100)).isEqualTo(100);
        assertThat(Stats.percentile(new double[] {7}, 99)).isEqualTo(7);
        assertThat(Stats.percentile(new double[0], 50)).isNaN();
    }

    @Test
    void throughputCountsFromTheFirstCompletionToTheLast() {
        // a first batch of 2 at t=1000 marks the start; 4 more texts complete by t=3000
        long[] completed = {1000, 1000, 2000, 2000, 3000, 3000};
        int[] texts = {1, 1, 1, 1, 1, 1};
        assertThat(Stats.throughput(completed, texts)).isCloseTo(2.0, within(1e-9));
        assertThat(Stats.throughput(new long[] {5, 5}, new int[] {1, 1})).isNaN();
    }

    @Test
    void theTextsAreTheSameEveryRunWithARealisticMixOfLengths() {
        List<String> texts = BenchmarkTexts.generate(2000, 42);
        assertThat(BenchmarkTexts.generate(2000, 42)).isEqualTo(texts);
        long longOnes = texts.stream().filter(t -> t.split(" ").length >= 60).count();
        assertThat(longOnes / 2000.0).isBetween(0.10, 0.20);
    }

    @Test
    void thePlotIsAPng(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("plot.png");
        Plot.write(png, "test", List.of(
                new Plot.Curve("(b)", List.of(new Plot.Point(30, 20, 60), new Plot.Point(70, 40, 90),
                        new Plot.Point(90, 70, 160))),
                new Plot.Curve("(c)", List.of(new Plot.Point(30, 10, 30), new Plot.Point(70, 30, 80)))));
        assertThat(Files.size(png)).isPositive();
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).isNotNull();
        assertThat(image.getWidth()).isEqualTo(1200);
        assertThat(image.getHeight()).isEqualTo(600);
        assertThat(image.getRGB(2, 2) & 0xffffff).as("white background").isEqualTo(0xffffff);
    }

    @Test
    void thePlotToleratesASinglePointAndMissingValues(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("plot.png");
        Plot.write(png, "test", List.of(new Plot.Curve("(b)", List.of(new Plot.Point(70, Double.NaN, 0))),
                new Plot.Curve("(c)", List.of())));
        assertThat(ImageIO.read(png.toFile())).isNotNull();
    }
}
