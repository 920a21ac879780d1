package io.kmqtt.mqttbench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Minimal SVG line and bar charts, so that reports need no plotting library. */
final class SvgChart {

    private static final String[] COLORS = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
            "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
    private static final int W = 800;
    private static final int H = 360;
    private static final int LEFT = 70;
    private static final int RIGHT = 180;
    private static final int TOP = 40;
    private static final int BOTTOM = 40;

    private SvgChart() {
    }

    /** Lines over time: x = seconds since start, one series per name. */
    static String lines(String title, String yLabel, Map<String, List<double[]>> series) {
        double maxX = 1;
        double maxY = 0;
        for (List<double[]> points : series.values()) {
            for (double[] p : points) {
                maxX = Math.max(maxX, p[0]);
                maxY = Math.max(maxY, p[1]);
            }
        }
        maxY = niceCeiling(maxY);
        StringBuilder svg = header(title);
        axes(svg, "seconds", yLabel, maxX, maxY);
        int i = 0;
        for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
            String color = COLORS[i % COLORS.length];
            StringBuilder points = new StringBuilder();
            for (double[] p : e.getValue()) {
                points.append(fmt(x(p[0], maxX))).append(',').append(fmt(y(p[1], maxY))).append(' ');
            }
            svg.append("<polyline fill=\"none\" stroke=\"").append(color).append("\" stroke-width=\"1.5\" points=\"")
                    .append(points).append("\"/>\n");
            legend(svg, i++, e.getKey(), color);
        }
        return svg.append("</svg>\n").toString();
    }

    /** Grouped bars: one group per category, one bar per series name. */
    static String bars(String title, String yLabel, List<String> categories, Map<String, double[]> series) {
        double maxY = 0;
        for (double[] values : series.values()) {
            for (double v : values) {
                maxY = Math.max(maxY, v);
            }
        }
        maxY = niceCeiling(maxY);
        StringBuilder svg = header(title);
        axes(svg, "", yLabel, 0, maxY);
        double groupWidth = (double) (W - LEFT - RIGHT) / Math.max(1, categories.size());
        double barWidth = groupWidth * 0.8 / Math.max(1, series.size());
        int s = 0;
        for (Map.Entry<String, double[]> e : series.entrySet()) {
            String color = COLORS[s % COLORS.length];
            for (int c = 0; c < categories.size(); c++) {
                double v = e.getValue()[c];
                double x0 = LEFT + c * groupWidth + groupWidth * 0.1 + s * barWidth;
                svg.append("<rect x=\"").append(fmt(x0)).append("\" y=\"").append(fmt(y(v, maxY))).append("\" width=\"")
                        .append(fmt(barWidth)).append("\" height=\"").append(fmt(H - BOTTOM - y(v, maxY)))
                        .append("\" fill=\"").append(color).append("\"/>\n");
            }
            legend(svg, s++, e.getKey(), color);
        }
        for (int c = 0; c < categories.size(); c++) {
            svg.append(text(LEFT + c * groupWidth + groupWidth / 2, H - BOTTOM + 16, categories.get(c), "middle"));
        }
        return svg.append("</svg>\n").toString();
    }

    static Map<String, List<double[]>> fromCounts(Map<String, List<? extends Number>> counts) {
        Map<String, List<double[]>> out = new LinkedHashMap<>();
        counts.forEach((name, values) -> {
            List<double[]> points = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                points.add(new double[]{i, values.get(i).doubleValue()});
            }
            out.put(name, points);
        });
        return out;
    }

    private static StringBuilder header(String title) {
        StringBuilder svg = new StringBuilder();
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(W).append("\" height=\"").append(H)
                .append("\" font-family=\"sans-serif\" font-size=\"12\">\n")
                .append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n")
                .append(text(W / 2.0, 22, escape(title), "middle").replace("<text", "<text font-size=\"15\""));
        return svg;
    }

    private static void axes(StringBuilder svg, String xLabel, String yLabel, double maxX, double maxY) {
        svg.append("<line x1=\"").append(LEFT).append("\" y1=\"").append(H - BOTTOM).append("\" x2=\"").append(W - RIGHT)
                .append("\" y2=\"").append(H - BOTTOM).append("\" stroke=\"black\"/>\n");
        svg.append("<line x1=\"").append(LEFT).append("\" y1=\"").append(TOP).append("\" x2=\"").append(LEFT)
                .append("\" y2=\"").append(H - BOTTOM).append("\" stroke=\"black\"/>\n");
        for (int i = 0; i <= 4; i++) {
            double v = maxY * i / 4;
            svg.append(text(LEFT - 6, y(v, maxY) + 4, compact(v), "end"));
            svg.append("<line x1=\"").append(LEFT).append("\" y1=\"").append(fmt(y(v, maxY))).append("\" x2=\"")
                    .append(W - RIGHT).append("\" y2=\"").append(fmt(y(v, maxY))).append("\" stroke=\"#ddd\"/>\n");
            if (maxX > 0) {
                double xv = maxX * i / 4;
                svg.append(text(x(xv, maxX), H - BOTTOM + 16, compact(xv), "middle"));
            }
        }
        svg.append(text((LEFT + W - RIGHT) / 2.0, H - 6, escape(xLabel), "middle"));
        svg.append("<text x=\"14\" y=\"").append(H / 2).append("\" transform=\"rotate(-90 14 ").append(H / 2)
                .append(")\" text-anchor=\"middle\">").append(escape(yLabel)).append("</text>\n");
    }

    private static void legend(StringBuilder svg, int i, String name, String color) {
        int y = TOP + 10 + i * 18;
        svg.append("<rect x=\"").append(W - RIGHT + 12).append("\" y=\"").append(y - 9).append("\" width=\"10\" height=\"10\" fill=\"")
                .append(color).append("\"/>\n");
        svg.append(text(W - RIGHT + 28, y, escape(name), "start"));
    }

    private static String text(double x, double y, String s, String anchor) {
        return "<text x=\"" + fmt(x) + "\" y=\"" + fmt(y) + "\" text-anchor=\"" + anchor + "\">" + s + "</text>\n";
    }

    private static double x(double v, double maxX) {
        return LEFT + v / maxX * (W - LEFT - RIGHT);
    }

    private static double y(double v, double maxY) {
        return H - BOTTOM - (maxY == 0 ? 0 : v / maxY * (H - TOP - BOTTOM));
    }

    static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
        for (double step : new double[]{1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= v) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String compact(double v) {
        if (v >= 1_000_000) {
            return fmt(v / 1_000_000) + "M";
        }
        if (v >= 10_000) {
            return fmt(v / 1_000) + "k";
        }
        return fmt(v);
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
