package io.kmqtt.mqttbench.loss;

/**
 * One stream's counts (or the total over all streams), as {@link LossChecker} defines them.
 *
 * @param received               distinct sequence numbers that arrived
 * @param lost                   sequence numbers up to the highest sent or received that never arrived
 * @param lostAcknowledged       of the lost, those the broker had acknowledged to the publisher
 * @param longestSilenceMs       longest time without an arrival while the publisher was sending
 * @param longestSilenceAtSeconds when that silence began, seconds after the checker was created
 * @param deliveredPerSecond     received / seconds from the first send to the last arrival
 */
public record StreamLoss(String stream, long sent, long acknowledged, long received, long lost, long lostAcknowledged,
                         long duplicates, long reordered, double longestSilenceMs, double longestSilenceAtSeconds,
                         double deliveredPerSecond) {

    /** Nothing lost, duplicated or reordered. */
    public boolean clean() {
        return lost == 0 && duplicates == 0 && reordered == 0;
    }
}
