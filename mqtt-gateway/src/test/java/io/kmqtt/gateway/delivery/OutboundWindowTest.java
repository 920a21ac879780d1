package io.kmqtt.gateway.delivery;

import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.message.PublishProperties;
import io.kmqtt.core.session.PendingMessage;
import io.kmqtt.gateway.GatewayMetrics.DropReason;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttProperties;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The outbound window against a connection that records what it is asked to write. */
class OutboundWindowTest {

    /** Runs the tasks given to the "event loop" when the test says so, and records writes and flushes. */
    static final class RecordingConnection implements ClientConnection {
        final List<Runnable> tasks = new ArrayList<>();
        final List<MqttMessage> written = new ArrayList<>();
        int flushes;
        boolean open = true;
        boolean writable = true;
        Runnable whenWritable;
        boolean mqtt5;

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public boolean isWritable() {
            return writable;
        }

        @Override
        public void whenWritable(Runnable task) {
            whenWritable = task;
        }

        /** The write buffer drained below its low-water mark: the registered task runs, as Netty's event would. */
        void becomeWritable() {
            writable = true;
            Runnable task = whenWritable;
            whenWritable = null;
            if (task != null) {
                task.run();
            }
            runTasks();
        }

        @Override
        public void write(MqttMessage packet) {
            written.add(packet);
        }

        @Override
        public void flush() {
            flushes++;
        }

        @Override
        public boolean isMqtt5() {
            return mqtt5;
        }

        void runTasks() {
            while (!tasks.isEmpty()) {
                tasks.remove(0).run();
            }
        }

        List<String> payloads() {
            List<String> p = new ArrayList<>();
            for (MqttMessage m : written) {
                if (m instanceof MqttPublishMessage pub) {
                    p.add(pub.payload().toString(StandardCharsets.UTF_8));
                }
            }
            return p;
        }

        List<Integer> packetIds() {
            List<Integer> ids = new ArrayList<>();
            for (MqttMessage m : written) {
                if (m instanceof MqttPublishMessage pub) {
                    ids.add(pub.variableHeader().packetId());
                }
            }
            return ids;
        }
    }

    static final class Counts implements OutboundWindow.Events {
        final Map<DropReason, Integer> dropped = new EnumMap<>(DropReason.class);
        int delivered;

        @Override
        public void delivered(Envelope message, long nowMillis) {
            delivered++;
        }

        @Override
        public void dropped(DropReason reason, int count) {
            dropped.merge(reason, count, Integer::sum);
        }
    }

    private final RecordingConnection connection = new RecordingConnection();
    private final Counts counts = new Counts();
    private final AtomicLong clock = new AtomicLong(1_000_000);

    private OutboundWindow window(int inflight, int maxQueued, int maxBehind, DeliveryBudget budget) {
        return window(inflight, inflight, maxQueued, maxBehind, budget);
    }

    private OutboundWindow window(int inflight, int inflightMax, int maxQueued, int maxBehind, DeliveryBudget budget) {
        return new OutboundWindow(connection, counts, budget, inflight, inflightMax, maxQueued, maxBehind, 5_000,
                Long.MAX_VALUE, 0, clock::get);
    }

    private static Envelope message(String payload) {
        return new Envelope("t", payload.getBytes(StandardCharsets.UTF_8), 1, false, "pub", "gw", 1, 0, PublishProperties.NONE);
    }

    private static Outbound live(int n, int qos) {
        return new Outbound(message("m" + n), qos, false, Outbound.NO_IDS, null, n);
    }

    @Test
    void qos1MessagesBeyondTheWindowWaitForAcknowledgementsAndEachDrainFlushesOnce() {
        OutboundWindow w = window(2, 100, 100, DeliveryBudget.unlimited());
        for (int i = 0; i < 5; i++) {
            w.offerLive(live(i, 1));
        }
        connection.runTasks();
        assertThat(connection.payloads()).containsExactly("m0", "m1");
        assertThat(connection.flushes).isEqualTo(1);
        assertThat(w.queueLength()).isEqualTo(3);

        w.onPubAck(connection.packetIds().get(0));
        assertThat(connection.payloads()).containsExactly("m0", "m1", "m2");
        w.onPubAck(connection.packetIds().get(1));
        w.onPubAck(connection.packetIds().get(2));
        assertThat(connection.payloads()).containsExactly("m0", "m1", "m2", "m3", "m4");
        assertThat(connection.packetIds()).doesNotHaveDuplicates();
        assertThat(counts.delivered).isEqualTo(5);
    }

