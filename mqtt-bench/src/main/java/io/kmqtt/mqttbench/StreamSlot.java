package io.kmqtt.mqttbench;

import io.kmqtt.mqttbench.loss.LossChecker;

/**
 * One sequenced stream of a run: one publisher's messages as one receiver (or one shared group)
 * gets them. Its loss counts and its delivery latency.
 */
final class StreamSlot {

    final String name;
    final LossChecker.Stream loss;
    final SamplerStats delivery = new SamplerStats();
    final BenchClient publisher;

    StreamSlot(String name, LossChecker.Stream loss, BenchClient publisher) {
        this.name = name;
        this.loss = loss;
        this.publisher = publisher;
    }
}
