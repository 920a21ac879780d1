package io.kmqtt.core.topic;

import io.kmqtt.core.index.SubscriptionIndex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Topic names and filters, MQTT 3.1.1 and 5.0 section 4.7. */
class TopicsTest {

    /**
     * filter | topic | matches. The spec's own examples (4.7.1.2, 4.7.1.3, 4.7.2) and edge cases.
     * Every row is checked against both the string matcher and the subscription index.
     */
    @ParameterizedTest(name = "{0} vs {1} -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            sport/tennis/player1/#          | sport/tennis/player1                | true
            sport/tennis/player1/#          | sport/tennis/player1/ranking        | true
            sport/tennis/player1/#          | sport/tennis/player1/score/wimbledon| true
            sport/tennis/player1/#          | sport/tennis/player2                | false
            sport/#                         | sport                               | true
            #                               | sport/tennis                        | true
            #                               | /                                   | true
            sport/tennis/+                  | sport/tennis/player1                | true
            sport/tennis/+                  | sport/tennis/player1/ranking        | false
            sport/tennis/+                  | sport/tennis                        | false
            sport/+                         | sport                               | false
            sport/+                         | sport/                              | true
            +/+                             | /finance                            | true
            /+                              | /finance                            | true
            +                               | /finance                            | false
            +                               | finance                             | true
            /#                              | /finance                            | true
            /#                              | finance                             | false
            a//b                            | a//b                                | true
            a/+/b                           | a//b                                | true
            a//b                            | a/b                                 | false
            +/+/+                           | a//b                                | true
            a/b                             | a/b                                 | true
            a/b                             | a/b/                                | false
            a/b/                            | a/b/                                | true
            a/b                             | A/b                                 | false
            #                               | $SYS/monitor/Clients                | false
            +/monitor/Clients               | $SYS/monitor/Clients                | false
            +/#                             | $SYS/monitor                        | false
            $SYS/#                          | $SYS/monitor/Clients                | true
            $SYS/monitor/+                  | $SYS/monitor/Clients                | true
            $SYS/#                          | $SYS                                | true
            a/$x/#                          | a/$x/y                              | true
            +/$x                            | a/$x                                | true
            topic/device_user7/t_3          | topic/device_user7/t_3              | true
            topic/device_user7/+            | topic/device_user7/t_3              | true
            topic/device_user7/+            | topic/device_user70/t_3             | false
            """)
    void matching(String filter, String topic, boolean expected) {
        assertThat(Topics.validateFilter(filter, TopicLimits.DEFAULT)).isEqualTo(TopicVerdict.VALID);
        assertThat(Topics.validateName(topic, TopicLimits.DEFAULT)).isEqualTo(TopicVerdict.VALID);
        assertThat(Topics.matches(filter, topic)).as("Topics.matches").isEqualTo(expected);

        SubscriptionIndex<String, Integer> index = new SubscriptionIndex<>();
        index.add(filter, "client", 1);
        List<String> hits = new ArrayList<>();
        index.match(topic, (k, v) -> hits.add(k));
        assertThat(!hits.isEmpty()).as("SubscriptionIndex.match").isEqualTo(expected);
    }

    @Test
    void MQTT_4_7_2_1_dollarTopicsAreNotMatchedByLeadingWildcards() {
        assertThat(Topics.matches("#", "$SYS/uptime")).isFalse();
        assertThat(Topics.matches("+/uptime", "$SYS/uptime")).isFalse();
        assertThat(Topics.matches("$SYS/+", "$SYS/uptime")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"+", "#", "+/tennis/#", "sport/+/player1", "/", "//", "sport/tennis/#", "a/+/+/#", "$SYS/#", "+/+"})
    void MQTT_4_7_1_validFilters(String filter) {
        assertThat(Topics.validateFilter(filter, TopicLimits.DEFAULT)).isEqualTo(TopicVerdict.VALID);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            sport/tennis#           | MISPLACED_MULTI_LEVEL_WILDCARD
            sport/tennis/#/ranking  | MISPLACED_MULTI_LEVEL_WILDCARD
            #/a                     | MISPLACED_MULTI_LEVEL_WILDCARD
            ##                      | MISPLACED_MULTI_LEVEL_WILDCARD
            sport+                  | MISPLACED_SINGLE_LEVEL_WILDCARD
            +sport                  | MISPLACED_SINGLE_LEVEL_WILDCARD
            sport/+tennis           | MISPLACED_SINGLE_LEVEL_WILDCARD
            ++                      | MISPLACED_SINGLE_LEVEL_WILDCARD
            """)
    void MQTT_4_7_1_2_and_4_7_1_3_misplacedWildcards(String filter, TopicVerdict expected) {
        assertThat(Topics.validateFilter(filter, TopicLimits.DEFAULT)).isEqualTo(expected);
    }

