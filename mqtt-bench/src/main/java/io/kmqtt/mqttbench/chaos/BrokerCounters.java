package io.kmqtt.mqttbench.chaos;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The broker's own count of what it dropped, read from the gateways' and routers' Prometheus
 * endpoints at the start and end of each row: a row's loss next to these tells a drop the broker
 * admits (a full queue, a store that failed) from one it does not know about. A process that
 * restarted during the row counts from zero; one that could not be read keeps its last reading
 * ({@link #merge}), and one never read before counts nothing (no baseline). Messages routers could
 * not route ({@code router_messages_unrouted_total}) are left out: the gateways' $SYS topics,
 * which nobody subscribes to, are most of them.
 */
public final class BrokerCounters {

    /** The counters read, by Prometheus name with labels, and how the report names them. */
    private static final Map<String, String> WATCHED = new TreeMap<>(Map.of(
            "mqtt_sessions_store_failures_total", "gateway store failures",
            "router_sessions_dropped_total", "router: offline queue full",
            "router_sessions_store_failures_total", "router store failures"));
    private static final String DROPPED = "mqtt_messages_dropped_total{reason=\"";
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final Supplier<Map<String, Map<String, Double>>> reader;
    private HttpClient http;

    private BrokerCounters(Supplier<Map<String, Map<String, Double>>> reader) {
        this.reader = reader;
    }

    /** Reads the Prometheus endpoints (process name to http://host:port/q/metrics) the supplier gives at each reading. */
    public static BrokerCounters scraping(Supplier<Map<String, URI>> endpoints) {
        BrokerCounters counters = new BrokerCounters(null);
        return new BrokerCounters(() -> counters.scrape(endpoints.get()));
    }

    /** Readings from elsewhere: process name to counter (report name) to value. */
    public static BrokerCounters reading(Supplier<Map<String, Map<String, Double>>> reader) {
        return new BrokerCounters(reader);
    }

    /** No endpoints: every reading is empty. */
    public static BrokerCounters none() {
        return new BrokerCounters(Map::of);
    }

    /** Reads every process now; the values per process, by report name. */
    public Map<String, Map<String, Double>> read() {
        return reader.get();
    }

    private synchronized Map<String, Map<String, Double>> scrape(Map<String, URI> targets) {
        if (http == null) {
            http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        }
        Map<String, CompletableFuture<HttpResponse<String>>> pending = new HashMap<>();
        targets.forEach((name, uri) -> pending.put(name, http.sendAsync(HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofString())));
        Map<String, Map<String, Double>> now = new HashMap<>();
        pending.forEach((name, future) -> {
            try {
                HttpResponse<String> response = future.get(TIMEOUT.toMillis() + 1000, TimeUnit.MILLISECONDS);
                if (response.statusCode() == 200) {
                    now.put(name, parse(response.body()));
                }
            } catch (Exception unreachable) {
                // dead or stalled: counted with what it had at the last reading
            }
        });
        return now;
    }

    /**
     * What the broker dropped between two readings, summed over processes, by report name; only
     * counters that moved. A counter lower than before means its process restarted: its new value counts.
     */
    public static Map<String, Long> between(Map<String, Map<String, Double>> before, Map<String, Map<String, Double>> after) {
        Map<String, Long> delta = new TreeMap<>();
        after.forEach((process, counters) -> counters.forEach((counter, value) -> {
            if (!before.containsKey(process)) {
                return;
            }
            double was = before.get(process).getOrDefault(counter, 0.0);
            double moved = value >= was ? value - was : value;
            if (moved > 0) {
                delta.merge(counter, Math.round(moved), Long::sum);
            }
        }));
        return delta;
    }

    /** The last reading of every process: the newer one's, else the older one's. */
    public static Map<String, Map<String, Double>> merge(Map<String, Map<String, Double>> older,
                                                         Map<String, Map<String, Double>> newer) {
        Map<String, Map<String, Double>> merged = new HashMap<>(older);
        merged.putAll(newer);
        return merged;
    }

    static Map<String, Double> parse(String prometheus) {
        Map<String, Double> values = new HashMap<>();
        for (String line : prometheus.split("\n")) {
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            int space = line.lastIndexOf(' ');
            if (space < 0) {
                continue;
            }
            String metric = line.substring(0, space);
            String name = null;
            if (metric.startsWith(DROPPED)) {
                name = metric.substring(DROPPED.length(), metric.indexOf('"', DROPPED.length()));
            } else if (WATCHED.containsKey(metric)) {
                name = WATCHED.get(metric);
            }
            if (name != null) {
                try {
                    values.merge(name, Double.parseDouble(line.substring(space + 1)), Double::sum);
                } catch (NumberFormatException e) {
                    // not a sample line
                }
            }
        }
        return values;
    }

    /** "queue_full 1,234, store_unavailable 5", or "" for none. */
    public static String describe(Map<String, Long> dropped) {
        List<String> parts = dropped.entrySet().stream()
                .map(e -> String.format(java.util.Locale.ROOT, "%s %,d", e.getKey(), e.getValue())).toList();
        return String.join(", ", parts);
    }
}
