package dev.streaminfer.sql.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Argument parsing, table layout and the chart, without a database (see the *Sql*ITCase for that). */
class UsageReportTest {

    private static final LocalDate TODAY = LocalDate.of(2026, 11, 22);

    @Test
    void defaultsToTheCurrentMonthUpToToday() throws Exception {
        UsageReport.Options o = UsageReport.parse(new String[0], TODAY);
        assertThat(o.from()).isEqualTo(LocalDate.of(2026, 11, 1));
        assertThat(o.to()).isEqualTo(TODAY);
        assertThat(o.user()).isNull();
        assertThat(o.top()).isEqualTo(20);
        assertThat(o.png()).isNull();
    }

    @Test
    void parsesEveryOptionInBothSpellings() throws Exception {
        UsageReport.Options o = UsageReport.parse(new String[] {"--from", "2026-10-01", "--to=2026-10-31",
                "--user", "alice", "--top=3", "--daily", "--png", "out/chart.png"}, TODAY);
        assertThat(o.from()).isEqualTo(LocalDate.of(2026, 10, 1));
        assertThat(o.to()).isEqualTo(LocalDate.of(2026, 10, 31));
        assertThat(o.user()).isEqualTo("alice");
        assertThat(o.top()).isEqualTo(3);
        assertThat(o.daily()).isTrue();
        assertThat(o.png().toString()).isEqualTo("out/chart.png");
    }

    @Test
    void onlyToGivenStartsAtTheFirstOfItsMonth() throws Exception {
        UsageReport.Options o = UsageReport.parse(new String[] {"--to", "2026-02-10"}, TODAY);
        assertThat(o.from()).isEqualTo(LocalDate.of(2026, 2, 1));
    }

    @Test
    void futureFromAloneEndsAtTheEndOfItsMonth() throws Exception {
        UsageReport.Options o = UsageReport.parse(new String[] {"--from", "2027-02-03"}, TODAY);
        assertThat(o.to()).isEqualTo(LocalDate.of(2027, 2, 28));
    }

    @Test
    void helpReturnsNull() throws Exception {
        assertThat(UsageReport.parse(new String[] {"--help"}, TODAY)).isNull();
    }

    @Test
    void badArgumentsAreRejectedWithAClearMessage() {
        assertThatThrownBy(() -> UsageReport.parse(new String[] {"--from", "2026-13-01"}, TODAY))
                .hasMessageContaining("--from must be a date like 2026-11-01, got '2026-13-01'");
        assertThatThrownBy(() -> UsageReport.parse(new String[] {"--from", "2026-11-02", "--to", "2026-11-01"}, TODAY))
                .hasMessageContaining("is before --from");
        assertThatThrownBy(() -> UsageReport.parse(new String[] {"--top", "0"}, TODAY))
                .hasMessageContaining("--top must be at least 1");
        assertThatThrownBy(() -> UsageReport.parse(new String[] {"--top", "x"}, TODAY))
                .hasMessageContaining("--top must be a whole number");
        assertThatThrownBy(() -> UsageReport.parse(new String[] {"--user"}, TODAY))
                .hasMessageContaining("--user needs a value");
        assertThatThrownBy(() -> UsageReport.parse(new String[] {"--user", " "}, TODAY))
                .hasMessageContaining("--user must not be empty");
        assertThatThrownBy(() -> UsageReport.parse(new String[] {"--frm", "2026-11-01"}, TODAY))
                .hasMessageContaining("unknown argument '--frm'");
        assertThatThrownBy(() -> UsageReport.parse(new String[] {"--from", "2000-01-01", "--to", "2026-01-01"}, TODAY))
                .hasMessageContaining("longer than 5 years");
    }

    @Test
    void tableAlignsTextLeftAndNumbersRight() {
        String out = new TextTable("user", ">tokens").row("alice", "1,234").row("bob", "5").separator()
                .row("total", "1,239").render();
        assertThat(out).isEqualTo(String.join("\n",
                "user   tokens",
                "-------------",
                "alice   1,234",
                "bob         5",
                "-------------",
                "total   1,239",
                ""));
    }

    @Test
    void numbersAreGroupedAndCostHasFourDecimals() {
        assertThat(UsageReport.n(1234567)).isEqualTo("1,234,567");
        assertThat(UsageReport.usd(new java.math.BigDecimal("1234.567891"))).isEqualTo("1,234.5679");
    }

    @Test
    void chartFoldsSmallUsersIntoOthersAndDrawsBars() {
        LocalDate d1 = LocalDate.of(2026, 11, 1);
        LocalDate d2 = d1.plusDays(1);
        Map<String, Map<LocalDate, Long>> all = new LinkedHashMap<>();
        all.put("a", Map.of(d1, 100L, d2, 50L));
        all.put("b", Map.of(d1, 30L));
        all.put("c", Map.of(d2, 20L));
        Map<String, Map<LocalDate, Long>> top = DailyTokensChart.topSeries(List.of("a", "b", "c"), all, 1);
        assertThat(top.keySet()).containsExactly("a", DailyTokensChart.OTHERS_LABEL);
        assertThat(top.get(DailyTokensChart.OTHERS_LABEL)).isEqualTo(Map.of(d1, 30L, d2, 20L));

        BufferedImage image = DailyTokensChart.render("t", List.of(d1, d2), top);
        assertThat(image.getWidth()).isEqualTo(DailyTokensChart.WIDTH);
        int coloured = 0;
        for (int x = 0; x < image.getWidth(); x += 2) {
            for (int y = 0; y < image.getHeight(); y += 2) {
                int rgb = image.getRGB(x, y) & 0xffffff;
                if (rgb == 0x1f77b4) {
                    coloured++;
                }
            }
        }
        assertThat(coloured).as("pixels of the first series' colour").isGreaterThan(1000);
    }

    @Test
    void chartIsWrittenAsAPngThatDecodes(@TempDir Path dir) throws Exception {
        LocalDate d1 = LocalDate.of(2026, 11, 1);
        List<LocalDate> days = List.of(d1, d1.plusDays(1), d1.plusDays(2));
        Map<String, Map<LocalDate, Long>> series = new LinkedHashMap<>();
        series.put("alice", Map.of(d1, 1_200_000L, d1.plusDays(2), 300_000L));
        series.put(DailyTokensChart.OTHERS_LABEL, Map.of(d1.plusDays(1), 40_000L));
        Path png = dir.resolve("out/chart.png");
        DailyTokensChart.write(png, "Charged tokens per day", days, series);
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).isNotNull();
        assertThat(image.getWidth()).isEqualTo(DailyTokensChart.WIDTH);
        assertThat(image.getHeight()).isEqualTo(DailyTokensChart.HEIGHT);
        assertThat(image.getRGB(2, 2) & 0xffffff).as("white background").isEqualTo(0xffffff);

        Path empty = dir.resolve("empty.png");
        DailyTokensChart.write(empty, "no usage", days, Map.of());
        assertThat(ImageIO.read(empty.toFile())).isNotNull();
    }
}