    @Test
    void qos0NeedsNoWindowSlotAndDoesNotWaitForOne() {
        OutboundWindow w = window(1, 100, 100, DeliveryBudget.unlimited());
        w.offerLive(live(0, 1));
        w.offerLive(live(1, 0));
        w.offerLive(live(2, 1));
        w.offerLive(live(3, 0));
        connection.runTasks();
        assertThat(connection.payloads()).containsExactly("m0", "m1", "m3");
        assertThat(w.queueLength()).as("m2 waits for a slot").isEqualTo(1);
        w.onPubAck(connection.packetIds().get(0));
        assertThat(connection.payloads()).containsExactly("m0", "m1", "m3", "m2");
    }

    @Test
    void aFullQueueFallsBehindAndCatchesUpInOrderWithoutLosingAnything() {
        OutboundWindow w = window(2, 4, 1_000, DeliveryBudget.unlimited());
        List<OutboundWindow.Offer> offers = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            offers.add(w.offerLive(live(i, 1)));
        }
        connection.runTasks();
        // four queued (the drain had not run yet): the rest are remembered by position only
        assertThat(offers.subList(0, 4)).containsOnly(OutboundWindow.Offer.QUEUED);
        assertThat(offers.subList(4, 10)).containsOnly(OutboundWindow.Offer.BEHIND);
        assertThat(w.behindCount()).isEqualTo(6);
        assertThat(w.nextMissed()).as("no room yet").isEqualTo(-1);
        assertThat(w.offerLive(live(10, 1))).as("live messages wait behind the missed ones")
                .isEqualTo(OutboundWindow.Offer.BEHIND);

