package io.kmqtt.it.conformance;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.kmqtt.it.conformance.Wire.ANSWER;
import static io.kmqtt.it.conformance.Wire.DISCONNECT;
import static io.kmqtt.it.conformance.Wire.PUBACK;
import static io.kmqtt.it.conformance.Wire.QUIET;
import static io.kmqtt.it.conformance.Wire.SUBACK;
import static io.kmqtt.it.RawMqtt.packet;
import static io.kmqtt.it.conformance.Wire.publish311;
import static io.kmqtt.it.conformance.Wire.publish5;
import static io.kmqtt.it.conformance.Wire.subscribe311;
import static io.kmqtt.it.RawMqtt.u16;
import static io.kmqtt.it.RawMqtt.utf8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Section 4.7 Topic Names and Topic Filters: where wildcards may stand, what '#' and '+' match,
 * '$' topics, and the rules every name and filter follows (length, no U+0000, no normalization).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class Section4_7_TopicNamesAndFiltersIT {

    private static Broker broker;
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        broker = Broker.start("4_7-topics");
        port = broker.port;
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    /** Subscribes one client per filter, publishes each topic at QoS 1, and returns what each filter got (topic names). */
    private static Map<String, List<String>> matches(List<String> filters, List<String> topics) throws Exception {
        Map<String, Wire> subscribers = new LinkedHashMap<>();
        Map<String, List<String>> got = new LinkedHashMap<>();
        try (Wire pub = Wire.connect311(port, "t-pub-" + System.nanoTime())) {
            int n = 0;
            for (String filter : filters) {
                Wire w = Wire.connect311(port, "t-sub-" + System.nanoTime() + "-" + n++);
                subscribers.put(filter, w);
                assertThat(w.subscribe(filter, 1)).as("granted: %s", filter).isEqualTo(1);
            }
            for (String topic : topics) {
                pub.publish(topic, 1, false, topic);
            }
            long deadline = System.nanoTime() + QUIET.toNanos(); // one quiet period for all of them
            for (Map.Entry<String, Wire> e : subscribers.entrySet()) {
                Duration left = Duration.ofNanos(Math.max(deadline - System.nanoTime(), 20_000_000));
                got.put(e.getKey(), e.getValue().receive(topics.size(), left).stream().map(Wire.Publish::topic).toList());
            }
        } finally {
            for (Wire w : subscribers.values()) {
                w.close();
            }
        }
        return got;
    }

    // ---- wildcards: where they may stand --------------------------------------------------------

    /** MQTT 3.1.1 [MQTT-4.7.1-1]: wildcards must not be used in a topic name: a PUBLISH to 'a/#' closes the connection. */
    @Test
    void mqtt_4_7_1_1_v311_wildcardInATopicNameClosesTheConnection() throws Exception {
        try (Wire w = Wire.connect311(port, "t-wild-311")) {
            w.send(publish311("wild/#", 1, false, false, 1, "x"));
            Wire.Closing c = w.awaitClose(ANSWER);
            assertThat(c.closed()).isTrue();
            assertThat(c.packets()).noneMatch(p -> p.type() == PUBACK);
        }
    }

    /**
     * MQTT 5.0 [MQTT-4.7.0-1], [MQTT-4.13.1-1]: the same for MQTT 5: the connection is closed, after
     * a DISCONNECT with an error reason code (0x90 Topic Name invalid, or 0x81/0x82) if any.
     */
    @Test
    void mqtt_4_7_0_1_v5_wildcardInATopicNameClosesTheConnection() throws Exception {
        try (Wire w = Wire.connect5(port, "t-wild-5")) {
            w.send(publish5("wild/+/x", 1, false, false, 1, new byte[0], "x"));
            Wire.Closing c = w.awaitClose(ANSWER);
            assertThat(c.closed()).isTrue();
            assertThat(c.packets()).allSatisfy(p -> {
                assertThat(p.type()).isEqualTo(DISCONNECT);
                assertThat(p.reasonCode()).isIn(0x81, 0x82, 0x90);
            });
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-4.7.1-2]: '#' stands alone or after a '/', and last; [MQTT-4.7.1-3]: '+' takes
     * a whole level. Filters breaking this get SUBACK 0x80; the others are granted.
     */
    @Test
    void mqtt_4_7_1_2_v311_wildcardsMustTakeWholeLevelsAndHashMustBeLast() throws Exception {
        try (Wire w = Wire.connect311(port, "t-filters")) {
            w.send(subscribe311(1,
                    "sport/tennis#", 1, "sport/tennis/#/ranking", 1, "sport/##", 1, // '#' misplaced
                    "sport+", 1, "sport/+tennis", 1, "+sport/x", 1,                  // '+' not a whole level
                    "#", 1, "sport/#", 1, "+", 1, "+/tennis/#", 1, "sport/+/player1", 1, "/+", 1));
            Wire.Packet suback = w.expect(SUBACK);
            assertThat(suback.subackCodes()).containsExactly(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 1, 1, 1, 1, 1, 1);
            assertThat(w.isClosed()).isFalse();
        }
    }

    // ---- wildcards: what they match ------------------------------------------------------------

    /**
     * MQTT 3.1.1 section 4.7.1.2 (5.0 alike): '#' matches the parent level and any number of child
     * levels: 'sport/tennis/player1/#' matches 'sport/tennis/player1' and below; 'sport/#' matches
     * 'sport'; neither matches a sibling sharing a prefix.
     */
    @Test
    void section_4_7_1_2_v311_multiLevelWildcardMatchesTheParentAndEveryChildLevel() throws Exception {
        Map<String, List<String>> got = matches(List.of("sport/tennis/player1/#", "sport/#"),
                List.of("sport/tennis/player1", "sport/tennis/player1/ranking", "sport/tennis/player1/score/wimbledon",
                        "sport", "sport/tennis/player2", "sports"));
        assertThat(got.get("sport/tennis/player1/#")).containsExactly("sport/tennis/player1", "sport/tennis/player1/ranking",
                "sport/tennis/player1/score/wimbledon");
        assertThat(got.get("sport/#")).containsExactly("sport/tennis/player1", "sport/tennis/player1/ranking",
                "sport/tennis/player1/score/wimbledon", "sport", "sport/tennis/player2");
    }

    /**
     * MQTT 3.1.1 section 4.7.1.3 (5.0 alike): '+' matches exactly one level, which may be empty:
     * 'sport/tennis/+' matches 'sport/tennis/player1' but not 'sport/tennis/player1/ranking';
     * 'sport/+' matches 'sport/' but not 'sport'; '+/+' and '/+' match '/finance', '+' does not.
     */
    @Test
    void section_4_7_1_3_v311_singleLevelWildcardMatchesExactlyOneLevel() throws Exception {
        Map<String, List<String>> got = matches(List.of("sport/tennis/+", "sport/+", "+/+", "/+", "+"),
                List.of("sport/tennis/player1", "sport/tennis/player1/ranking", "sport/", "sport", "/finance"));
        assertThat(got.get("sport/tennis/+")).containsExactly("sport/tennis/player1");
        assertThat(got.get("sport/+")).containsExactly("sport/");
        assertThat(got.get("+/+")).containsExactly("sport/", "/finance");
        assertThat(got.get("/+")).containsExactly("/finance");
        assertThat(got.get("+")).containsExactly("sport");
    }

    /**
     * MQTT 3.1.1 [MQTT-4.7.2-1] (5.0 alike): filters starting with a wildcard do not match topic names
     * starting with '$'; filters starting with the '$' level do.
     */
    @Test
    void mqtt_4_7_2_1_v311_wildcardFiltersDoNotMatchDollarTopics() throws Exception {
        Map<String, List<String>> got = matches(List.of("#", "+/status", "+/+", "$app/#", "$app/+"),
                List.of("$app/status", "plain/status"));
        assertThat(got.get("#")).containsExactly("plain/status");
        assertThat(got.get("+/status")).containsExactly("plain/status");
        assertThat(got.get("+/+")).containsExactly("plain/status");
        assertThat(got.get("$app/#")).containsExactly("$app/status");
        assertThat(got.get("$app/+")).containsExactly("$app/status");
    }

    /** MQTT 5.0 [MQTT-4.7.2-1]: the same with MQTT 5 clients (HiveMQ): '#' gets nothing published under '$app/'. */
    @Test
    void mqtt_4_7_2_1_v5_hashDoesNotMatchDollarTopics() throws Exception {
        Hive.Inbox5 all = Hive.Inbox5.connect(port, "t-hash-5").subscribe("#", 1);
        Hive.Inbox5 dollar = Hive.Inbox5.connect(port, "t-dollar-5").subscribe("$app/v5", 1);
        Mqtt5BlockingClient pub = Hive.v5(port, "t-dollar-5-pub");
        Hive.publish(pub, "$app/v5", "dollar", 1);
        Hive.publish(pub, "app/v5", "plain", 1);
        assertThat(dollar.texts(1, ANSWER)).containsExactly("dollar");
        assertThat(all.texts(2, QUIET.multipliedBy(2))).containsExactly("plain");
        all.disconnect();
        dollar.disconnect();
        pub.disconnect();
    }

    // ---- rules for every name and filter ---------------------------------------------------------

    /**
     * MQTT 3.1.1 [MQTT-4.7.3-1]: names and filters are at least one character long: a PUBLISH with an
     * empty topic name closes the connection, an empty filter is refused (0x80 or a close).
     */
    @Test
    void mqtt_4_7_3_1_v311_emptyTopicNamesAndFiltersAreRefused() throws Exception {
        try (Wire w = Wire.connect311(port, "t-empty-name")) {
            w.send(publish311("", 1, false, false, 1, "x"));
            Wire.Closing c = w.awaitClose(ANSWER);
            assertThat(c.closed()).isTrue();
            assertThat(c.packets()).noneMatch(p -> p.type() == PUBACK);
        }
        try (Wire w = Wire.connect311(port, "t-empty-filter")) {
            w.send(subscribe311(1, "", 1));
            List<Wire.Packet> got = w.awaitClose(QUIET).packets();
            if (!w.isClosed()) {
                assertThat(got).hasSize(1);
                assertThat(got.get(0).subackCodes()).containsExactly(0x80);
            }
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-4.7.3-2], [MQTT-1.4.0-2]: names and filters must not contain U+0000; a
     * receiver getting a packet with one closes the connection (here a SUBSCRIBE, not answered).
     */
    @Test
    void mqtt_4_7_3_2_v311_nullCharacterInAFilterClosesTheConnection() throws Exception {
        try (Wire w = Wire.connect311(port, "t-null")) {
            w.send(packet(0x82, u16(1), utf8(new byte[] {'a', 0, 'b'}), new byte[] {1}));
            Wire.Closing c = w.awaitClose(ANSWER);
            assertThat(c.closed()).isTrue();
            assertThat(c.packets()).noneMatch(p -> p.type() == SUBACK);
        }
    }

    /**
     * MQTT 3.1.1 [MQTT-4.7.3-4] (5.0 alike): no normalization in matching: case, empty levels, a trailing
     * '/', and composed against decomposed Unicode ('Ä' U+00C4 against 'A' + U+0308) all differ.
     */
    @Test
    void mqtt_4_7_3_4_v311_topicsAreMatchedWithoutNormalization() throws Exception {
        String composed = "norm/\u00C4";
        String decomposed = "norm/A\u0308";
        Map<String, List<String>> got = matches(List.of(composed, "norm/a/b"),
                List.of(composed, decomposed, "NORM/\u00C4", composed + "/", "norm//\u00C4", "norm/a/b", "norm/a//b", "norm/A/b"));
        assertThat(got.get(composed)).containsExactly(composed);
        assertThat(got.get("norm/a/b")).containsExactly("norm/a/b");
    }

    /** MQTT 3.1.1 [MQTT-1.4.0-1] with [MQTT-3.8.3-1]: a filter that is not well-formed UTF-8 closes the connection. */
    @Test
    void mqtt_3_8_3_1_v311_filterThatIsNotUtf8ClosesTheConnection() throws Exception {
        try (Wire w = Wire.connect311(port, "t-bad-utf8")) {
            w.send(packet(0x82, u16(1), utf8(new byte[] {'a', (byte) 0xC3, 0x28}), new byte[] {1}));
            Wire.Closing c = w.awaitClose(ANSWER);
            assertThat(c.closed()).isTrue();
            assertThat(c.packets()).noneMatch(p -> p.type() == SUBACK);
        }
    }
}
