package io.kmqtt.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One scrape of a service's Prometheus endpoint ({@code /q/metrics}), parsed from the text format. */
final class Scrape {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** One sample line: {@code name{labels} value}. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    private final List<Sample> samples;
    private final String text;

    private Scrape(List<Sample> samples, String text) {
        this.samples = samples;
        this.text = text;
    }

    static Scrape of(int httpPort) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/q/metrics"))
                .header("Accept", "text/plain").timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("/q/metrics on port " + httpPort + " answered " + response.statusCode());
        }
        return parse(response.body());
    }

    static Scrape parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = brace < 0 ? line.indexOf(' ') : line.indexOf(' ', line.lastIndexOf('}'));
            String name = line.substring(0, brace < 0 ? space : brace);
            Map<String, String> labels = new LinkedHashMap<>();
            if (brace >= 0) {
                String body = line.substring(brace + 1, line.lastIndexOf('}'));
                int i = 0;
                while (i < body.length()) {
                    int eq = body.indexOf('=', i);
                    int open = eq + 1; // the opening quote
                    int close = open + 1;
                    StringBuilder value = new StringBuilder();
                    while (body.charAt(close) != '"') {
                        if (body.charAt(close) == '\\') {
                            close++;
                        }
                        value.append(body.charAt(close++));
                    }
                    labels.put(body.substring(i, eq).trim(), value.toString());
                    i = close + 1;
                    if (i < body.length() && body.charAt(i) == ',') {
                        i++;
                    }
                }
            }
            String[] rest = line.substring(space + 1).trim().split(" ");
            samples.add(new Sample(name, labels, Double.parseDouble(rest[0])));
        }
        return new Scrape(samples, text);
    }

    /** The sum of every sample named {@code name} that has all the given labels ({@code "key", "value", ...}). */
    double value(String name, String... labels) {
        double sum = 0;
        boolean found = false;
        for (Sample s : samples) {
            if (s.name().equals(name) && hasLabels(s, labels)) {
                sum += s.value();
                found = true;
            }
        }
        if (!found) {
            throw new AssertionError("no sample " + name + " " + String.join(",", labels) + " in the scrape");
        }
        return sum;
    }

    /** Whether any sample named {@code name} has the given labels. */
    boolean has(String name, String... labels) {
        return samples.stream().anyMatch(s -> s.name().equals(name) && hasLabels(s, labels));
    }

    String text() {
        return text;
    }

    private static boolean hasLabels(Sample s, String[] labels) {
        for (int i = 0; i + 1 < labels.length; i += 2) {
            if (!labels[i + 1].equals(s.labels().get(labels[i]))) {
                return false;
            }
        }
        return true;
    }
}
