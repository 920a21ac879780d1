package io.kmqtt.core.session;

import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.message.PublishProperties;
import io.kmqtt.core.message.UserProperty;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class InMemorySessionInboxTest {

    private static final long TTL = 300;

    private final AtomicLong now = new AtomicLong(1_700_000_000_000L);
    private final InMemorySessionInbox inbox = new InMemorySessionInbox(now::get);

    private static PendingMessage message(int n) {
        return PendingMessage.queued(Envelope.of("t/" + n, ("m" + n).getBytes(StandardCharsets.UTF_8), 1, false, "p"),
                1, false);
    }

    private static List<PendingMessage> messages(int from, int to) {
        return IntStream.range(from, to).mapToObj(InMemorySessionInboxTest::message).toList();
    }

    private static List<String> payloads(List<PendingMessage> entries) {
        return entries.stream().map(e -> new String(e.message().payload(), StandardCharsets.UTF_8)).toList();
    }

    private static List<String> payloads(int from, int to) {
        return IntStream.range(from, to).mapToObj(n -> "m" + n).toList();
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void keepsTheOrderOverSeveralAppends() throws Exception {
        for (int i = 0; i < 10; i++) {
            assertThat(await(inbox.append("c", messages(i * 3, i * 3 + 3), 1000, TTL))).isZero();
        }
        assertThat(await(inbox.length("c"))).isEqualTo(30);
        assertThat(payloads(await(inbox.takeAll("c")))).containsExactlyElementsOf(payloads(0, 30));
    }

    @Test
    void keepsTheOrderOfChainedAppends() throws Exception {
        CompletionStage<Integer> chain = inbox.append("c", List.of(message(0)), 1000, TTL);
        for (int i = 1; i < 50; i++) {
            int n = i;
            chain = chain.thenCompose(dropped -> inbox.append("c", List.of(message(n)), 1000, TTL));
        }
        await(chain);
        assertThat(payloads(await(inbox.takeAll("c")))).containsExactlyElementsOf(payloads(0, 50));
    }

    @Test
    void theBoundDropsTheOldestAndSaysHowMany() throws Exception {
        assertThat(await(inbox.append("c", messages(0, 1500), 1000, TTL))).isEqualTo(500);
        assertThat(await(inbox.length("c"))).isEqualTo(1000);
        assertThat(await(inbox.append("c", messages(1500, 1510), 1000, TTL))).isEqualTo(10);
        assertThat(payloads(await(inbox.takeAll("c")))).containsExactlyElementsOf(payloads(510, 1510));
    }

    @Test
    void aBoundOfZeroKeepsNothing() throws Exception {
        assertThat(await(inbox.append("c", messages(0, 3), 0, TTL))).isEqualTo(3);
        assertThat(await(inbox.length("c"))).isZero();
        assertThat(await(inbox.takeAll("c"))).isEmpty();
    }

    @Test
    void takeAllEmptiesTheQueue() throws Exception {
        await(inbox.append("c", messages(0, 5), 1000, TTL));
        List<PendingMessage> taken = await(inbox.takeAll("c"));
        assertThat(payloads(taken)).containsExactlyElementsOf(payloads(0, 5));
        assertThat(await(inbox.length("c"))).isZero();
        assertThat(await(inbox.takeAll("c"))).isEmpty();

        await(inbox.append("c", messages(5, 6), 1000, TTL)); // a new queue, not the taken one
        assertThat(payloads(taken)).containsExactlyElementsOf(payloads(0, 5));
        assertThat(payloads(await(inbox.takeAll("c")))).containsExactly("m5");
    }

    @Test
    void aClientWithoutQueueHasNothing() throws Exception {
        assertThat(await(inbox.takeAll("nobody"))).isEmpty();
        assertThat(await(inbox.length("nobody"))).isZero();
        await(inbox.delete("nobody"));
    }

    @Test
    void queuesAreSeparatePerClient() throws Exception {
        await(inbox.append("a", messages(0, 2), 1000, TTL));
        await(inbox.append("b", messages(2, 5), 1000, TTL));
        assertThat(await(inbox.length("a"))).isEqualTo(2);
        assertThat(payloads(await(inbox.takeAll("b")))).containsExactlyElementsOf(payloads(2, 5));
        assertThat(payloads(await(inbox.takeAll("a")))).containsExactlyElementsOf(payloads(0, 2));
    }

    @Test
    void theQueueVanishesAfterItsTtl() throws Exception {
        await(inbox.append("c", messages(0, 2), 1000, TTL));
        now.addAndGet(TTL - 1);
        assertThat(await(inbox.length("c"))).isEqualTo(2);
        now.addAndGet(1);
        assertThat(await(inbox.length("c"))).isZero();
        assertThat(await(inbox.takeAll("c"))).isEmpty();
    }

    @Test
    void anAppendResetsTheTtl() throws Exception {
        await(inbox.append("c", messages(0, 1), 1000, TTL));
        now.addAndGet(200);
        await(inbox.append("c", messages(1, 2), 1000, TTL));
        now.addAndGet(200); // 400 after the first append, 200 after the second
        assertThat(payloads(await(inbox.takeAll("c")))).containsExactly("m0", "m1");
    }

    @Test
    void anEmptyAppendResetsTheTtl() throws Exception {
        await(inbox.append("c", messages(0, 1), 1000, TTL));
        now.addAndGet(200);
        assertThat(await(inbox.append("c", List.of(), 1000, TTL))).isZero();
        now.addAndGet(200);
        assertThat(await(inbox.length("c"))).isEqualTo(1);
    }

    @Test
    void anAppendAfterExpiryStartsAFreshQueue() throws Exception {
        await(inbox.append("c", messages(0, 3), 3, TTL));
        now.addAndGet(TTL);
        assertThat(await(inbox.append("c", messages(3, 5), 3, TTL))).as("nothing of the expired queue counts").isZero();
        assertThat(payloads(await(inbox.takeAll("c")))).containsExactly("m3", "m4");
    }

    @Test
    void aVeryLongTtlKeepsTheQueue() throws Exception {
        await(inbox.append("c", messages(0, 1), 1000, Long.MAX_VALUE));
        assertThat(await(inbox.length("c"))).isEqualTo(1);
    }

    @Test
    void releasedAndInFlightEntriesKeepTheirPacketIds() throws Exception {
        Envelope withProperties = new Envelope("a/b", new byte[] {0, 13, 10, (byte) 0xFF}, 2, false, "p", "gw",
                1L, 0L, new PublishProperties(1, "ct", "rt", new byte[] {9}, List.of(new UserProperty("k", "v"))));
        List<PendingMessage> entries = List.of(
                PendingMessage.inFlight(17, withProperties, 2, true),
                PendingMessage.awaitingPubComp(65_535),
                PendingMessage.queued(withProperties, 1, false),
                PendingMessage.inFlight(1, withProperties, 1, false));
        await(inbox.append("c", entries, 1000, TTL));
        List<PendingMessage> back = await(inbox.takeAll("c"));
        assertThat(back).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(entries);
        assertThat(back).extracting(PendingMessage::packetId).containsExactly(17, 65_535, 0, 1);
        assertThat(back).extracting(PendingMessage::released).containsExactly(false, true, false, false);
        assertThat(back.get(1).message()).isNull();
    }

    @Test
    void deleteRemovesTheQueue() throws Exception {
        await(inbox.append("c", messages(0, 3), 1000, TTL));
        await(inbox.append("other", messages(0, 1), 1000, TTL));
        await(inbox.delete("c"));
        assertThat(await(inbox.length("c"))).isZero();
        assertThat(await(inbox.takeAll("c"))).isEmpty();
        assertThat(await(inbox.length("other"))).isEqualTo(1);
    }
}
