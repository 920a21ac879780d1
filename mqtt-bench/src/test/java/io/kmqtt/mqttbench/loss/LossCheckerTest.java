package io.kmqtt.mqttbench.loss;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LossCheckerTest {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final LossChecker checker = new LossChecker(nanos::get);

    private void advanceMillis(long ms) {
        nanos.addAndGet(ms * 1_000_000);
    }

    private StreamLoss only() {
        return checker.report().streams().get(0);
    }

    @Test
    void everythingInOrderIsClean() {
        LossChecker.Stream s = checker.stream("a");
        for (int i = 1; i <= 100; i++) {
            s.sent(i);
            s.acknowledged(i);
            advanceMillis(1);
            s.received(i);
        }
        StreamLoss r = only();
        assertThat(r.sent()).isEqualTo(100);
        assertThat(r.acknowledged()).isEqualTo(100);
        assertThat(r.received()).isEqualTo(100);
        assertThat(r.clean()).isTrue();
        assertThat(r.lostAcknowledged()).isZero();
        assertThat(r.deliveredPerSecond()).isCloseTo(1000, within(1.0));
    }

    @Test
    void gapsNotFilledAreLostAndTheTailCountsWhenSendsAreKnown() {
        LossChecker.Stream s = checker.stream("a");
        for (int i = 1; i <= 10; i++) {
            s.sent(i);
        }
        for (int i : new int[]{1, 2, 4, 5, 7}) { // 3 and 6 missing, 8..10 never arrived
            s.received(i);
        }
        StreamLoss r = only();
        assertThat(r.received()).isEqualTo(5);
        assertThat(r.lost()).isEqualTo(5);
        assertThat(r.received() + r.lost()).isEqualTo(r.sent());
        assertThat(r.reordered()).isZero();
    }

    @Test
    void withoutSendsOnlyGapsBelowTheHighestArrivalAreLost() {
        for (int i : new int[]{1, 2, 5}) {
            checker.received("b", i);
        }
        assertThat(only().lost()).isEqualTo(2);
        assertThat(only().sent()).isZero();
    }

    @Test
    void aLateArrivalFillsItsGapAndCountsAsReordered() {
        LossChecker.Stream s = checker.stream("a");
        for (int i = 1; i <= 5; i++) {
            s.sent(i);
        }
        for (int i : new int[]{1, 3, 4, 2, 5}) {
            s.received(i);
        }
        StreamLoss r = only();
        assertThat(r.lost()).isZero();
        assertThat(r.reordered()).isEqualTo(1);
        assertThat(r.duplicates()).isZero();
    }

    @Test
    void aRepeatedArrivalIsADuplicateNeitherReceivedTwiceNorReordered() {
        LossChecker.Stream s = checker.stream("a");
        for (int i = 1; i <= 3; i++) {
            s.sent(i);
        }
        for (int i : new int[]{1, 2, 2, 3, 1}) {
            s.received(i);
        }
        StreamLoss r = only();
        assertThat(r.received()).isEqualTo(3);
        assertThat(r.duplicates()).isEqualTo(2);
        assertThat(r.reordered()).isZero();
        assertThat(r.lost()).isZero();
    }

    @Test
    void lostAfterAcknowledgementIsWhatQos1Promised() {
        LossChecker.Stream s = checker.stream("a");
        for (int i = 1; i <= 4; i++) {
            s.sent(i);
        }
        s.acknowledged(1);
        s.acknowledged(2);
        s.acknowledged(2); // a second PUBACK for the same message counts once
        s.received(1);
        StreamLoss r = only();
        assertThat(r.acknowledged()).isEqualTo(2);
        assertThat(r.lost()).isEqualTo(3);
        assertThat(r.lostAcknowledged()).isEqualTo(1);
    }

    @Test
    void longestSilenceIsTheLongestGapBetweenArrivalsWhileSending() {
        LossChecker.Stream s = checker.stream("a");
        s.sent(1);
        advanceMillis(5);
        s.received(1);                 // 5 ms from the first send
        advanceMillis(10);
        s.sent(2);
        s.received(2);                 // 10 ms
        advanceMillis(300);            // a failover: nothing for 300 ms
        s.sent(3);
        s.received(3);
        advanceMillis(20);
        s.sent(4);
        s.received(4);
        StreamLoss r = only();
        assertThat(r.longestSilenceMs()).isEqualTo(300.0);
        assertThat(r.longestSilenceAtSeconds()).isCloseTo(0.015, within(1e-9));
    }

    @Test
    void aStreamThatGoesQuietWhileItsPublisherSendsHasItsSilenceCountedToTheLastSend() {
        LossChecker.Stream s = checker.stream("a");
        s.sent(1);
        s.received(1);
        for (int i = 2; i <= 10; i++) {
            advanceMillis(100);
            s.sent(i);                 // the subscriber is cut off: nothing more arrives
        }
        assertThat(only().longestSilenceMs()).isEqualTo(900.0);
        assertThat(only().lost()).isEqualTo(9);
        advanceMillis(5_000);          // the publisher has stopped sending: idle time is not silence
        assertThat(only().longestSilenceMs()).isEqualTo(900.0);
    }

    @Test
    void anEarlierPhasesBacklogStillArrivingIsNotSilence() {
        LossChecker.Stream s = checker.stream("a");
        s.sent(1);                     // the new phase's first message, queued behind the old phase's backlog
        for (int i = 0; i < 10; i++) {
            advanceMillis(100);
            s.heard();                 // an old message arrives: the stream is busy, not silent
        }
        advanceMillis(100);
        s.received(1);
        assertThat(only().longestSilenceMs()).isEqualTo(100.0);
        assertThat(only().received()).isEqualTo(1);
        assertThat(only().duplicates()).isZero();
    }

    @Test
    void silenceAfterThePublisherStoppedDoesNotCount() {
        LossChecker.Stream s = checker.stream("a");
        s.sent(1);
        s.sent(2);
        s.received(1);
        advanceMillis(50);
        s.stopped();
        advanceMillis(1_000);
        s.received(2);                 // a straggler: the wait counts only up to the stop
        assertThat(only().longestSilenceMs()).isEqualTo(50.0);
    }

    @Test
    void totalsAddUpOverStreamsAndWorstComesFirst() {
        for (String name : List.of("s1", "s2", "s3")) {
            for (int i = 1; i <= 10; i++) {
                checker.sent(name, i);
            }
        }
        for (int i = 1; i <= 10; i++) {
            checker.received("s1", i);
            if (i != 4) {
                checker.received("s2", i);
            }
            if (i % 2 == 0) {
                checker.received("s3", i);
            }
        }
        checker.received("s1", 3);
        LossReport report = checker.report();
        assertThat(report.streams()).extracting(StreamLoss::stream).containsExactly("s1", "s2", "s3");
        assertThat(report.total().sent()).isEqualTo(30);
        assertThat(report.total().received()).isEqualTo(24);
        assertThat(report.total().lost()).isEqualTo(6);
        assertThat(report.total().duplicates()).isEqualTo(1);
        assertThat(report.worstFirst()).extracting(StreamLoss::stream).containsExactly("s3", "s2", "s1");

        String md = report.toMarkdown(2);
        assertThat(md).contains("| total | 30 | 0 | 24 | 6 |", "| s3 | 10 | 0 | 5 | 5 |", "1 more streams");
        assertThat(md).doesNotContain("| s1 |");
        assertThat(report.toJson()).contains("\"stream\" : \"s2\"", "\"lost\" : 1", "\"total\"");
    }

    @Test
    void sequenceNumbersOutOfRangeAreRefused() {
        assertThatThrownBy(() -> checker.received("a", 0)).hasMessageContaining("sequence numbers are 1..");
        assertThatThrownBy(() -> checker.sent("a", -5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void manyThreadsFeedingOneStreamLoseNothing() throws Exception {
        LossChecker real = new LossChecker();
        LossChecker.Stream s = real.stream("hot");
        int threads = 4;
        int perThread = 50_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int offset = t;
            Thread w = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    long seq = 1 + (long) i * threads + offset;
                    s.sent(seq);
                    s.acknowledged(seq);
                    s.received(seq);
                }
            });
            w.start();
            workers.add(w);
        }
        start.countDown();
        for (Thread w : workers) {
            w.join();
        }
        StreamLoss r = real.report().total();
        assertThat(r.sent()).isEqualTo((long) threads * perThread);
        assertThat(r.received()).isEqualTo(r.sent());
        assertThat(r.lost()).isZero();
        assertThat(r.duplicates()).isZero();
    }

    @Test
    void sequencedPayloadsCarryTimePublisherAndSequence() {
        byte[] bytes = SequencedPayload.encode(7, 123_456_789_012L, 1_700_000_000_000_000L, 64);
        assertThat(bytes).hasSize(64);
        ByteBuffer b = ByteBuffer.wrap(bytes);
        assertThat(SequencedPayload.fits(b)).isTrue();
        assertThat(SequencedPayload.publisher(b)).isEqualTo(7);
        assertThat(SequencedPayload.sequence(b)).isEqualTo(123_456_789_012L);
        assertThat(SequencedPayload.sentMicros(b)).isEqualTo(1_700_000_000_000_000L);
        assertThat(SequencedPayload.encode(1, 1, 1, 4)).hasSize(SequencedPayload.MIN_SIZE);
    }
}
