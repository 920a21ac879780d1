package io.kmqtt.mqttbench.chaos;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** One row's accounting: streams per topic and subscriber, time to recover, the counts a FaultRow shows. */
class RowTallyTest {

    /** 2 publishers, 3 subscribers (chaos/# and two sharing the 4 topics), 4 topics. */
    private final WorkloadSettings settings = WorkloadSettings.defaults(List.of(new Endpoint("lb", "127.0.0.1", 1883)), null, null)
            .withClients(2, 3, 4);
    private final AtomicLong micros = new AtomicLong(1_000_000_000L);
    private final RowTally row = new RowTally(1, "kill-router", settings, () -> micros.get() * 1000, micros::get, 999_000_000L);

    private void advanceMillis(long ms) {
        micros.addAndGet(ms * 1000);
    }

    /** Topic t's message seq created now, acknowledged, then delivered to every subscriber that should get it. */
    private void deliver(int topic, long seq) {
        long created = micros.get();
        row.sent(topic, seq);
        row.acknowledged(topic, seq, 2_000_000);
        for (int s = 0; s < settings.subscribers(); s++) {
            if (settings.receives(s, topic)) {
                row.received(topic, s, seq, created);
            }
        }
    }

    @Test
    void everyTopicGoesToTheWildcardSubscriberAndToOneOfTheOthers() {
        assertThat(settings.filtersOf(0)).containsExactly("chaos/#");
        assertThat(settings.filtersOf(1)).containsExactly("chaos/00", "chaos/02");
        assertThat(settings.filtersOf(2)).containsExactly("chaos/01", "chaos/03");
        assertThat(settings.publisherOf(3)).isEqualTo(1);
        assertThat(row.loss().streams()).extracting(s -> s.stream()).containsExactly(
                "chaos/00 -> chaos-sub-1", "chaos/00 -> chaos-sub-2", "chaos/01 -> chaos-sub-1", "chaos/01 -> chaos-sub-3",
                "chaos/02 -> chaos-sub-1", "chaos/02 -> chaos-sub-2", "chaos/03 -> chaos-sub-1", "chaos/03 -> chaos-sub-3");
    }

    @Test
    void aCleanRowAddsUpAndHasNothingToRecoverFrom() {
        for (long seq = 1; seq <= 10; seq++) {
            for (int t = 0; t < 4; t++) {
                deliver(t, seq);
            }
            advanceMillis(10);
        }
        FaultRow r = FaultRow.of(row);
        assertThat(r.created()).isEqualTo(40);
        assertThat(r.acknowledged()).isEqualTo(40);
        assertThat(r.expected()).isEqualTo(80);
        assertThat(r.delivered()).isEqualTo(80);
        assertThat(r.lost()).isZero();
        assertThat(r.timeToRecoverSeconds()).isNull();
        assertThat(r.notRecovered()).isEmpty();
        assertThat(r.longestPubackWaitSeconds()).isCloseTo(0.002, within(1e-9));
        assertThat(r.addsUp()).isTrue();
    }

    @Test
    void timeToRecoverRunsFromTheDisruptionToTheLastStreamsFirstNewMessage() {
        deliver(0, 1);
        deliver(1, 1);
        row.disrupted("kill -9 router-1");
        long disruption = micros.get();
        advanceMillis(100);
        // a message created before the disruption arriving late does not count as recovery
        row.received(2, 0, 1, disruption - 1);
        deliver(0, 2);
        deliver(1, 2);
        assertThat(row.timeToRecoverSeconds()).as("topics 2 and 3 have not delivered since").isNull();
        assertThat(row.notRecovered()).containsExactlyInAnyOrder("chaos/02 -> chaos-sub-1", "chaos/02 -> chaos-sub-2",
                "chaos/03 -> chaos-sub-1", "chaos/03 -> chaos-sub-3");
        advanceMillis(3_900);
        deliver(2, 2);
        deliver(3, 1);
        assertThat(row.timeToRecoverSeconds()).isCloseTo(4.0, within(1e-6));
    }

    @Test
    void aLaterDisruptionStartsTheCountAgain() {
        row.disrupted("restart gw-1");
        advanceMillis(500);
        for (int t = 0; t < 4; t++) {
            deliver(t, 1);
        }
        assertThat(row.timeToRecoverSeconds()).isCloseTo(0.5, within(1e-6));
        advanceMillis(5_000);
        row.disrupted("restart gw-2");
        assertThat(row.timeToRecoverSeconds()).isNull();
        advanceMillis(1_200);
        for (int t = 0; t < 4; t++) {
            deliver(t, 2);
        }
        assertThat(row.timeToRecoverSeconds()).isCloseTo(1.2, within(1e-6));
        assertThat(row.events()).extracting(RowTally.Event::what).containsExactly("restart gw-1", "restart gw-2");
    }

    @Test
    void lossAfterAcknowledgementDuplicatesAndStrangersAreCounted() {
        for (long seq = 1; seq <= 5; seq++) {
            row.sent(0, seq);
        }
        row.acknowledged(0, 1, 1);
        row.acknowledged(0, 2, 1);
        row.acknowledged(0, 3, 1);
        row.received(0, 0, 1, 0);
        row.received(0, 0, 1, 0);       // a duplicate
        row.received(0, 0, 3, 0);
        row.received(0, 1, 1, 0);
        row.received(1, 1, 1, 0);       // chaos-sub-2 does not subscribe to chaos/01
        row.resent();
        row.reconnected("chaos-pub-1", 2_500_000_000L);
        row.reconnected("chaos-sub-1", 700_000_000L);
        row.sessionLost();
        FaultRow r = FaultRow.of(row);
        assertThat(r.created()).isEqualTo(5);
        assertThat(r.acknowledged()).isEqualTo(3);
        assertThat(r.expected()).isEqualTo(10);
        assertThat(r.delivered()).isEqualTo(3);
        assertThat(r.lost()).isEqualTo(7);
        assertThat(r.lostAfterAck()).as("2 on chaos-sub-1, 2 and 3 on chaos-sub-2").isEqualTo(3);
        assertThat(r.duplicates()).isEqualTo(1);
        assertThat(r.unexpected()).isEqualTo(1);
        assertThat(r.resent()).isEqualTo(1);
        assertThat(r.reconnects()).isEqualTo(2);
        assertThat(r.longestReconnectSeconds()).isEqualTo(2.5);
        assertThat(r.longestReconnectClient()).isEqualTo("chaos-pub-1");
        assertThat(r.sessionsLost()).isEqualTo(1);
        assertThat(r.addsUp()).isTrue();
    }

    @Test
    void silenceEndsWithTheRow() {
        deliver(0, 1);
        advanceMillis(2_000);
        row.sent(0, 2);
        row.end();
        advanceMillis(10_000);
        row.received(0, 0, 2, 0);
        assertThat(FaultRow.of(row).longestSilenceSeconds()).as("up to the row's end, not the late arrival")
                .isCloseTo(2.0, within(1e-6));
        assertThat(FaultRow.of(row).longestSilenceStream()).isEqualTo("chaos/00 -> chaos-sub-1");
    }

    @Test
    void theRowsStartTimeCountsFromTheRunsStart() {
        assertThat(row.startedAtSeconds()).isCloseTo(1.0, within(1e-9));
        assertThat(Duration.ofMillis((long) (FaultRow.of(row).atSeconds() * 1000))).isEqualTo(Duration.ofSeconds(1));
    }
}
