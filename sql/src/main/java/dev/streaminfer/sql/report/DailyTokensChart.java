package dev.streaminfer.sql.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.NumberFormat;
import java.text.SimpleDateFormat;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TimeZone;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.DateAxis;
import org.jfree.chart.axis.DateTickMarkPosition;
import org.jfree.chart.axis.DateTickUnit;
import org.jfree.chart.axis.DateTickUnitType;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.TickUnits;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.StackedXYBarRenderer;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.ui.HorizontalAlignment;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.time.Day;
import org.jfree.data.time.TimeTableXYDataset;

/**
 * A stacked bar chart of charged tokens per UTC day, one colour per user (the biggest users
 * by tokens in the period; the rest together as "others"), written as PNG with JFreeChart.
 */
final class DailyTokensChart {

    static final int WIDTH = 1200;
    static final int HEIGHT = 640;
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf),
    };
    private static final Color OTHERS = new Color(0xb0b0b0);
    private static final Color GRID = new Color(0xe6e6e6);
    static final String OTHERS_LABEL = "others";
    private static final TimeZone UTC = TimeZone.getTimeZone(ZoneOffset.UTC);

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private DailyTokensChart() {}

    /**
     * @param days every day of the period, in order (days without usage are drawn empty)
     * @param tokensByUser series in legend order (largest first), each day → tokens; a series
     *     named {@link #OTHERS_LABEL} is drawn grey
     */
    static void write(Path file, String title, List<LocalDate> days, Map<String, Map<LocalDate, Long>> tokensByUser)
            throws IOException {
        BufferedImage image = render(title, days, tokensByUser);
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            ChartUtils.writeBufferedImageAsPNG(out, image);
        }
    }

    static BufferedImage render(String title, List<LocalDate> days, Map<String, Map<LocalDate, Long>> tokensByUser) {
        return chart(title, days, tokensByUser).createBufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB, null);
    }

    private static JFreeChart chart(String title, List<LocalDate> days, Map<String, Map<LocalDate, Long>> tokensByUser) {
        // series in insertion order: the first is the bottom of each stack and the top of the legend
        TimeTableXYDataset data = new TimeTableXYDataset(UTC, Locale.ROOT);
        for (Map.Entry<String, Map<LocalDate, Long>> series : tokensByUser.entrySet()) {
            for (LocalDate day : days) {
                data.add(new Day(day.getDayOfMonth(), day.getMonthValue(), day.getYear()),
                        series.getValue().getOrDefault(day, 0L), series.getKey());
            }
        }

        DateAxis x = new DateAxis("day (UTC)", UTC, Locale.ROOT);
        x.setStandardTickUnits(dayTickUnits());
        x.setTickMarkPosition(DateTickMarkPosition.MIDDLE);
        if (!days.isEmpty()) {
            x.setRange(new Date(millis(days.get(0))), new Date(millis(days.get(days.size() - 1).plusDays(1))));
        }
        NumberAxis y = new NumberAxis("charged tokens per day");
        y.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        NumberFormat compact = NumberFormat.getCompactNumberInstance(Locale.ENGLISH, NumberFormat.Style.SHORT);
        compact.setMaximumFractionDigits(1); // 500K, 2.5M
        y.setNumberFormatOverride(compact);
        y.setTickLabelInsets(new RectangleInsets(12, 4, 12, 4)); // spaces the ticks: about ten, not twenty

        StackedXYBarRenderer bars = new StackedXYBarRenderer(0.25);
        bars.setBarPainter(new StandardXYBarPainter());
        bars.setShadowVisible(false);
        bars.setDrawBarOutline(false);
        int palette = 0;
        int s = 0;
        for (String user : tokensByUser.keySet()) {
            bars.setSeriesPaint(s++, OTHERS_LABEL.equals(user) ? OTHERS : PALETTE[palette++ % PALETTE.length]);
        }
        bars.setLegendItemLabelGenerator((dataset, series) -> shorten(dataset.getSeriesKey(series).toString(), 28));

        XYPlot plot = new XYPlot(data, x, y, bars);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setOutlineVisible(false);
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinePaint(GRID);
        plot.setRangeGridlineStroke(new BasicStroke(1f));
        plot.setNoDataMessage("no usage in this period");
        plot.setNoDataMessageFont(new Font(Font.SANS_SERIF, Font.PLAIN, 16));

        Font ticks = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        Font labels = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
        for (var axis : List.of(x, y)) {
            axis.setTickLabelFont(ticks);
            axis.setLabelFont(labels);
            axis.setTickLabelPaint(Color.DARK_GRAY);
            axis.setAxisLinePaint(Color.BLACK);
        }

        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 18), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        chart.setPadding(new RectangleInsets(10, 10, 10, 10));
        chart.getTitle().setHorizontalAlignment(HorizontalAlignment.LEFT);
        LegendTitle legend = chart.getLegend();
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setItemFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        legend.setFrame(BlockBorder.NONE);
        legend.setBackgroundPaint(Color.WHITE);
        return chart;
    }

    /** Whole days only (odd multiples, so that a tick in the middle of its unit is the middle of a bar). */
    private static TickUnits dayTickUnits() {
        SimpleDateFormat format = new SimpleDateFormat("MM-dd", Locale.ROOT);
        format.setTimeZone(UTC);
        TickUnits units = new TickUnits();
        for (int n : new int[] {1, 3, 7, 15, 31, 91, 183}) {
            units.add(new DateTickUnit(DateTickUnitType.DAY, n, format));
        }
        return units;
    }

    private static long millis(LocalDate day) {
        return day.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }

    private static String shorten(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }

    /** Keeps the {@code keep} largest series and folds the rest into {@link #OTHERS_LABEL}. */
    static Map<String, Map<LocalDate, Long>> topSeries(List<String> usersByTokensDesc,
            Map<String, Map<LocalDate, Long>> all, int keep) {
        Map<String, Map<LocalDate, Long>> out = new LinkedHashMap<>();
        Map<LocalDate, Long> others = new LinkedHashMap<>();
        for (int i = 0; i < usersByTokensDesc.size(); i++) {
            String user = usersByTokensDesc.get(i);
            Map<LocalDate, Long> series = all.getOrDefault(user, Map.of());
            if (i < keep) {
                out.put(user, series);
            } else {
                series.forEach((day, v) -> others.merge(day, v, Long::sum));
            }
        }
        if (!others.isEmpty()) {
            out.put(OTHERS_LABEL, others);
        }
        return out;
    }
}
