/**
 * A conformance suite: the packaged standalone broker against the normative statements of the
 * OASIS MQTT specifications, MQTT 3.1.1 (2014) and MQTT 5.0 (2019).
 *
 * <h2>Grouping</h2>
 * One class per specification section, named {@code Section<number>_<Title>IT}, each starting one
 * standalone broker ({@code bin/broker}, a free port) for its tests. A test of a behaviour that
 * also failed in the cluster takes a {@link io.kmqtt.it.conformance.Broker.Kind} and runs on both:
 * the standalone broker, and one cluster shared by the whole run (a router and two gateways on
 * Kafka, Redis for the offline queues; a client that "comes back" does so through the other
 * gateway, as a load balancer may send it), see {@link io.kmqtt.it.conformance.Broker}. The numbers are MQTT 5.0's,
 * which for these sections are also MQTT 3.1.1's, except error handling: 3.1.1 section 4.8 is in
 * {@link io.kmqtt.it.conformance.Section4_13_ErrorHandlingIT} (5.0 section 4.13). A test sits in the
 * class of the behaviour it checks, even when its statement is numbered elsewhere: the will
 * statements of 3.1.2 are in the DISCONNECT class, the clean session ones in
 * {@link io.kmqtt.it.conformance.Section4_1_SessionStateIT}, keep alive in the PINGREQ class.
 * Malformed packets of one type are in that packet's class; the rest of error handling in 4.13.
 *
 * <h2>Naming</h2>
 * A test method is named after the normative statement it checks, then the protocol version it
 * speaks, then what it shows: {@code mqtt_3_1_2_24_v311_...} checks [MQTT-3.1.2-24] of MQTT 3.1.1
 * over an MQTT 3.1.1 connection, {@code mqtt_4_3_3_10_v5_...} [MQTT-4.3.3-10] of MQTT 5.0 over an
 * MQTT 5 one (the two specifications often number the same requirement differently, so the
 * version says which one is meant). A method without a version speaks both, for a statement both
 * word and number alike. Behaviour required without a statement id is named after its section:
 * {@code section_4_7_1_2_v311_...}. The javadoc of every test paraphrases the statement(s), with
 * the version and every id it covers.
 *
 * <h2>How the tests observe the broker</h2>
 * Real clients where they can express the test (HiveMQ MQTT client for 5.0 and 3.1.1, Eclipse Paho
 * for 3.1.1), raw bytes ({@link io.kmqtt.it.conformance.Wire}) where a library hides the wire:
 * packet identifiers, DUP, return and reason codes, Session Present, invalid packets. Every test
 * asserts on what the broker sent or did not send, and on whether it closed the connection.
 * "Did not send" is watched for {@link io.kmqtt.it.conformance.Wire#QUIET}.
 *
 * <h2>Gaps</h2>
 * A test that shows the broker violating a statement stays in the suite, disabled with
 * {@code @Disabled("gap: <what the broker does instead>")}, so that it can be enabled once the
 * broker conforms. There are none at present: the last ones, violations that Vert.x MQTT and
 * Netty's decoder let through, are caught by the gateway's {@code PacketChecker}. Covered elsewhere, by feature: Subscription Identifiers on outgoing PUBLISH,
 * topic aliases towards the client, Server Keep Alive and the gateway's Receive Maximum
 * ({@code Mqtt5OutboundIT}); a shared-subscription member leaving ({@code SharedSubscriptionsIT});
 * persistent sessions across gateways ({@code PersistentSessionsIT}).
 */
package io.kmqtt.it.conformance;
