package dev.streaminfer.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTick;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.block.BlockBorder;
import org.jfree.chart.block.ColumnArrangement;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.HorizontalAlignment;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The benchmark's PNG (JFreeChart, headless): throughput versus max batch size (left) with the
 * ceiling and the record-at-a-time pipeline as reference lines, and p50/p99 latency at the
 * open-loop load versus max batch size (right, log scale).
 */
final class Plot {

    /** One point of the batch-size sweep. */
    record Point(int maxTexts, double textsPerSecond, double p50Ms, double p99Ms) {}

    private static final int W = 1200;
    private static final int H = 600;
    private static final int HEADER = 36;
    private static final Color BATCHED = new Color(0x1f77b4);
    private static final Color CEILING = new Color(0x2ca02c);
    private static final Color PER_RECORD = new Color(0xd62728);
    private static final Color P50 = new Color(0xff7f0e);
    private static final Color GRID = new Color(0xe6e6e6);
    private static final BasicStroke LINE = new BasicStroke(2.5f);
    private static final BasicStroke DASHED =
            new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {8f, 6f}, 0f);
    private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    private static final Font PANEL_TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 14);
    private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Font TICKS = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private Plot() {}

    static void write(Path file, String title, List<Point> sweep, double ceiling, double perRecord,
                      double perRecordP99) throws IOException {
        double[] x = xRange(sweep);

        Panel left = new Panel(x);
        left.reference(String.format(Locale.ROOT, "(a) ONNX Runtime ceiling %.0f", ceiling), ceiling, CEILING);
        left.reference(String.format(Locale.ROOT, "(c) per-record pipeline %.0f", perRecord), perRecord, PER_RECORD);
        left.series("(b) micro-batched pipeline", sweep, Point::textsPerSecond, BATCHED);
        JFreeChart throughput = left.chart("throughput (burst)", new NumberAxis("throughput (texts/s)"));

        Panel right = new Panel(x);
        right.reference(String.format(Locale.ROOT, "(c) per-record p99 %.0f ms", perRecordP99), perRecordP99, PER_RECORD);
        right.series("(b) p99", sweep, Point::p99Ms, BATCHED);
        right.series("(b) p50", sweep, Point::p50Ms, P50);
        LatencyAxis ms = new LatencyAxis("latency (ms, log scale)");
        double[] decades = right.decades();
        ms.setRange(decades[0], decades[1]);
        JFreeChart latency = right.chart("latency at 70% of each point's capacity (open loop)", ms);

        BufferedImage image = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            TextTitle header = new TextTitle(title, TITLE);
            header.setBackgroundPaint(Color.WHITE);
            header.setPadding(new RectangleInsets(10, 10, 4, 10));
            header.arrange(g);
            header.draw(g, new Rectangle2D.Double(0, 0, W, HEADER));
            throughput.draw(g, new Rectangle2D.Double(0, HEADER, W / 2.0, H - HEADER));
            latency.draw(g, new Rectangle2D.Double(W / 2.0, HEADER, W / 2.0, H - HEADER));
        } finally {
            g.dispose();
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            ChartUtils.writeBufferedImageAsPNG(out, image);
        }
    }

    /** The batch sizes on a log2 axis, with a little room either side of the first and last point. */
    private static double[] xRange(List<Point> sweep) {
        double lo = sweep.stream().mapToInt(Point::maxTexts).filter(t -> t > 0).min().orElse(1);
        double hi = sweep.stream().mapToInt(Point::maxTexts).filter(t -> t > 0).max().orElse(1);
        return new double[] {lo / 1.25, hi * 1.25};
    }

    /** One chart: x is the sweep's batch sizes on a log2 scale; reference lines span the whole width. */
    private static final class Panel {
        final double[] x;
        final XYSeriesCollection data = new XYSeriesCollection();
        final XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);

        Panel(double[] x) {
            this.x = x;
        }

        void reference(String label, double v, Color color) {
            if (!(v > 0) || Double.isInfinite(v)) return;
            XYSeries s = new XYSeries(label, false, true);
            s.add(x[0], v);
            s.add(x[1], v);
            int i = add(s, color);
            renderer.setSeriesStroke(i, DASHED);
            renderer.setSeriesShapesVisible(i, false);
        }

        void series(String label, List<Point> sweep, ToDoubleFunction<Point> value, Color color) {
            XYSeries s = new XYSeries(label, false, true);
            for (Point p : sweep) {
                double v = value.applyAsDouble(p);
                if (p.maxTexts() > 0 && v > 0 && !Double.isInfinite(v)) {
                    s.add(p.maxTexts(), v);
                }
            }
            int i = add(s, color);
            renderer.setSeriesStroke(i, LINE);
            renderer.setSeriesShape(i, new Ellipse2D.Double(-4, -4, 8, 8));
        }

        private int add(XYSeries s, Color color) {
            data.addSeries(s);
            int i = data.getSeriesCount() - 1;
            renderer.setSeriesPaint(i, color);
            return i;
        }

        /** Whole decades around every value, for a log axis. */
        double[] decades() {
            double min = Double.MAX_VALUE;
            double max = 10;
            for (int i = 0; i < data.getSeriesCount(); i++) {
                for (int j = 0; j < data.getItemCount(i); j++) {
                    min = Math.min(min, data.getYValue(i, j));
                    max = Math.max(max, data.getYValue(i, j));
                }
            }
            min = Math.min(min, max);
            return new double[] {Math.pow(10, Math.floor(Math.log10(min))), Math.pow(10, Math.ceil(Math.log10(max * 1.2)))};
        }

        JFreeChart chart(String title, ValueAxis y) {
            LogAxis batch = new LogAxis("max batch size (texts)");
            batch.setBase(2);
            batch.setTickUnit(new NumberTickUnit(1)); // 1, 2, 4, 8 ...
            batch.setNumberFormatOverride(new DecimalFormat("0"));
            batch.setRange(x[0], x[1]);
            for (ValueAxis axis : List.of(batch, y)) {
                axis.setLabelFont(LABEL);
                axis.setTickLabelFont(TICKS);
                axis.setTickLabelPaint(Color.DARK_GRAY);
                axis.setAxisLinePaint(Color.BLACK);
            }

            XYPlot plot = new XYPlot(data, batch, y, renderer);
            plot.setBackgroundPaint(Color.WHITE);
            plot.setOutlinePaint(Color.GRAY);
            plot.setDomainGridlinePaint(GRID);
            plot.setRangeGridlinePaint(GRID);
            plot.setDomainGridlineStroke(new BasicStroke(1f));
            plot.setRangeGridlineStroke(new BasicStroke(1f));
            plot.setNoDataMessage("no data");

            JFreeChart chart = new JFreeChart(title, PANEL_TITLE, plot, false);
            chart.setBackgroundPaint(Color.WHITE);
            chart.setPadding(new RectangleInsets(8, 10, 8, 10));
            // one entry a line, so that both panels' plots are the same height
            LegendTitle legend = new LegendTitle(plot, new ColumnArrangement(), new ColumnArrangement());
            legend.setPosition(RectangleEdge.BOTTOM);
            legend.setHorizontalAlignment(HorizontalAlignment.LEFT);
            legend.setItemFont(TICKS);
            legend.setFrame(BlockBorder.NONE);
            legend.setBackgroundPaint(Color.WHITE);
            chart.addSubtitle(legend);
            return chart;
        }
    }

    /** log10: a grid line at every 1..9 × 10^n, a label at 1, 2 and 5 × 10^n. */
    private static final class LatencyAxis extends LogarithmicAxis {
        private static final long serialVersionUID = 1L;
        private static final DecimalFormat FORMAT = new DecimalFormat("#,##0.##", DecimalFormatSymbols.getInstance(Locale.ROOT));

        LatencyAxis(String label) {
            super(label);
        }

        @Override
        protected List<NumberTick> refreshTicksVertical(Graphics2D g2, Rectangle2D dataArea, RectangleEdge edge) {
            List<NumberTick> ticks = new ArrayList<>();
            for (Object o : super.refreshTicksVertical(g2, dataArea, edge)) {
                NumberTick t = (NumberTick) o;
                double v = t.getValue();
                long lead = Math.round(v / Math.pow(10, Math.floor(Math.log10(v) + 1e-9)));
                String text = lead == 1 || lead == 2 || lead == 5 ? FORMAT.format(v) : "";
                ticks.add(new NumberTick(v, text, t.getTextAnchor(), t.getRotationAnchor(), t.getAngle()));
            }
            return ticks;
        }
    }
}
