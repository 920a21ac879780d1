package io.kmqtt.mqttbench.chaos;

import io.kmqtt.mqttbench.loss.LossReport;
import io.kmqtt.mqttbench.loss.StreamLoss;

import java.util.List;
import java.util.Map;

/**
 * One row of a chaos report: a fault (or the baseline) and what it did to the messages created
 * while it ran. A stream is a (topic, subscriber) pair; a message is expected once on each stream
 * of its topic. Times in seconds.
 *
 * @param atSeconds              when the fault was injected (the row's first action), since the run started
 * @param created                messages the publishers created during the row
 * @param acknowledged           of those, the ones the broker acknowledged (PUBACK)
 * @param expected               deliveries expected: each message once per subscriber of its topic
 * @param delivered              deliveries made (distinct: duplicates are counted apart)
 * @param lost                   expected deliveries never made
 * @param lostAfterAck           of those, of messages the broker had acknowledged: what QoS 1 promises to deliver
 * @param duplicates             arrivals of a message that had already arrived at that subscriber
 * @param reordered              first arrivals of a message older than one that had already arrived
 * @param longestSilenceSeconds  the longest time a stream went without a new message while its publisher was publishing
 * @param longestSilenceStream   on which stream (topic -> subscriber)
 * @param timeToRecoverSeconds   from the (last) disruption until every stream had delivered a message created after it;
 *                               null if some never did (see notRecovered) or nothing was disrupted
 * @param reconnects             connections lost and made again (publishers and subscribers)
 * @param longestReconnectSeconds from the connection loss to CONNACK on a new one
 * @param sessionsLost           subscriber reconnects that found no session (Session Present 0)
 * @param stalls                 connections given up for reading nothing for the stall timeout
 * @param refusedConnects        CONNECTs refused or unanswered (CONNACK "server unavailable", timeouts)
 * @param longestPubackWaitSeconds the longest a PUBLISH waited for its PUBACK (on the connection it was written on)
 * @param resent                 PUBLISHes written again after a reconnect
 * @param unexpected             messages delivered to a subscriber that did not subscribe to them
 * @param brokerDrops            what the gateways and routers counted as dropped during the row, by reason
 *                               ({@link BrokerCounters}): loss beyond these is loss the broker does not know of
 */
public record FaultRow(int row, String fault, double atSeconds, long created, long acknowledged, long expected,
                       long delivered, long lost, long lostAfterAck, long duplicates, long reordered,
                       double longestSilenceSeconds, String longestSilenceStream, Double timeToRecoverSeconds,
                       List<String> notRecovered, long reconnects, double longestReconnectSeconds,
                       String longestReconnectClient, long sessionsLost, long stalls, long refusedConnects,
                       double longestPubackWaitSeconds, long resent, long unexpected, Map<String, Long> brokerDrops,
                       List<RowTally.Event> events, List<StreamLoss> streams) {

    public static FaultRow of(RowTally tally) {
        LossReport loss = tally.loss();
        StreamLoss total = loss.total();
        StreamLoss worst = tally.worstSilence();
        List<RowTally.Event> events = tally.events();
        double at = events.isEmpty() ? tally.startedAtSeconds() : events.get(0).atSeconds();
        List<StreamLoss> everyTopic = loss.streams().stream().filter(s -> s.stream().endsWith(tally.everyTopicSuffix())).toList();
        return new FaultRow(tally.index(), tally.name(), at, everyTopic.stream().mapToLong(StreamLoss::sent).sum(),
                everyTopic.stream().mapToLong(StreamLoss::acknowledged).sum(), total.sent(), total.received(), total.lost(),
                total.lostAcknowledged(), total.duplicates(), total.reordered(),
                worst == null ? 0 : worst.longestSilenceMs() / 1000, worst == null ? null : worst.stream(),
                tally.timeToRecoverSeconds(), tally.notRecovered(), tally.reconnects(), tally.longestReconnectSeconds(),
                tally.longestReconnectClient(), tally.sessionsLost(), tally.stalls(), tally.refusedConnects(),
                tally.longestAckWaitSeconds(), tally.resentCount(), tally.unexpected(), tally.brokerDrops(), events, loss.streams());
    }

    /**
     * The counts agree with each other: on every stream and in total, each expected delivery was
     * made or is lost (expected = delivered + lost), no more were acknowledged than created, and the
     * lost after acknowledgement are among the lost.
     */
    public boolean addsUp() {
        for (StreamLoss s : streams) {
            if (s.sent() != s.received() + s.lost() || s.acknowledged() > s.sent() || s.lostAcknowledged() > s.lost()) {
                return false;
            }
        }
        return streams.stream().mapToLong(StreamLoss::sent).sum() == expected
                && streams.stream().mapToLong(StreamLoss::received).sum() == delivered
                && expected == delivered + lost && acknowledged <= created && lostAfterAck <= lost && expected >= created;
    }
}
