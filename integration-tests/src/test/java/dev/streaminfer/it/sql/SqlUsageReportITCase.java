package dev.streaminfer.it.sql;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.it.sql.SqlTestData.Window;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.LocalDate;
import java.time.ZoneOffset;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/usage-report's Java side against real PostgreSQL: the tables it prints and the PNG. */
class SqlUsageReportITCase {

    private static SqlTestData data;
    private static Window w;

    @BeforeAll
    static void writeTheKnownSet() throws Exception {
        data = new SqlTestData();
        // ten years ahead: no other rows in this period
        w = data.window(LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1).plusYears(10), "report");
        try (Connection c = data.connect()) {
            SqlTestData.deleteTestRows(c);
            data.insertTestPrices(c, w);
            data.write(c, w.writes);
        }
    }

    @AfterAll
    static void cleanUp() throws Exception {
        try (Connection c = data.connect()) {
            SqlTestData.deleteTestRows(c);
        }
    }

    /** Runs the report in-process: UsageReport.parse + run (package-private, called reflectively). */
    private static String report(String... args) throws Exception {
        Class<?> k = Class.forName("dev.streaminfer.sql.report.UsageReport");
        Method parse = k.getDeclaredMethod("parse", String[].class, LocalDate.class);
        parse.setAccessible(true);
        Object options = parse.invoke(null, args, LocalDate.now(ZoneOffset.UTC));
        Class<?> optionsClass = Class.forName("dev.streaminfer.sql.report.UsageReport$Options");
        Method run = k.getDeclaredMethod("run", optionsClass, Connection.class, PrintStream.class);
        run.setAccessible(true);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Connection c = data.connect(); PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            run.invoke(null, options, c, out);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void printsPerUserTotalsRejectionsAndLatency(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("usage.png");
        String out = report("--from", w.firstDay.toString(), "--to", w.firstDay.plusDays(3).toString(),
                "--png", png.toString());
        // alice: 11 requests, 8 completed (4 M1/M2 on day 0, 4 test model), 1 rejected, 1 expired,
        // 1 cancelled; 4,020 tokens; cost 0.00036 + 0.00016 + 0.01 + 0.005 + 0.05 + 0.0075 = 0.07302
        assertThat(out).containsPattern(data.alice + " +11 +8 +1 +1 +0 +1 +4,020 +0\\.0730\\s");
        // bob: 6 requests, 2 completed (10 + 60 tokens), 3 rejected, 1 failed
        assertThat(out).containsPattern(data.bob + " +6 +2 +3 +0 +1 +0 +70 +0\\.0003\\s");
        assertThat(out).containsPattern("total \\(3 users\\) +21 +");
        assertThat(out).containsPattern("rejected +quota_exceeded +" + data.bob + " +2 +45");
        assertThat(out).containsPattern("expired +deadline_exceeded +" + data.alice + " +1 +70");
        assertThat(out).contains(data.testModel);
        assertThat(out).contains("Chart written to");

        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(1200);
        assertThat(image.getHeight()).isEqualTo(640);
        assertThat(Files.size(png)).isGreaterThan(5_000);
    }

    @Test
    void oneUserGetsADailyBreakdown() throws Exception {
        String out = report("--from", w.firstDay.toString(), "--to", w.firstDay.plusDays(3).toString(),
                "--user", data.carol);
        assertThat(out).contains("user " + data.carol);
        assertThat(out).doesNotContain(data.alice);
        assertThat(out).contains("Per day, user and model");
        // day 3: 3 requests on M1, 2 completed (9 + 11 tokens), one still queued
        assertThat(out).containsPattern(w.firstDay.plusDays(3) + " +" + data.carol + " +all-minilm-l6-v2-q +3 +2 +0 +0 +0 +0 +20 ");
    }

    @Test
    void anEmptyPeriodSaysSo() throws Exception {
        String out = report("--from", "1971-03-01", "--to", "1971-03-02", "--user", data.alice);
        assertThat(out).contains("(no requests in this period)").contains("(none)");
    }
}
