package io.kmqtt.mqttbench;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The report's charts, drawn with XChart: each as name.svg and name.png (for viewers that do not
 * render SVG). Latencies go on log axes: a CONNECT during a ramp takes seconds while a delivery
 * takes a fraction of a millisecond, and one linear axis would flatten the fast ones to nothing.
 */
final class Charts {

    private static final int WIDTH = 900;
    private static final int HEIGHT = 420;

    /** A chart written into the report's directory; png is false if only the SVG could be drawn. */
    record Written(String name, String title, boolean png) {
    }

    private final Path dir;
    private final List<Written> written = new ArrayList<>();

    Charts(Path dir) {
        System.setProperty("java.awt.headless", "true");
        this.dir = dir;
    }

    List<Written> written() {
        return List.copyOf(written);
    }

    /** Lines over time: x = seconds since the start; points with no value (null, or not positive on a log axis) are left out. */
    void lines(String name, String title, String yLabel, boolean logarithmic, Map<String, List<double[]>> series)
            throws IOException {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("seconds")
                .yAxisTitle(yLabel).build();
        style(chart.getStyler());
        chart.getStyler().setYAxisLogarithmic(logarithmic);
        chart.getStyler().setXAxisDecimalPattern("#,##0");
        int added = 0;
        for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
            List<double[]> points = e.getValue().stream().filter(p -> !Double.isNaN(p[1]) && (!logarithmic || p[1] > 0)).toList();
            if (points.isEmpty()) {
                continue;
            }
            XYSeries s = chart.addSeries(e.getKey(), points.stream().mapToDouble(p -> p[0]).toArray(),
                    points.stream().mapToDouble(p -> p[1]).toArray());
            s.setMarker(points.size() == 1 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
            added++;
        }
        if (added > 0) {
            save(chart, name, title);
        }
    }

    /** Grouped bars on a log axis: one group per category (sampler), one bar per measure; values not positive are left out. */
    void bars(String name, String title, String yLabel, Map<String, Map<String, Double>> byCategory) throws IOException {
        Map<String, Map<String, Double>> positive = new LinkedHashMap<>();
        byCategory.forEach((category, values) -> {
            if (values.values().stream().anyMatch(v -> v > 0)) {
                positive.put(category, values);
            }
        });
        if (positive.isEmpty()) {
            return;
        }
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("")
                .yAxisTitle(yLabel).build();
        style(chart.getStyler());
        chart.getStyler().setYAxisLogarithmic(true);
        List<String> categories = new ArrayList<>(positive.keySet());
        List<String> measures = new ArrayList<>(positive.values().iterator().next().keySet());
        double floor = positive.values().stream().flatMap(m -> m.values().stream()).filter(v -> v > 0)
                .mapToDouble(Double::doubleValue).min().orElse(0.001);
        for (String measure : measures) {
            // a bar of a log axis needs a positive value: zero (QoS 0 publishes) is drawn at the floor
            List<Double> values = categories.stream().map(c -> Math.max(floor, positive.get(c).getOrDefault(measure, 0.0))).toList();
            chart.addSeries(measure, categories, values);
        }
        double top = positive.values().stream().flatMap(m -> m.values().stream()).mapToDouble(Double::doubleValue).max().orElse(1);
        // whole decades, so that the tallest bar does not run into the top edge unlabelled
        chart.getStyler().setYAxisMin(Math.pow(10, Math.floor(Math.log10(floor))));
        chart.getStyler().setYAxisMax(Math.pow(10, Math.ceil(Math.log10(top))));
        save(chart, name, title);
    }

    /** Per-second counts or values (index = second) as chart points; null entries become gaps. */
    static Map<String, List<double[]>> perSecond(Map<String, List<? extends Number>> values) {
        Map<String, List<double[]>> out = new LinkedHashMap<>();
        values.forEach((name, list) -> {
            List<double[]> points = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                Number v = list.get(i);
                points.add(new double[]{i, v == null ? Double.NaN : v.doubleValue()});
            }
            out.put(name, points);
        });
        return out;
    }

    private static void style(Styler styler) {
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setLegendPosition(Styler.LegendPosition.OutsideE);
        styler.setLegendBorderColor(Color.WHITE);
        styler.setPlotBorderVisible(false);
        styler.setChartTitleBoxVisible(false);
    }

    private void save(Chart<?, ?> chart, String name, String title) throws IOException {
        VectorGraphicsEncoder.saveVectorGraphic(chart, dir.resolve(name).toString(), VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
        boolean png;
        try {
            BitmapEncoder.saveBitmap(chart, dir.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG);
            png = true;
        } catch (IOException | RuntimeException | LinkageError noJava2d) {
            // a JRE without fonts or AWT libraries draws no bitmap; the SVG is still there
            png = false;
        }
        written.add(new Written(name, title, png));
    }
}
