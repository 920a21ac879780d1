package io.kmqtt.gateway.inbound;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** A client's inbound flow against a connection that records acknowledgements and pauses. */
class InboundFlowTest {

    static final class RecordingAcks implements InboundFlow.Acks {
        final List<Integer> sent = new ArrayList<>();
        final List<Boolean> pauses = new ArrayList<>();

        @Override
        public void send(int packetId, int qos, Integer reason) {
            sent.add(packetId);
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void pauseReading(boolean pause) {
            pauses.add(pause);
        }
    }

    private final RecordingAcks acks = new RecordingAcks();

    @Test
    void acknowledgementsGoOutInArrivalOrderWhateverOrderTheBusConfirms() {
        InboundFlow flow = new InboundFlow(acks, 10, true);
        Object first = flow.expect(1, 1);
        Object second = flow.expect(2, 1);
        flow.complete(second, null);
        assertThat(acks.sent).isEmpty();
        flow.complete(first, null);
        assertThat(acks.sent).containsExactly(1, 2);
        assertThat(flow.unfinished()).isZero();
    }

    @Test
    void anMqtt311ClientIsNotReadAtItsBoundAndReadAgainOnceAnAcknowledgementWentOut() {
        InboundFlow flow = new InboundFlow(acks, 2, false);
        Object first = flow.expect(1, 1);
        assertThat(acks.pauses).isEmpty();
        flow.expect(2, 1);
        assertThat(acks.pauses).containsExactly(true);
        flow.complete(first, null);
        assertThat(acks.pauses).containsExactly(true, false);
    }

    @Test
    void aQos0PublisherIsNotReadWhileAnyOfItsMessagesWaitsForRoom() {
        InboundFlow flow = new InboundFlow(acks, 10, true);
        flow.qos0HeldBack();
        flow.qos0HeldBack();
        assertThat(acks.pauses).containsExactly(true);
        flow.qos0Released();
        assertThat(acks.pauses).as("one still waits").containsExactly(true);
        flow.qos0Released();
        assertThat(acks.pauses).containsExactly(true, false);
    }

    @Test
    void aHeldQos0MessageKeepsReadingPausedAfterTheQos1BoundClears() {
        InboundFlow flow = new InboundFlow(acks, 1, false);
        Object ack = flow.expect(1, 1);
        flow.qos0HeldBack();
        flow.complete(ack, null);
        assertThat(acks.pauses).containsExactly(true);
        flow.qos0Released();
        assertThat(acks.pauses).containsExactly(true, false);
    }
}
