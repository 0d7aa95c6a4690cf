package dev.streaminfer.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * The benchmark's PNG (Java2D, headless): throughput versus max batch size (left) with the
 * ceiling and the record-at-a-time pipeline as reference lines, and p50/p99 latency at the
 * open-loop load versus max batch size (right, log scale).
 */
final class Plot {

    /** One point of the batch-size sweep. */
    record Point(int maxTexts, double textsPerSecond, double p50Ms, double p99Ms) {}

    private static final int W = 1200;
    private static final int H = 600;
    private static final Color BATCHED = new Color(0x1f77b4);
    private static final Color CEILING = new Color(0x2ca02c);
    private static final Color PER_RECORD = new Color(0xd62728);
    private static final Color P50 = new Color(0xff7f0e);

    private Plot() {}

    static void write(Path file, String title, List<Point> sweep, double ceiling, double perRecord,
                      double perRecordP99) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, W, H);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, 20, 24);

        double maxTput = Math.max(ceiling, perRecord);
        for (Point p : sweep) maxTput = Math.max(maxTput, p.textsPerSecond());
        Panel left = new Panel(70, 60, 480, 380, sweep, 0, nice(maxTput * 1.1), false);
        left.frame(g, "max batch size (texts)", "texts/s", "throughput (burst)");
        left.hline(g, ceiling, CEILING, String.format(Locale.ROOT, "(a) ONNX Runtime ceiling %.0f", ceiling));
        left.hline(g, perRecord, PER_RECORD, String.format(Locale.ROOT, "(c) per-record pipeline %.0f", perRecord));
        left.series(g, sweep.stream().mapToDouble(Point::textsPerSecond).toArray(), BATCHED, "(b) micro-batched pipeline");

        double maxLat = Math.max(perRecordP99, 10);
        double minLat = 1e9;
        for (Point p : sweep) {
            maxLat = Math.max(maxLat, p.p99Ms());
            minLat = Math.min(minLat, Math.max(1, p.p50Ms()));
        }
        Panel right = new Panel(680, 60, 480, 380, sweep, Math.pow(10, Math.floor(Math.log10(Math.min(minLat, perRecordP99)))),
                Math.pow(10, Math.ceil(Math.log10(maxLat * 1.2))), true);
        right.frame(g, "max batch size (texts)", "ms (log)", "latency at 70% of each point's capacity (open loop)");
        right.hline(g, perRecordP99, PER_RECORD, String.format(Locale.ROOT, "(c) per-record p99 %.0f ms", perRecordP99));
        right.series(g, sweep.stream().mapToDouble(Point::p99Ms).toArray(), BATCHED, "(b) p99");
        right.series(g, sweep.stream().mapToDouble(Point::p50Ms).toArray(), P50, "(b) p50");
        g.dispose();
        ImageIO.write(image, "png", file.toFile());
    }

    private static double nice(double v) {
        double step = Math.pow(10, Math.floor(Math.log10(v)));
        return Math.ceil(v / step) * step;
    }

    /** One chart: x is the sweep's batch sizes on a log2 scale, y linear or log10. */
    private static final class Panel {
        final int x;
        final int y;
        final int w;
        final int h;
        final List<Point> sweep;
        final double yMin;
        final double yMax;
        final boolean log;
        int legend;

        Panel(int x, int y, int w, int h, List<Point> sweep, double yMin, double yMax, boolean log) {
            this.x = x;
            this.y = y;
            this.w = w;
            this.h = h;
            this.sweep = sweep;
            this.yMin = yMin;
            this.yMax = yMax;
            this.log = log;
        }

        double px(int maxTexts) {
            double lo = Math.log(sweep.get(0).maxTexts()) / Math.log(2);
            double hi = Math.log(sweep.get(sweep.size() - 1).maxTexts()) / Math.log(2);
            double v = Math.log(maxTexts) / Math.log(2);
            return x + 20 + (hi == lo ? 0.5 : (v - lo) / (hi - lo)) * (w - 40);
        }

        double py(double v) {
            double f = log ? (Math.log10(Math.max(v, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))
                    : (v - yMin) / (yMax - yMin);
            return y + h - Math.max(0, Math.min(1, f)) * h;
        }

        void frame(Graphics2D g, String xLabel, String yLabel, String title) {
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.setColor(new Color(0xeeeeee));
            int ticks = 5;
            for (int i = 0; i <= ticks; i++) {
                double v = log ? Math.pow(10, Math.log10(yMin) + i * (Math.log10(yMax) - Math.log10(yMin)) / ticks)
                        : yMin + i * (yMax - yMin) / ticks;
                int yy = (int) py(v);
                g.setColor(new Color(0xeeeeee));
                g.drawLine(x, yy, x + w, yy);
                g.setColor(Color.DARK_GRAY);
                g.drawString(String.format(Locale.ROOT, "%.0f", v), x - 45, yy + 4);
            }
            for (Point p : sweep) {
                int xx = (int) px(p.maxTexts());
                g.setColor(new Color(0xeeeeee));
                g.drawLine(xx, y, xx, y + h);
                g.setColor(Color.DARK_GRAY);
                g.drawString(Integer.toString(p.maxTexts()), xx - 6, y + h + 16);
            }
            g.setColor(Color.BLACK);
            g.drawRect(x, y, w, h);
            g.drawString(xLabel, x + w / 2 - 60, y + h + 36);
            g.drawString(yLabel, x - 60, y - 8);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
            g.drawString(title, x + 10, y - 8 - 16);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        }

        void hline(Graphics2D g, double v, Color color, String label) {
            if (!(v > 0)) return;
            g.setColor(color);
            g.setStroke(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {8f, 6f}, 0f));
            int yy = (int) py(v);
            g.drawLine(x, yy, x + w, yy);
            g.setStroke(new BasicStroke(1f));
            legend(g, color, label);
        }

        void series(Graphics2D g, double[] values, Color color, String label) {
            g.setColor(color);
            g.setStroke(new BasicStroke(2.5f));
            for (int i = 0; i < values.length; i++) {
                int xx = (int) px(sweep.get(i).maxTexts());
                int yy = (int) py(values[i]);
                g.fillOval(xx - 4, yy - 4, 8, 8);
                if (i > 0) {
                    g.drawLine((int) px(sweep.get(i - 1).maxTexts()), (int) py(values[i - 1]), xx, yy);
                }
            }
            g.setStroke(new BasicStroke(1f));
            legend(g, color, label);
        }

        private void legend(Graphics2D g, Color color, String label) {
            int ly = y + h + 56 + legend * 16;
            g.setColor(color);
            g.fillRect(x + 10, ly - 9, 18, 8);
            g.setColor(Color.BLACK);
            g.drawString(label, x + 34, ly);
            legend++;
        }
    }
}
