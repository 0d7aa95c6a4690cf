package dev.streaminfer.sql.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * A stacked bar chart of charged tokens per UTC day, one colour per user (the biggest users
 * by tokens in the period; the rest together as "others"), written as PNG with Java2D.
 */
final class DailyTokensChart {

    static final int WIDTH = 1200;
    static final int HEIGHT = 640;
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x17becf),
    };
    private static final Color OTHERS = new Color(0xb0b0b0);
    static final String OTHERS_LABEL = "others";

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
        if (!ImageIO.write(image, "png", file.toFile())) {
            throw new IOException("no PNG writer available");
        }
    }

    static BufferedImage render(String title, List<LocalDate> days, Map<String, Map<LocalDate, Long>> tokensByUser) {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);

            int left = 90;
            int right = 220;
            int top = 50;
            int bottom = 70;
            int plotW = WIDTH - left - right;
            int plotH = HEIGHT - top - bottom;

            long maxTotal = 1;
            for (LocalDate day : days) {
                long total = 0;
                for (Map<LocalDate, Long> series : tokensByUser.values()) {
                    total += series.getOrDefault(day, 0L);
                }
                maxTotal = Math.max(maxTotal, total);
            }
            long step = niceStep(maxTotal / 5.0);
            long axisMax = ((maxTotal + step - 1) / step) * step;

            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            g.drawString(title, left, 30);

            // grid and y axis labels
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            FontMetrics fm = g.getFontMetrics();
            for (long v = 0; v <= axisMax; v += step) {
                int y = top + plotH - (int) Math.round((double) v / axisMax * plotH);
                g.setColor(new Color(0xe6e6e6));
                g.drawLine(left, y, left + plotW, y);
                g.setColor(Color.DARK_GRAY);
                String label = compact(v);
                g.drawString(label, left - 8 - fm.stringWidth(label), y + fm.getAscent() / 2 - 1);
            }
            g.setColor(Color.DARK_GRAY);
            Graphics2D rotated = (Graphics2D) g.create();
            rotated.rotate(-Math.PI / 2);
            rotated.drawString("charged tokens per day", -(top + plotH / 2 + 60), 20);
            rotated.dispose();

            // bars
            int n = Math.max(days.size(), 1);
            double slot = (double) plotW / n;
            int barW = Math.max(1, (int) Math.floor(slot * 0.75));
            List<Color> colors = colors(tokensByUser);
            DateTimeFormatter label = DateTimeFormatter.ofPattern("MM-dd", Locale.ROOT);
            int labelEvery = Math.max(1, (int) Math.ceil(n / (plotW / 45.0)));
            for (int d = 0; d < days.size(); d++) {
                LocalDate day = days.get(d);
                int x = left + (int) Math.round(d * slot + (slot - barW) / 2);
                double base = 0;
                int s = 0;
                for (Map<LocalDate, Long> series : tokensByUser.values()) {
                    long v = series.getOrDefault(day, 0L);
                    if (v > 0) {
                        int y0 = top + plotH - (int) Math.round(base / axisMax * plotH);
                        int y1 = top + plotH - (int) Math.round((base + v) / axisMax * plotH);
                        g.setColor(colors.get(s));
                        g.fillRect(x, y1, barW, Math.max(1, y0 - y1));
                        base += v;
                    }
                    s++;
                }
                if (d % labelEvery == 0) {
                    g.setColor(Color.DARK_GRAY);
                    String text = day.format(label);
                    g.drawString(text, x + barW / 2 - fm.stringWidth(text) / 2, top + plotH + 18);
                }
            }
            g.setColor(Color.BLACK);
            g.setStroke(new BasicStroke(1.2f));
            g.drawLine(left, top + plotH, left + plotW, top + plotH);
            g.drawLine(left, top, left, top + plotH);
            g.drawString("day (UTC)", left + plotW / 2 - 25, top + plotH + 45);

            // legend
            int ly = top + 10;
            int s = 0;
            for (String user : tokensByUser.keySet()) {
                g.setColor(colors.get(s++));
                g.fillRect(left + plotW + 20, ly - 10, 12, 12);
                g.setColor(Color.BLACK);
                g.drawString(shorten(user, 28), left + plotW + 38, ly);
                ly += 20;
            }
            if (tokensByUser.isEmpty()) {
                g.drawString("no usage in this period", left + plotW / 2 - 60, top + plotH / 2);
            }
        } finally {
            g.dispose();
        }
        return image;
    }

    private static List<Color> colors(Map<String, Map<LocalDate, Long>> series) {
        List<Color> colors = new ArrayList<>();
        int i = 0;
        for (String name : series.keySet()) {
            colors.add(OTHERS_LABEL.equals(name) ? OTHERS : PALETTE[i++ % PALETTE.length]);
        }
        return colors;
    }

    /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
    static long niceStep(double raw) {
        if (raw <= 1) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        for (int m : new int[] {1, 2, 5, 10}) {
            if (m * magnitude >= raw) {
                return (long) (m * magnitude);
            }
        }
        return (long) (10 * magnitude);
    }

    static String compact(long v) {
        if (v >= 1_000_000_000L && v % 100_000_000L == 0) {
            return (v / 1_000_000_000.0) + "G";
        }
        if (v >= 1_000_000L && v % 100_000L == 0) {
            return trim(v / 1_000_000.0) + "M";
        }
        if (v >= 1_000L && v % 100L == 0) {
            return trim(v / 1_000.0) + "k";
        }
        return Long.toString(v);
    }

    private static String trim(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
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