        ackAll(w);
        long next;
        while ((next = w.nextMissed()) >= 0) {
            w.catchUp(next, live((int) next, 1));
            connection.runTasks();
            ackAll(w);
        }
        assertThat(w.behindCount()).isZero();
        assertThat(w.offerLive(live(11, 1))).isEqualTo(OutboundWindow.Offer.QUEUED);
        connection.runTasks();
        ackAll(w);
        assertThat(connection.payloads()).containsExactly("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9",
                "m10", "m11");
        assertThat(counts.dropped).isEmpty();
    }

    @Test
    void beyondTheBacklogLimitTheOldestMissedMessagesAreDroppedAndCounted() {
        OutboundWindow w = window(1, 1, 3, DeliveryBudget.unlimited());
        for (int i = 0; i < 10; i++) {
            w.offerLive(live(i, 1));
        }
        // 1 in the queue (the drain has not run), 3 remembered, 6 dropped
        assertThat(w.behindCount()).isEqualTo(3);
        assertThat(counts.dropped).containsEntry(DropReason.BACKLOG_FULL, 6);
        connection.runTasks();
        ackAll(w);
        assertThat(w.nextMissed()).isEqualTo(7);
    }

    @Test
    void messagesTheChannelNoLongerHasAreCountedLost() {
        OutboundWindow w = window(1, 1, 100, DeliveryBudget.unlimited());
        for (int i = 0; i < 6; i++) {
            w.offerLive(live(i, 1));
        }
        assertThat(w.forgetMissedBefore(4)).isEqualTo(3);
        assertThat(counts.dropped).containsEntry(DropReason.EXPIRED, 3);
        assertThat(w.behindCount()).isEqualTo(2);
    }

    @Test
    void theGatewayBudgetMakesSessionsFallBehindOnceTheyHoldTheirWindowsWorth() {
        DeliveryBudget budget = new DeliveryBudget(1);
        OutboundWindow w = window(2, 1_000, 1_000, budget);
        assertThat(w.offerLive(live(0, 1))).isEqualTo(OutboundWindow.Offer.QUEUED);
        assertThat(w.offerLive(live(1, 1))).isEqualTo(OutboundWindow.Offer.QUEUED);
        assertThat(w.offerLive(live(2, 1))).isEqualTo(OutboundWindow.Offer.BEHIND);
        connection.runTasks();
        assertThat(budget.used()).as("sent messages leave the budget").isZero();
    }

    @Test
    void theWindowGrowsWhileTheBudgetHasRoomAndWhatIsBeyondItsFirstPartStaysInTheBudgetUntilAcknowledged() {
        DeliveryBudget budget = new DeliveryBudget(10_000);
        OutboundWindow w = window(2, 5, 100, 100, budget);
        for (int i = 0; i < 8; i++) {
            w.offerLive(live(i, 1));
        }
        connection.runTasks();
        assertThat(connection.payloads()).containsExactly("m0", "m1", "m2", "m3", "m4");
        long each = live(0, 1).bytes();
        assertThat(budget.used()).as("m2-m4 in flight beyond the first 2, m5-m7 queued").isEqualTo(6 * each);

        w.onPubAck(connection.packetIds().get(0)); // m0 was within the first part: frees a slot, not budget
        assertThat(connection.payloads()).endsWith("m5");
        assertThat(budget.used()).isEqualTo(6 * each);
        w.onPubAck(connection.packetIds().get(3)); // m3 held its bytes and gives them back; m6 keeps its own
        assertThat(connection.payloads()).endsWith("m6");
        assertThat(budget.used()).isEqualTo(5 * each);

        ackAll(w);
        assertThat(connection.payloads()).containsExactly("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7");
        assertThat(budget.used()).as("everything acknowledged").isZero();
        assertThat(counts.dropped).isEmpty();
    }

    @Test
    void aSpentBudgetKeepsTheWindowAtItsFirstPart() {
        DeliveryBudget budget = new DeliveryBudget(1);
        OutboundWindow w = window(2, 5, 100, 100, budget);
        offerAndDrain(w, 4, 1);
        assertThat(connection.payloads()).as("m2 and m3 keep the budget spent").containsExactly("m0", "m1");
        w.onPubAck(connection.packetIds().get(0));
        assertThat(connection.payloads()).containsExactly("m0", "m1", "m2");
    }

    @Test
    void closingOrParkingGivesBackWhatMessagesInFlightHeldInTheBudget() {
        DeliveryBudget budget = new DeliveryBudget(10_000);
        OutboundWindow closed = window(1, 4, 100, 100, budget);
        offerAndDrain(closed, 4, 1);
        assertThat(budget.used()).isPositive();
        closed.close();
        assertThat(budget.used()).isZero();

        OutboundWindow parked = window(1, 4, 100, 100, budget);
        offerAndDrain(parked, 6, 2);
        parked.onPubRec(connection.packetIds().get(connection.packetIds().size() - 1)); // QoS 2: still held until PUBCOMP
        assertThat(budget.used()).isPositive();
        assertThat(parked.park(m -> { })).hasSize(6);
        assertThat(budget.used()).isZero();
    }

    @Test
    void theOldestUnsettledPositionCoversInFlightQueuedAndMissedMessages() {
        OutboundWindow w = window(1, 1, 100, DeliveryBudget.unlimited());
        assertThat(w.oldestUnsettled()).isEqualTo(Long.MAX_VALUE);
        w.offerLive(live(5, 1));
        w.offerLive(live(6, 1));
        assertThat(w.oldestUnsettled()).isEqualTo(5);
        connection.runTasks();
        assertThat(w.oldestUnsettled()).as("in flight").isEqualTo(5);
        w.onPubAck(connection.packetIds().get(0));
        assertThat(w.oldestUnsettled()).as("missed").isEqualTo(6);
    }

    @Test
    void onTheMemoryBusAFullQueueHoldsItsPublishersBackUntilItIsHalfEmpty() {
        OutboundWindow w = window(1, 4, 100, DeliveryBudget.unlimited());
        List<CompletionStage<Void>> acks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            acks.add(w.offerOrPushBack(live(i, 1)));
        }
        connection.runTasks(); // one in flight, seven queued
        assertThat(acks.subList(0, 4)).allMatch(a -> a.toCompletableFuture().isDone());
        assertThat(acks.subList(4, 8)).noneMatch(a -> a.toCompletableFuture().isDone());
        assertThat(w.pushedBackCount()).isEqualTo(4);

        for (int i = 0; i < 5; i++) {
            w.onPubAck(connection.packetIds().get(i)); // two queued left
        }
        assertThat(acks).allMatch(a -> a.toCompletableFuture().isDone());
        assertThat(counts.dropped).isEmpty();
    }

    @Test
    void onTheMemoryBusQos0WaitsForRoomLikeQos1InsteadOfBeingDropped() {
        OutboundWindow w = window(1, 2, 100, DeliveryBudget.unlimited());
        List<CompletionStage<Void>> admitted = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            admitted.add(w.offerOrPushBack(live(i, 0)));
        }
        assertThat(admitted.subList(0, 2)).allMatch(a -> a.toCompletableFuture().isDone());
        assertThat(admitted.subList(2, 5)).noneMatch(a -> a.toCompletableFuture().isDone());
        connection.runTasks();
        assertThat(connection.payloads()).containsExactly("m0", "m1", "m2", "m3", "m4");
        assertThat(admitted).allMatch(a -> a.toCompletableFuture().isDone());
        assertThat(counts.dropped).isEmpty();
    }

    @Test
    void aQos0SubscriberThatStopsReadingStopsHoldingItsPublishersBack() {
        OutboundWindow w = window(32, 2, 100, DeliveryBudget.unlimited());
        connection.writable = false;
        List<CompletionStage<Void>> admitted = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            admitted.add(w.offerOrPushBack(live(i, 0)));
        }
        connection.runTasks();
        assertThat(admitted.get(3).toCompletableFuture()).isNotDone();
        clock.addAndGet(4_000);
        w.releaseIfStuck();
        assertThat(admitted.get(3).toCompletableFuture()).as("not stuck yet").isNotDone();
        clock.addAndGet(1_001);
        w.releaseIfStuck();
        assertThat(admitted).allMatch(a -> a.toCompletableFuture().isDone());
        assertThat(w.offerOrPushBack(live(9, 0)).toCompletableFuture()).as("a stuck client holds nobody").isDone();
        assertThat(counts.dropped).containsEntry(DropReason.QUEUE_FULL, 1);
    }

    @Test
    void aClientIdleForLongIsNotStuckTheMomentABurstFillsItsQueue() {
        OutboundWindow w = window(1, 2, 100, DeliveryBudget.unlimited());
        clock.addAndGet(60_000); // no acknowledgement for a minute: it had nothing to acknowledge
        List<CompletionStage<Void>> acks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            acks.add(w.offerOrPushBack(live(i, 1)));
        }
        connection.runTasks(); // its window is full
        w.releaseIfStuck();
        assertThat(acks.get(3).toCompletableFuture()).as("its wait has only begun").isNotDone();
        assertThat(counts.dropped).isEmpty();
    }

    @Test
    void aClientThatAcknowledgesNothingStopsHoldingItsPublishersBack() {
        OutboundWindow w = window(1, 2, 100, DeliveryBudget.unlimited());
        List<CompletionStage<Void>> acks = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            acks.add(w.offerOrPushBack(live(i, 1)));
        }
        connection.runTasks();
        assertThat(acks.get(3).toCompletableFuture()).isNotDone();
        w.releaseIfStuck();
        assertThat(acks.get(3).toCompletableFuture()).as("not stuck yet").isNotDone();
        clock.addAndGet(5_001);
        w.releaseIfStuck();
        assertThat(acks).allMatch(a -> a.toCompletableFuture().isDone());
        int queued = w.queueLength();
        assertThat(w.offerOrPushBack(live(9, 1)).toCompletableFuture()).as("a stuck client holds nobody").isDone();
        assertThat(w.queueLength()).as("and its queue does not grow").isEqualTo(queued);
        assertThat(counts.dropped).containsEntry(DropReason.QUEUE_FULL, 1);
    }

    @Test
    void parkingHandsOverInFlightThenQueuedAndSendsLaterMessagesToTheSink() {
        OutboundWindow w = window(1, 10, 100, DeliveryBudget.unlimited());
        w.offerLive(live(0, 1));
        w.offerLive(live(1, 1));
        connection.runTasks();
        int inFlightId = connection.packetIds().get(0);
        List<PendingMessage> sink = new ArrayList<>();
        List<PendingMessage> owed = w.park(sink::add);
        assertThat(owed).extracting(PendingMessage::packetId).containsExactly(inFlightId, 0);
        w.offerLive(live(2, 1));
        w.offerLive(live(3, 0));
        assertThat(sink).as("QoS 0 is not kept for a disconnected client").hasSize(1);
    }

    @Test
    void restoreSendsSavedMessagesFirstInFlightOnesAgainWithDupAndEachMessageOnce() {
        OutboundWindow w = window(10, 10, 100, DeliveryBudget.unlimited());
        w.hold();
        Envelope savedAndLive = message("both");
        w.offer(new Outbound(savedAndLive, 1, false));
        w.offer(new Outbound(message("live"), 1, false));
        connection.runTasks();
        assertThat(connection.written).as("held").isEmpty();

        w.restore(List.of(PendingMessage.inFlight(7, message("inflight"), 1, false, Outbound.NO_IDS),
                PendingMessage.queued(savedAndLive, 1, false, Outbound.NO_IDS),
                PendingMessage.queued(savedAndLive, 1, false, Outbound.NO_IDS)));
        connection.runTasks();
        assertThat(connection.payloads()).containsExactly("inflight", "both", "live");
        MqttPublishMessage resent = (MqttPublishMessage) connection.written.get(0);
        assertThat(resent.fixedHeader().isDup()).isTrue();
        assertThat(resent.variableHeader().packetId()).isEqualTo(7);
    }

    @Test
    void aHeldWindowIsRestoredOnceItsSavedMessagesAreInPlaceAndThenOwesThemFirst() {
        OutboundWindow w = window(10, 10, 100, DeliveryBudget.unlimited());
        assertThat(w.restored()).as("never held").isCompleted();
        w.hold();
        w.offer(new Outbound(message("live"), 1, false));
        assertThat(w.restored()).isNotCompleted();

        // The connection closes while the saved messages are still being read: the park waits for them.
        List<PendingMessage> owed = new ArrayList<>();
        w.restored().thenRun(() -> owed.addAll(w.park(p -> { })));
        w.restore(List.of(PendingMessage.queued(message("saved"), 1, false, Outbound.NO_IDS)));
        assertThat(owed).extracting(p -> new String(p.message().payload(), StandardCharsets.UTF_8))
                .containsExactly("saved", "live");
        assertThat(connection.written).as("nothing sent to a closed connection").isEmpty();
    }

    @Test
    void closingAHeldWindowCompletesItsRestore() {
        OutboundWindow w = window(10, 10, 100, DeliveryBudget.unlimited());
        w.hold();
        w.close();
        assertThat(w.restored()).isCompleted();
    }

    @Test
    void qos2AnswersPubRecWithPubRelAndFreesTheSlotOnPubComp() {
        OutboundWindow w = window(1, 10, 100, DeliveryBudget.unlimited());
        w.offerLive(live(0, 2));
        w.offerLive(live(1, 2));
        connection.runTasks();
        int id = connection.packetIds().get(0);
        w.onPubRec(id);
        MqttMessage last = connection.written.get(connection.written.size() - 1);
        assertThat(last.fixedHeader().messageType()).isEqualTo(MqttMessageType.PUBREL);
        assertThat(((MqttMessageIdVariableHeader) last.variableHeader()).messageId()).isEqualTo(id);
        assertThat(connection.payloads()).containsExactly("m0");
        w.onPubComp(id);
        assertThat(connection.payloads()).containsExactly("m0", "m1");
    }

    @Test
    void mqtt5TopicAliasesAreSetOnceThenUsed() {
        connection.mqtt5 = true;
        OutboundWindow w = new OutboundWindow(connection, counts, DeliveryBudget.unlimited(), 10, 10, 10, 10, 5_000,
                Long.MAX_VALUE, 1, clock::get);
        w.offer(new Outbound(message("a"), 0, false));
        w.offer(new Outbound(message("b"), 0, false));
        connection.runTasks();
        MqttPublishMessage first = (MqttPublishMessage) connection.written.get(0);
        MqttPublishMessage second = (MqttPublishMessage) connection.written.get(1);
        assertThat(first.variableHeader().topicName()).isEqualTo("t");
        assertThat(second.variableHeader().topicName()).isEmpty();
        assertThat(second.variableHeader().properties()
                .getProperty(MqttProperties.MqttPropertyType.TOPIC_ALIAS.value()).value()).isEqualTo(1);
    }

    @Test
    void aMessageLargerThanTheClientAcceptsIsDroppedAndItsSlotFreed() {
        connection.mqtt5 = true;
        OutboundWindow w = new OutboundWindow(connection, counts, DeliveryBudget.unlimited(), 1, 1, 10, 10, 5_000, 20, 0,
                clock::get);
        w.offer(new Outbound(message("x".repeat(100)), 1, false));
        w.offer(new Outbound(message("ok"), 1, false));
        connection.runTasks();
        assertThat(counts.dropped).containsEntry(DropReason.TOO_LARGE, 1);
        assertThat(connection.payloads()).containsExactly("ok");
    }

    /** m0..m6 live, QoS 1 but m4 and m6 at QoS 0, into a window of 2. */
    private OutboundWindow mixedQosBehindAFullWindow() {
        OutboundWindow w = window(2, 100, 100, DeliveryBudget.unlimited());
        int[] qos = {1, 1, 1, 1, 0, 1, 0};
        for (int i = 0; i < qos.length; i++) {
            w.offerLive(live(i, qos[i]));
        }
        return w;
    }

    @Test
    void qos0MessagesPassQos1MessagesWaitingForTheWindowAndQos1KeepsItsOrder() {
        OutboundWindow w = mixedQosBehindAFullWindow();
        connection.runTasks();
        assertThat(connection.payloads()).containsExactly("m0", "m1", "m4", "m6");
        assertThat(w.queueLength()).isEqualTo(3);
        assertThat(connection.flushes).isEqualTo(1);

        w.onPubAck(connection.packetIds().get(0));
        assertThat(connection.payloads()).endsWith("m2");
        ackAll(w);
        assertThat(connection.payloads()).containsExactly("m0", "m1", "m4", "m6", "m2", "m3", "m5");
        assertThat(w.queueLength()).isZero();
    }

    @Test
    void whileTheConnectionIsNotWritableNothingNewIsWrittenAndSendingResumesWhenItIs() {
        OutboundWindow w = window(2, 100, 100, DeliveryBudget.unlimited());
        w.offerLive(live(0, 0));
        connection.runTasks();
        connection.writable = false; // the client stopped reading: its write buffer filled up
        for (int i = 1; i < 6; i++) {
            w.offerLive(live(i, i % 2));
        }
        connection.runTasks();
        assertThat(connection.payloads()).containsExactly("m0");
        assertThat(w.queueLength()).isEqualTo(5);
        assertThat(connection.whenWritable).isNotNull();

        connection.becomeWritable();
        assertThat(connection.payloads()).containsExactly("m0", "m1", "m2", "m3", "m4");
        ackAll(w);
        assertThat(connection.payloads()).containsExactly("m0", "m1", "m2", "m3", "m4", "m5");
    }

    @Test
    void oneDrainWritesAboutOneHighWaterMarkThenLetsTheLoopRunOthersAndGoesOn() {
        OutboundWindow w = window(32, 200, 200, DeliveryBudget.unlimited());
        String kilobytes = "x".repeat(2_000);
        for (int i = 0; i < 100; i++) {
            w.offerLive(new Outbound(message(kilobytes + i), 0, false, Outbound.NO_IDS, null, i));
        }
        assertThat(connection.tasks).hasSize(1);
        connection.tasks.remove(0).run();
        int first = connection.written.size();
        assertThat(first).as("one drain's messages").isBetween(OutboundWindow.MAX_BYTES_PER_DRAIN / 2_300,
                OutboundWindow.MAX_BYTES_PER_DRAIN / 2_000 + 1);
        assertThat(connection.flushes).isEqualTo(1);
        assertThat(connection.tasks).as("the next drain waits its turn on the loop").hasSize(1);

        connection.runTasks();
        assertThat(connection.payloads()).hasSize(100);
        for (int i = 0; i < 100; i++) {
            assertThat(connection.payloads().get(i)).endsWith("x" + i);
        }
        assertThat(connection.flushes).isEqualTo((100 + first - 1) / first);
        assertThat(w.queueLength()).isZero();
    }

    @Test
    void aClientThatReadsNothingFallsBehindInsteadOfGrowingItsWriteBuffer() {
        OutboundWindow w = window(32, 10, 1_000, DeliveryBudget.unlimited());
        connection.writable = false;
        for (int i = 0; i < 100; i++) {
            w.offerLive(live(i, 0));
        }
        connection.runTasks();
        assertThat(connection.written).isEmpty();
        assertThat(w.queueLength()).isEqualTo(10);
        assertThat(w.behindCount()).isEqualTo(90);
    }

    @Test
    void aSessionParkedWithQos1SetAsideOwesItInOrder() {
        OutboundWindow w = mixedQosBehindAFullWindow();
        connection.runTasks();
        w.offerLive(live(7, 1));
        List<PendingMessage> owed = w.park(p -> { });
        assertThat(owed).extracting(p -> new String(p.message().payload(), StandardCharsets.UTF_8))
                .containsExactly("m0", "m1", "m2", "m3", "m5", "m7");
        assertThat(owed).extracting(PendingMessage::packetId).startsWith(connection.packetIds().get(0),
                connection.packetIds().get(1));
    }

    /** Offers m0..m(count-1) at the QoS and runs the drain they scheduled. */
    private void offerAndDrain(OutboundWindow w, int count, int qos) {
        for (int i = 0; i < count; i++) {
            w.offer(live(i, qos));
        }
        connection.runTasks();
    }

    private void ackAll(OutboundWindow w) {
        for (int round = 0; round < 100 && w.inflightCount() > 0; round++) {
            for (int id : List.copyOf(connection.packetIds())) {
                w.onPubAck(id);
            }
            connection.runTasks();
        }
    }
}
