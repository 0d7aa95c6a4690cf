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
import org.jfree.chart.axis.LogarithmicAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTick;
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
 * The benchmark's PNG (JFreeChart, headless): open-loop p50 (left) and p99 (right) latency versus
 * offered load (as a share of each configuration's own measured capacity), one line per
 * configuration and model, log latency scale.
 */
final class Plot {

    /** One open-loop phase: offered load in % of the configuration's capacity, latency. */
    record Point(double loadPercent, double p50Ms, double p99Ms) {}

    /** One configuration's points (e.g. "(b) pipeline, all-minilm-l6-v2-q"). */
    record Curve(String label, List<Point> points) {}

    private static final int W = 1200;
    private static final int H = 600;
    private static final int HEADER = 36;
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b)};
    private static final Color GRID = new Color(0xe6e6e6);
    private static final BasicStroke LINE = new BasicStroke(2.5f);
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

    static void write(Path file, String title, List<Curve> curves) throws IOException {
        JFreeChart p50 = chart("p50 latency, open loop", curves, Point::p50Ms);
        JFreeChart p99 = chart("p99 latency, open loop", curves, Point::p99Ms);
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
            p50.draw(g, new Rectangle2D.Double(0, HEADER, W / 2.0, H - HEADER));
            p99.draw(g, new Rectangle2D.Double(W / 2.0, HEADER, W / 2.0, H - HEADER));
        } finally {
            g.dispose();
        }
        try (OutputStream out = Files.newOutputStream(file)) {
            ChartUtils.writeBufferedImageAsPNG(out, image);
        }
    }

    private static JFreeChart chart(String title, List<Curve> curves, ToDoubleFunction<Point> value) {
        XYSeriesCollection data = new XYSeriesCollection();
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        double min = Double.MAX_VALUE;
        double max = 10;
        for (Curve c : curves) {
            XYSeries s = new XYSeries(c.label(), false, true);
            for (Point p : c.points()) {
                double v = value.applyAsDouble(p);
                if (v > 0 && !Double.isInfinite(v)) {
                    s.add(p.loadPercent(), v);
                    min = Math.min(min, v);
                    max = Math.max(max, v);
                }
            }
            data.addSeries(s);
            int i = data.getSeriesCount() - 1;
            renderer.setSeriesPaint(i, COLORS[i % COLORS.length]);
            renderer.setSeriesStroke(i, LINE);
            renderer.setSeriesShape(i, new Ellipse2D.Double(-4, -4, 8, 8));
        }
        min = Math.min(min, max);
        NumberAxis load = new NumberAxis("offered load (% of the configuration's capacity)");
        load.setRange(0, 100);
        LatencyAxis ms = new LatencyAxis("latency (ms, log scale)");
        ms.setRange(Math.pow(10, Math.floor(Math.log10(min))), Math.pow(10, Math.ceil(Math.log10(max * 1.2))));
        for (ValueAxis axis : List.of(load, ms)) {
            axis.setLabelFont(LABEL);
            axis.setTickLabelFont(TICKS);
            axis.setTickLabelPaint(Color.DARK_GRAY);
            axis.setAxisLinePaint(Color.BLACK);
        }
        XYPlot plot = new XYPlot(data, load, ms, renderer);
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
        LegendTitle legend = new LegendTitle(plot, new ColumnArrangement(), new ColumnArrangement());
        legend.setPosition(RectangleEdge.BOTTOM);
        legend.setHorizontalAlignment(HorizontalAlignment.LEFT);
        legend.setItemFont(TICKS);
        legend.setFrame(BlockBorder.NONE);
        legend.setBackgroundPaint(Color.WHITE);
        chart.addSubtitle(legend);
        return chart;
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
