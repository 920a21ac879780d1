package io.kmqtt.bus.session;

import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.message.PublishProperties;
import io.kmqtt.core.message.UserProperty;
import io.kmqtt.core.session.PendingMessage;
import io.kmqtt.testinfra.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Against a real redis-server. */
class RedisSessionInboxTest {

    private static final long TTL = 60_000;
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private static RedisServer redis;
    private static RedisSessionInbox inbox;

    @BeforeAll
    static void start() throws IOException {
        redis = RedisServer.start();
        inbox = RedisSessionInbox.create(redis.url(), "test:", TIMEOUT);
    }

    @AfterAll
    static void stop() {
        if (inbox != null) {
            inbox.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    private static PendingMessage message(int n) {
        return PendingMessage.queued(Envelope.of("t/" + n, ("m" + n).getBytes(StandardCharsets.UTF_8), 1, false, "p"),
                1, false);
    }

    private static List<PendingMessage> messages(int from, int to) {
        return IntStream.range(from, to).mapToObj(RedisSessionInboxTest::message).toList();
    }

    private static List<String> payloads(List<PendingMessage> entries) {
        return entries.stream().map(e -> new String(e.message().payload(), StandardCharsets.UTF_8)).toList();
    }

    private static List<String> payloads(int from, int to) {
        return IntStream.range(from, to).mapToObj(n -> "m" + n).toList();
    }

    private static <T> T await(CompletionStage<T> stage) throws Exception {
        return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** A client id of its own for each test, so tests share the server without seeing each other's queues. */
    private static String client(TestInfo test) {
        return test.getTestMethod().orElseThrow().getName() + "/ü";
    }

    @Test
    void keepsTheOrderOverSeveralAppends(TestInfo test) throws Exception {
        String c = client(test);
        for (int i = 0; i < 10; i++) {
            assertThat(await(inbox.append(c, messages(i * 3, i * 3 + 3), 1000, TTL))).isZero();
        }
        assertThat(await(inbox.length(c))).isEqualTo(30);
        assertThat(payloads(await(inbox.takeAll(c)))).containsExactlyElementsOf(payloads(0, 30));
    }

    @Test
    void keepsTheOrderOfChainedAppends(TestInfo test) throws Exception {
        String c = client(test);
        CompletionStage<Integer> chain = inbox.append(c, List.of(message(0)), 1000, TTL);
        for (int i = 1; i < 200; i++) {
            int n = i;
            chain = chain.thenCompose(dropped -> inbox.append(c, List.of(message(n)), 1000, TTL));
        }
        await(chain);
        assertThat(payloads(await(inbox.takeAll(c)))).containsExactlyElementsOf(payloads(0, 200));
    }

    @Test
    void theBoundDropsTheOldestAndSaysHowMany(TestInfo test) throws Exception {
        String c = client(test);
        assertThat(await(inbox.append(c, messages(0, 1500), 1000, TTL))).isEqualTo(500);
        assertThat(await(inbox.length(c))).isEqualTo(1000);
        assertThat(await(inbox.append(c, messages(1500, 1510), 1000, TTL))).isEqualTo(10);
        assertThat(payloads(await(inbox.takeAll(c)))).containsExactlyElementsOf(payloads(510, 1510));
    }

    @Test
    void appendsMoreEntriesAtOnceThanLuaCanUnpack(TestInfo test) throws Exception {
        String c = client(test);
        assertThat(await(inbox.append(c, messages(0, 12_000), 20_000, TTL))).isZero();
        assertThat(payloads(await(inbox.takeAll(c)))).containsExactlyElementsOf(payloads(0, 12_000));
    }

    @Test
    void aBoundOfZeroKeepsNothing(TestInfo test) throws Exception {
        String c = client(test);
        assertThat(await(inbox.append(c, messages(0, 3), 0, TTL))).isEqualTo(3);
        assertThat(await(inbox.length(c))).isZero();
        assertThat(await(inbox.takeAll(c))).isEmpty();
    }

    @Test
    void takeAllEmptiesTheQueue(TestInfo test) throws Exception {
        String c = client(test);
        await(inbox.append(c, messages(0, 5), 1000, TTL));
        assertThat(payloads(await(inbox.takeAll(c)))).containsExactlyElementsOf(payloads(0, 5));
        assertThat(await(inbox.length(c))).isZero();
        assertThat(await(inbox.takeAll(c))).isEmpty();
        assertThat(redis.command("EXISTS", inbox.key(c))).isEqualTo(":0\r\n");
    }

    @Test
    void aClientWithoutQueueHasNothing() throws Exception {
        assertThat(await(inbox.takeAll("nobody"))).isEmpty();
        assertThat(await(inbox.length("nobody"))).isZero();
        await(inbox.delete("nobody"));
    }

    @Test
    void usesOneListPerClientUnderThePrefix(TestInfo test) throws Exception {
        String c = client(test);
        await(inbox.append(c, messages(0, 2), 1000, TTL));
        assertThat(inbox.key(c)).isEqualTo("test:inbox:" + c);
        assertThat(redis.command("TYPE", "test:inbox:" + c)).isEqualTo("+list\r\n");
        assertThat(redis.command("LLEN", "test:inbox:" + c)).isEqualTo(":2\r\n");
    }

    @Test
    void theQueueVanishesAfterItsTtl(TestInfo test) throws Exception {
        String c = client(test);
        await(inbox.append(c, messages(0, 2), 1000, 300));
        assertThat(await(inbox.length(c))).isEqualTo(2);
        Thread.sleep(600);
        assertThat(await(inbox.length(c))).isZero();
        assertThat(await(inbox.takeAll(c))).isEmpty();
    }

    @Test
    void anAppendResetsTheTtl(TestInfo test) throws Exception {
        String c = client(test);
        await(inbox.append(c, messages(0, 1), 1000, 800));
        Thread.sleep(500);
        await(inbox.append(c, messages(1, 2), 1000, 800));
        Thread.sleep(500); // 1000 ms after the first append, 500 after the second
        assertThat(payloads(await(inbox.takeAll(c)))).containsExactly("m0", "m1");
    }

    @Test
    void anEmptyAppendResetsTheTtl(TestInfo test) throws Exception {
        String c = client(test);
        await(inbox.append(c, messages(0, 1), 1000, 800));
        Thread.sleep(500);
        assertThat(await(inbox.append(c, List.of(), 1000, 800))).isZero();
        Thread.sleep(500);
        assertThat(await(inbox.length(c))).isEqualTo(1);
        assertThat(await(inbox.append("never-queued", List.of(), 1000, 800))).isZero();
        assertThat(await(inbox.length("never-queued"))).isZero();
    }

    @Test
    void aVeryLongTtlKeepsTheQueue(TestInfo test) throws Exception {
        String c = client(test);
        await(inbox.append(c, messages(0, 1), 1000, Long.MAX_VALUE)); // would overflow Redis's clock unclamped
        await(inbox.append(c, messages(1, 2), 1000, 0xFFFFFFFFL * 1000)); // Session Expiry Interval "never"
        assertThat(await(inbox.length(c))).isEqualTo(2);
    }

    @Test
    void releasedAndInFlightEntriesKeepTheirPacketIds(TestInfo test) throws Exception {
        String c = client(test);
        byte[] everyByte = new byte[256];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = (byte) i;
        }
        Envelope withProperties = new Envelope("a/b", everyByte, 2, false, "p", "gw", 1L, 2L,
                new PublishProperties(1, "ct", "rt", new byte[] {0, 13, 10}, List.of(new UserProperty("k", "v"))));
        List<PendingMessage> entries = List.of(
                PendingMessage.inFlight(17, withProperties, 2, true),
                PendingMessage.awaitingPubComp(65_535),
                PendingMessage.queued(withProperties, 1, false),
                PendingMessage.inFlight(1, withProperties, 1, false));
        await(inbox.append(c, entries, 1000, TTL));
        List<PendingMessage> back = await(inbox.takeAll(c));
        assertThat(back).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(entries);
        assertThat(back).extracting(PendingMessage::packetId).containsExactly(17, 65_535, 0, 1);
        assertThat(back).extracting(PendingMessage::released).containsExactly(false, true, false, false);
        assertThat(back.get(1).message()).isNull();
        assertThat(back.get(0).message().payload()).isEqualTo(everyByte);
    }

    @Test
    void skipsAnEntryItCannotDecode(TestInfo test) throws Exception {
        String c = client(test);
        await(inbox.append(c, messages(0, 2), 1000, TTL));
        assertThat(redis.command("RPUSH", inbox.key(c), "not a pending message")).isEqualTo(":3\r\n");
        await(inbox.append(c, messages(2, 3), 1000, TTL));
        assertThat(payloads(await(inbox.takeAll(c)))).containsExactly("m0", "m1", "m2");
        assertThat(await(inbox.length(c))).isZero();
    }

    @Test
    void deleteRemovesTheQueue(TestInfo test) throws Exception {
        String c = client(test);
        await(inbox.append(c, messages(0, 3), 1000, TTL));
        await(inbox.append(c + "-other", messages(0, 1), 1000, TTL));
        await(inbox.delete(c));
        assertThat(await(inbox.length(c))).isZero();
        assertThat(await(inbox.takeAll(c))).isEmpty();
        assertThat(await(inbox.length(c + "-other"))).isEqualTo(1);
    }

    @Test
    void rejectsANegativeBound() {
        assertThatThrownBy(() -> await(inbox.append("c", messages(0, 1), -1, TTL)))
                .hasCauseInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keepsPasswordsOutOfMessages() {
        assertThat(RedisSessionInbox.withoutCredentials("redis://:s3cret@redis-0:6379/1")).isEqualTo("redis://redis-0:6379/1");
        assertThat(RedisSessionInbox.withoutCredentials("redis://user:s3cret@redis-0:6379")).isEqualTo("redis://redis-0:6379");
        assertThat(RedisSessionInbox.withoutCredentials("redis://redis-0:6379")).isEqualTo("redis://redis-0:6379");
    }

    @Test
    void whileRedisIsDownCallsFailQuicklyAndSayWhatFailed() throws Exception {
        try (RedisServer own = RedisServer.start();
             RedisSessionInbox outage = RedisSessionInbox.create(own.url(), "test:", TIMEOUT)) {
            await(outage.append("c", messages(0, 2), 1000, TTL)); // a pooled connection exists when it dies
            own.kill();

            long killed = System.nanoTime();
            List<CompletionStage<?>> calls = List.of(
                    outage.append("c", messages(2, 3), 1000, TTL), outage.takeAll("c"), outage.length("c"),
                    outage.delete("c"));
            List<String> operations = List.of("append to", "take all from", "length of", "delete");
            for (int i = 0; i < calls.size(); i++) {
                CompletionStage<?> call = calls.get(i);
                assertThatThrownBy(() -> call.toCompletableFuture().get(10, TimeUnit.SECONDS))
                        .isInstanceOf(ExecutionException.class)
                        .cause().isInstanceOf(RedisSessionInbox.RedisInboxException.class)
                        .hasMessageContaining("Redis " + own.url())
                        .hasMessageContaining(operations.get(i) + " the queue of client 'c'")
                        .hasMessageContaining("test:inbox:c");
            }
            assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThan(Duration.ofSeconds(4));

            // now without any connection left in the pool: the connect itself fails
            long started = System.nanoTime();
            assertThatThrownBy(() -> await(outage.length("c"))).cause()
                    .isInstanceOf(RedisSessionInbox.RedisInboxException.class).hasMessageContaining(own.url());
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));

            own.restart(); // empty, and without the scripts: EVALSHA falls back to EVAL
            assertThat(eventually(() -> await(outage.append("c", messages(5, 7), 1000, TTL)))).isZero();
            assertThat(payloads(await(outage.takeAll("c")))).containsExactly("m5", "m6");
            assertThat(await(outage.length("c"))).isZero();
            assertThat(own.command("INFO", "commandstats")).contains("cmdstat_evalsha:").contains("cmdstat_eval:");
        }
    }

    @Test
    void aRedisThatNeverAnswersFailsTheCallWithinTheTimeout() throws Exception {
        List<Socket> accepted = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept()); // and never reply
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            String url = "redis://127.0.0.1:" + silent.getLocalPort();
            try (RedisSessionInbox hanging = RedisSessionInbox.create(url, "test:", Duration.ofMillis(1500))) {
                long started = System.nanoTime();
                assertThatThrownBy(() -> await(hanging.append("c", messages(0, 1), 1000, TTL))).cause()
                        .isInstanceOf(RedisSessionInbox.RedisInboxException.class)
                        .hasMessageContaining("Redis " + url)
                        .hasMessageContaining("append to the queue of client 'c'")
                        .hasMessageContaining("no reply within 1500 ms");
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(4));
            }
        } finally {
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    private interface Attempt<T> {
        T run() throws Exception;
    }

    private static <T> T eventually(Attempt<T> attempt) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try {
                return attempt.run();
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }
}
