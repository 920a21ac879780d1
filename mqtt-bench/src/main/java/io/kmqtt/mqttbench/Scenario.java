package io.kmqtt.mqttbench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * One load scenario, read from a properties file (src/main/resources/scenarios/NAME.properties or
 * a path). Sizes are given at full scale and multiplied by the scale factor; the steady phase and
 * the churn windows are multiplied by the time scale.
 *
 * @param family      {@code seed}: device/mobile pairs as in the seed; {@code fanout}: one publisher,
 *                    many subscribers; {@code fanin}: many publishers, a few subscribers;
 *                    {@code stream}: publisher/subscriber pairs, each publisher as fast as its window allows
 * @param pairs       seed: device/mobile pairs; fanout: subscribers; fanin: publishers; stream: pairs
 * @param subscribers fanin only: subscribers on the wildcard (or members of the shared group)
 * @param backend     seed only: add the "ListenToAllTopics" client subscribed to {@code topic/#}
 * @param qos1Share   share of publishes sent at QoS 1 (the rest QoS 0) when {@code qos} is -1;
 *                    subscriptions are then QoS 1
 * @param publishInterval time between two publishes of one publishing client
 * @param rampRate    new connections per second during ramp-up (whole run, all workers)
 * @param steady      how long clients keep publishing once everyone is connected
 * @param churnShare  share of connections that disconnect after a random time in [ttlMin, ttlMax]
 *                    and are replaced by a new connection of the same client
 * @param qos         0, 1 or 2: every publish and subscription at that QoS; -1: mixed by qos1Share
 * @param count       stream: messages per publisher, 0 for as many as the steady phase allows
 * @param maxInflight stream: unacknowledged QoS 1/2 publishes per publisher (mosquitto_pub's default is 20)
 */
public record Scenario(String name, String description, String family, int pairs, int subscribers, boolean backend,
                       boolean shared, double qos1Share, Duration publishInterval, int payloadBytes, int rampRate,
                       Duration steady, double churnShare, Duration ttlMin, Duration ttlMax, int qos, long count,
                       int maxInflight) {

    /** The scenarios shipped in src/main/resources/scenarios, in the order --help lists them. */
    public static final List<String> BUILT_IN = List.of("seed-1", "seed-2", "seed-3", "seed-4", "seed-5", "seed-6",
            "seed-7", "seed-8", "p2p", "fanout", "fanin", "fanin-shared", "stream", "idle");

    /** One line per built-in scenario: its name and description. */
    public static List<String> builtInSummary() {
        return BUILT_IN.stream().map(n -> String.format(Locale.ROOT, "  %-13s %s", n, load(n, 1, 1).description())).toList();
    }

    public static Scenario load(String nameOrPath, double scale, double timeScale) {
        Properties p = new Properties();
        String name = nameOrPath;
        try {
            Path file = Path.of(nameOrPath);
            if (Files.isRegularFile(file)) {
                try (InputStream in = Files.newInputStream(file)) {
                    p.load(in);
                }
                name = file.getFileName().toString().replaceFirst("\\.properties$", "");
            } else {
                try (InputStream in = Scenario.class.getResourceAsStream("/scenarios/" + nameOrPath + ".properties")) {
                    if (in == null) {
                        throw new IllegalArgumentException("no scenario '" + nameOrPath + "': give one of "
                                + String.join(", ", BUILT_IN) + ", or a .properties file");
                    }
                    p.load(in);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return fromProperties(name, p, scale, timeScale);
    }

    static Scenario fromProperties(String name, Properties p, double scale, double timeScale) {
        if (scale <= 0 || timeScale <= 0) {
            throw new IllegalArgumentException("scale and time scale must be positive");
        }
        String family = p.getProperty("family", "seed");
        if (!List.of("seed", "fanin", "fanout", "stream").contains(family)) {
            throw new IllegalArgumentException(name + ": family must be seed, fanin, fanout or stream, not " + family);
        }
        int qos = Integer.parseInt(p.getProperty("qos", "-1"));
        long count = Long.parseLong(p.getProperty("count", "0"));
        int maxInflight = Integer.parseInt(p.getProperty("max-inflight", "20"));
        checkStreamSettings(name, qos, count, maxInflight);
        double qos1 = Double.parseDouble(p.getProperty("qos1-share", "0"));
        double churn = Double.parseDouble(p.getProperty("churn-share", "0"));
        if (qos1 < 0 || qos1 > 1 || churn < 0 || churn > 1) {
            throw new IllegalArgumentException(name + ": qos1-share and churn-share are between 0 and 1");
        }
        Duration ttlMin = scaled(duration(p.getProperty("ttl-min", "0s")), timeScale);
        Duration ttlMax = scaled(duration(p.getProperty("ttl-max", "0s")), timeScale);
        if (churn > 0 && (ttlMin.isZero() || ttlMax.compareTo(ttlMin) < 0)) {
            throw new IllegalArgumentException(name + ": churn needs 0 < ttl-min <= ttl-max");
        }
        return new Scenario(name, p.getProperty("description", name), family,
                scaledCount(Integer.parseInt(p.getProperty("pairs", "1")), scale),
                scaledCount(Integer.parseInt(p.getProperty("subscribers", "1")), family.equals("fanin") ? scale : 1),
                Boolean.parseBoolean(p.getProperty("backend", "false")),
                Boolean.parseBoolean(p.getProperty("shared", "false")), qos1,
                duration(p.getProperty("publish-interval", "10s")),
                Integer.parseInt(p.getProperty("payload-bytes", "64")),
                scaledCount(Integer.parseInt(p.getProperty("ramp-rate", "1000")), scale),
                scaled(duration(p.getProperty("steady", "60s")), timeScale), churn, ttlMin, ttlMax, qos, count, maxInflight);
    }

    static void checkStreamSettings(String name, int qos, long count, int maxInflight) {
        if (qos < -1 || qos > 2) {
            throw new IllegalArgumentException(name + ": QoS is 0, 1 or 2, not " + qos);
        }
        if (count < 0 || count >= Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + ": count is between 0 (the steady phase decides) and "
                    + (Integer.MAX_VALUE - 1) + ", not " + count);
        }
        if (maxInflight < 1 || maxInflight > 65_535) {
            throw new IllegalArgumentException(name + ": max-inflight is between 1 and 65535, not " + maxInflight);
        }
    }

    /** The same scenario with command-line overrides (null: keep the file's value). */
    public Scenario with(Duration publishInterval, Integer rampRate, Duration steady, Integer qos, Long count,
                         Integer maxInflight) {
        Scenario s = new Scenario(name, description, family, pairs, subscribers, backend, shared, qos1Share,
                publishInterval != null ? publishInterval : this.publishInterval, payloadBytes,
                rampRate != null ? rampRate : Math.max(50, this.rampRate), steady != null ? steady : this.steady,
                churnShare, ttlMin, ttlMax, qos != null ? qos : this.qos, count != null ? count : this.count,
                maxInflight != null ? maxInflight : this.maxInflight);
        checkStreamSettings(name, s.qos, s.count, s.maxInflight);
        return s;
    }

    /** QoS of the next publish: the scenario's, or QoS 1 for its qos1Share of publishes and 0 for the rest. */
    public int publishQos(double random) {
        return qos >= 0 ? qos : random < qos1Share ? 1 : 0;
    }

    /** QoS of every subscription. */
    public int subscribeQos() {
        return qos >= 0 ? qos : 1;
    }

    /** Whether messages carry a publisher id and sequence number and the run counts loss, duplicates and reordering. */
    public boolean sequenced() {
        return family.equals("stream") || family.equals("fanin");
    }

    /** Seed users (user1..userN) the run logs in as; wildcard subscribers log in as the backend superuser. */
    public int users() {
        return switch (family) {
            case "fanout" -> pairs + 1;
            default -> pairs;
        };
    }

    /** Connections this scenario opens at its peak (without churn replacements). */
    public int connections() {
        return switch (family) {
            case "seed" -> 2 * pairs + (backend ? 1 : 0);
            case "fanout" -> pairs + 1;
            case "stream" -> 2 * pairs;
            default -> pairs + subscribers;
        };
    }

    static int scaledCount(int full, double scale) {
        return (int) Math.max(1, Math.round(full * scale));
    }

    static Duration scaled(Duration d, double factor) {
        return Duration.ofMillis(Math.round(d.toMillis() * factor));
    }

    /** "250ms", "30s", "5m", "1h". */
    static Duration duration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        long n = Long.parseLong(t.substring(0, t.length() - 1));
        return switch (t.charAt(t.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            default -> throw new IllegalArgumentException("not a duration: " + text);
        };
    }
}