    @Test
    void MQTT_4_7_3_1_emptyTopicsAreInvalid() {
        assertThat(Topics.validateFilter("", TopicLimits.DEFAULT)).isEqualTo(TopicVerdict.EMPTY);
        assertThat(Topics.validateName("", TopicLimits.DEFAULT)).isEqualTo(TopicVerdict.EMPTY);
        assertThat(Topics.validateName(null, TopicLimits.DEFAULT)).isEqualTo(TopicVerdict.EMPTY);
    }

    @Test
    void MQTT_4_7_3_2_nullCharacterIsInvalid() {
        assertThat(Topics.validateName("a/\u0000/b", TopicLimits.DEFAULT)).isEqualTo(TopicVerdict.NULL_CHARACTER);
        assertThat(Topics.validateFilter("a/\u0000", TopicLimits.DEFAULT)).isEqualTo(TopicVerdict.NULL_CHARACTER);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/+", "a/#", "#", "+", "a+b", "x#"})
    void MQTT_3_3_2_2_topicNamesMustNotContainWildcards(String name) {
        assertThat(Topics.validateName(name, TopicLimits.DEFAULT)).isEqualTo(TopicVerdict.WILDCARD_IN_NAME);
    }

    @Test
    void lengthIsCountedInUtf8Bytes() {
        TopicLimits limits = new TopicLimits(6, 10);
        assertThat(Topics.validateName("abcdef", limits)).isEqualTo(TopicVerdict.VALID);
        assertThat(Topics.validateName("abcdefg", limits)).isEqualTo(TopicVerdict.TOO_LONG);
        assertThat(Topics.validateName("ééé", limits)).as("3 chars, 6 bytes").isEqualTo(TopicVerdict.VALID);
        assertThat(Topics.validateName("éééé", limits)).as("4 chars, 8 bytes").isEqualTo(TopicVerdict.TOO_LONG);
        assertThat(Topics.validateName("€€", limits)).as("2 chars, 6 bytes").isEqualTo(TopicVerdict.VALID);
        assertThat(Topics.validateName("\uD83D\uDE00\uD83D\uDE00", new TopicLimits(7, 10))).as("two 4-byte emoji")
                .isEqualTo(TopicVerdict.TOO_LONG);
    }

    @Test
    void levelsAreLimited() {
        TopicLimits limits = new TopicLimits(1000, 3);
        assertThat(Topics.validateName("a/b/c", limits)).isEqualTo(TopicVerdict.VALID);
        assertThat(Topics.validateName("a/b/c/d", limits)).isEqualTo(TopicVerdict.TOO_MANY_LEVELS);
        assertThat(Topics.validateFilter("///", limits)).as("four empty levels").isEqualTo(TopicVerdict.TOO_MANY_LEVELS);
        assertThat(Topics.validateName("/".repeat(65_000), TopicLimits.DEFAULT)).isEqualTo(TopicVerdict.TOO_MANY_LEVELS);
    }
}
