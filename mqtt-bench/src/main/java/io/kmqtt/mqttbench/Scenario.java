package io.kmqtt.mqttbench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Properties;

/**
 * One load scenario, read from a properties file (src/main/resources/scenarios/NAME.properties or
 * a path). Sizes are given at full scale and multiplied by the scale factor; the steady phase and
 * the churn windows are multiplied by the time scale.
 *
 * @param family      {@code seed}: device/mobile pairs as in the seed; {@code fanout}: one publisher,
 *                    many subscribers; {@code fanin}: many publishers, a few subscribers
 * @param pairs       seed: device/mobile pairs; fanout: subscribers; fanin: publishers
 * @param subscribers fanin only: subscribers on the wildcard (or members of the shared group)
 * @param backend     seed only: add the "ListenToAllTopics" client subscribed to {@code topic/#}
 * @param qos1Share   share of publishes sent at QoS 1 (the rest QoS 0); subscriptions are QoS 1
 * @param publishInterval time between two publishes of one publishing client
 * @param rampRate    new connections per second during ramp-up (whole run, all workers)
 * @param steady      how long clients keep publishing once everyone is connected
 * @param churnShare  share of connections that disconnect after a random time in [ttlMin, ttlMax]
 *                    and are replaced by a new connection of the same client
 */
public record Scenario(String name, String description, String family, int pairs, int subscribers, boolean backend,
                       boolean shared, double qos1Share, Duration publishInterval, int payloadBytes, int rampRate,
                       Duration steady, double churnShare, Duration ttlMin, Duration ttlMax) {

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
                        throw new IllegalArgumentException("no scenario '" + nameOrPath + "': give a name from "
                                + "src/main/resources/scenarios or a .properties file");
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
        if (!family.equals("seed") && !family.equals("fanin") && !family.equals("fanout")) {
            throw new IllegalArgumentException(name + ": family must be seed, fanin or fanout, not " + family);
        }
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
                scaled(duration(p.getProperty("steady", "60s")), timeScale), churn, ttlMin, ttlMax);
    }

    /** Connections this scenario opens at its peak (without churn replacements). */
    public int connections() {
        return switch (family) {
            case "seed" -> 2 * pairs + (backend ? 1 : 0);
            case "fanout" -> pairs + 1;
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
