package io.kmqtt.gateway.delivery;

import io.kmqtt.core.message.Envelope;
import io.kmqtt.core.message.PublishProperties;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class OutboundQueueTest {

    private final OutboundQueue queue = new OutboundQueue();

    private static Outbound message(String name, int qos) {
        return new Outbound(new Envelope("t", name.getBytes(StandardCharsets.UTF_8), qos, false, "pub", "gw", 1, 0,
                PublishProperties.NONE), qos, false);
    }

    /** Names starting with z are QoS 0, the others QoS 1. */
    private void add(String names) {
        for (String n : names.split(" ")) {
            queue.addLast(message(n, n.startsWith("z") ? 0 : 1));
        }
    }

    private static String name(Outbound o) {
        return o == null ? null : new String(o.message().payload(), StandardCharsets.UTF_8);
    }

    private List<String> contents() {
        List<String> names = new ArrayList<>();
        queue.forEach(o -> names.add(name(o)));
        return names;
    }

    @Test
    void withRoomInTheWindowEverythingGoesInArrivalOrder() {
        add("a z1 b z2");
        List<String> sent = new ArrayList<>();
        Outbound o;
        while ((o = queue.poll(true)) != null) {
            sent.add(name(o));
        }
        assertThat(sent).containsExactly("a", "z1", "b", "z2");
    }

    @Test
    void aFullWindowSetsQos1AsideAndLetsQos0ByThenQos1ComesFirst() {
        add("a b z1 c z2");
        assertThat(name(queue.poll(false))).isEqualTo("z1");
        assertThat(contents()).containsExactly("a", "b", "c", "z2");
        assertThat(name(queue.poll(false))).isEqualTo("z2");
        assertThat(queue.poll(false)).isNull();
        add("d z3");
        assertThat(name(queue.poll(false))).isEqualTo("z3");
        assertThat(contents()).containsExactly("a", "b", "c", "d");
        assertThat(name(queue.poll(true))).isEqualTo("a");
        assertThat(queue.size()).isEqualTo(3);
    }

    @Test
    void addFirstGoesAheadOfWhatIsSetAside() {
        add("a z1");
        queue.poll(false);
        queue.addFirst(message("saved", 1));
        queue.addFirst(message("zsaved", 0));
        assertThat(contents()).containsExactly("saved", "a", "zsaved");
    }

    @Test
    void removeAndIterationSpanBothParts() {
        add("a b z1 c");
        queue.poll(false);
        assertThat(queue.removeIf(o -> name(o).equals("b") || name(o).equals("c"))).isTrue();
        assertThat(contents()).containsExactly("a");
        add("d");
        Iterator<Outbound> it = queue.iterator();
        it.next();
        it.remove();
        assertThat(contents()).containsExactly("d");
        queue.clear();
        assertThat(queue.isEmpty()).isTrue();
    }
}
