package io.kmqtt.mqttbench.chaos;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The fault specs of --fault and the built-in scenarios. */
class FaultCatalogTest {

    @Test
    void theTargetsScenarioIsTheSixFaultsOfTheTargetsTableInOrder() {
        assertThat(FaultCatalog.scenario("targets")).extracting(Fault::name)
                .containsExactly("kill-router", "stop-router", "kill-gateway", "kill-kafka", "pause-redis", "rolling-restart");
    }

    @Test
    void allRunsEveryFaultOnceAndEveryFaultIsAScenarioOfItsOwn() {
        List<String> all = FaultCatalog.scenario("all").stream().map(Fault::name).toList();
        assertThat(all).doesNotHaveDuplicates().hasSize(FaultCatalog.faults().size())
                .contains("kill-router", "pause-router", "kill-gateway", "pause-gateway", "kill-kafka", "pause-kafka",
                        "kill-redis", "pause-redis", "rolling-gateways", "rolling-routers");
        for (String name : all) {
            assertThat(FaultCatalog.scenario(name)).extracting(Fault::name).containsExactly(name);
        }
    }

    @Test
    void aNamedFaultTakesTheRunsHoldUnlessItsSpecGivesOne() {
        assertThat(FaultCatalog.parse("kill-router").hold()).isEmpty();
        Fault held = FaultCatalog.parse("pause-redis@15s");
        assertThat(held.name()).isEqualTo("pause-redis@15s");
        assertThat(held.hold()).contains(Duration.ofSeconds(15));
        assertThat(FaultCatalog.parse("kill-kafka@500ms").hold()).contains(Duration.ofMillis(500));
        assertThat(FaultCatalog.parse("kill-kafka@1.5m").hold()).contains(Duration.ofSeconds(90));
    }

    @Test
    void anActionOnANamedProcess() throws Exception {
        Fault f = FaultCatalog.parse("pause:kafka-3@10s");
        assertThat(f).isInstanceOf(ProcessFault.class);
        assertThat(((ProcessFault) f).action()).isEqualTo(ProcessFault.Action.PAUSE);
        assertThat(f.hold()).contains(Duration.ofSeconds(10));
        Recorder r = new Recorder("kafka-1", "kafka-2", "kafka-3");
        f.inject(r.context());
        f.recover(r.context());
        assertThat(r.calls).containsExactly("pause kafka-3", "resume kafka-3");
    }

    @Test
    void aRestartIsOverWhenInjectedAndHoldsNothing() throws Exception {
        Fault f = FaultCatalog.parse("restart:gw-2");
        assertThat(f.hold()).contains(Duration.ZERO);
        Recorder r = new Recorder("gw-1", "gw-2");
        f.inject(r.context());
        f.recover(r.context());
        assertThat(r.calls).containsExactly("stop gw-2", "start gw-2");
    }

    @Test
    void theDisruptionIsMarkedOnceTheActionHasTakenEffect() throws Exception {
        // a message created while the kill was on its way, and delivered, is no sign of recovery
        Recorder r = new Recorder("router-1", "router-2");
        FaultContext context = r.context();
        r.duringAction = () -> {
            for (int t = 0; t < r.settings.topics(); t++) {
                context.row().sent(t, 1);
                for (int s = 0; s < r.settings.subscribers(); s++) {
                    if (r.settings.receives(s, t)) {
                        context.row().received(t, s, 1, Publisher.epochMicros());
                    }
                }
            }
        };
        FaultCatalog.parse("kill-router").inject(context);
        assertThat(r.calls).containsExactly("kill router-1");
        assertThat(context.row().timeToRecoverSeconds()).isNull();
        assertThat(context.row().notRecovered()).isNotEmpty();
    }

    @Test
    void timeToRecoverCountsFromWhenTheActionBegan() throws Exception {
        // bin/cluster kill returns once the process is gone: on a busy machine, seconds after SIGKILL
        Recorder r = new Recorder("router-1", "router-2");
        FaultContext context = r.context();
        r.duringAction = () -> {
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        };
        FaultCatalog.parse("kill-router").inject(context);
        for (int t = 0; t < r.settings.topics(); t++) {
            context.row().sent(t, 1);
            for (int s = 0; s < r.settings.subscribers(); s++) {
                if (r.settings.receives(s, t)) {
                    context.row().received(t, s, 1, Publisher.epochMicros());
                }
            }
        }
        assertThat(context.row().timeToRecoverSeconds()).isNotNull().isGreaterThanOrEqualTo(0.3);
        assertThat(context.row().events()).extracting(RowTally.Event::what).containsExactly("kill -9 router-1");
    }

    @Test
    void rowsAreSeparatedByCommas() {
        assertThat(FaultCatalog.parseList("kill-router, kill:kafka-2@20s ,rolling-gateways")).extracting(Fault::name)
                .containsExactly("kill-router", "kill:kafka-2@20s", "rolling-gateways");
    }

    @Test
    void aSingleKafkaBrokerIsCalledKafkaAndSeveralStartWithKafka1() throws Exception {
        Recorder one = new Recorder("kafka", "redis");
        FaultCatalog.parse("kill-kafka").inject(one.context());
        Recorder three = new Recorder("kafka-1", "kafka-2", "kafka-3", "redis");
        FaultCatalog.parse("kill-kafka").inject(three.context());
        assertThat(one.calls).containsExactly("kill kafka");
        assertThat(three.calls).containsExactly("kill kafka-1");
    }

    @Test
    void theGatewayFaultsAimAtTheWatchedSubscribersGatewayOrTheFirstOne() throws Exception {
        Recorder r = new Recorder("gw-1", "gw-2", "gw-10");
        r.locator = id -> java.util.Optional.of(id.equals("chaos-sub-1") ? "gw-2" : "gw-1");
        FaultCatalog.parse("kill-gateway").inject(r.context());
        Recorder unknown = new Recorder("gw-10", "gw-2", "gw-1");
        FaultCatalog.parse("kill-gateway").inject(unknown.context());
        assertThat(r.calls).containsExactly("kill gw-2");
        assertThat(unknown.calls).containsExactly("kill gw-1");
        assertThat(unknown.events).anyMatch(e -> e.contains("cannot tell the gateway of chaos-sub-1"));
    }

    @Test
    void anAdminApiThatDoesNotAnswerAtFirstIsAskedAgain() throws Exception {
        Recorder r = new Recorder("gw-1", "gw-2");
        int[] asked = {0};
        r.locator = id -> {
            if (++asked[0] == 1) {
                throw new java.net.http.HttpTimeoutException("request timed out");
            }
            return java.util.Optional.of("gw-2");
        };
        FaultCatalog.parse("kill-gateway").inject(r.context());
        assertThat(r.calls).containsExactly("kill gw-2");
        assertThat(asked[0]).isEqualTo(2);
    }

    @Test
    void aRollingRestartGoesThroughGatewaysThenRoutersInNumberOrder() throws Exception {
        Recorder r = new Recorder("gw-1", "gw-10", "gw-2", "kafka", "router-1", "router-2");
        FaultCatalog.parse("rolling-restart").inject(r.context());
        assertThat(r.calls).containsExactly("stop gw-1", "start gw-1", "stop gw-2", "start gw-2", "stop gw-10", "start gw-10",
                "stop router-1", "start router-1", "stop router-2", "start router-2");
    }

    @Test
    void aFaultThatDidNothingHasNothingToRecover() throws Exception {
        Recorder r = new Recorder("router-1");
        Fault f = FaultCatalog.parse("kill:router-9");
        r.failing = "kill router-9";
        assertThatThrownBy(() -> f.inject(r.context())).hasMessageContaining("router-9");
        f.recover(r.context());
        assertThat(r.calls).isEmpty();
    }

    @Test
    void unknownSpecsAreRefusedWithWhatIsKnown() {
        assertThatThrownBy(() -> FaultCatalog.parse("kill-everything")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("kill-router").hasMessageContaining("ACTION:PROCESS");
        assertThatThrownBy(() -> FaultCatalog.parse("explode:gw-1")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FaultCatalog.scenario("nope")).hasMessageContaining("targets");
        assertThatThrownBy(() -> FaultCatalog.parseList(" , ")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void processNamesSortByTheirNumbers() {
        List<String> names = new ArrayList<>(List.of("gw-10", "router-2", "gw-2", "kafka", "gw-1", "kafka-3", "kafka-1"));
        names.sort(NaturalOrder.INSTANCE);
        assertThat(names).containsExactly("gw-1", "gw-2", "gw-10", "kafka", "kafka-1", "kafka-3", "router-2");
    }

    /** A ProcessControl that records what is done to which process. */
    static final class Recorder implements ProcessControl {
        final List<String> names;
        final List<String> calls = new ArrayList<>();
        final List<String> events = new ArrayList<>();
        GatewayLocator locator = id -> java.util.Optional.empty();
        String failing;
        Runnable duringAction = () -> { };
        final WorkloadSettings settings = WorkloadSettings.defaults(List.of(new Endpoint("lb", "127.0.0.1", 1883)), null, null);
        private FaultContext context;

        Recorder(String... names) {
            this.names = List.of(names);
        }

        /** The same context (and row) at every call. */
        FaultContext context() {
            if (context == null) {
                RowTally row = new RowTally(0, "test", settings, System::nanoTime, Publisher::epochMicros, 0);
                context = new FaultContext(this, locator, "chaos-sub-1", row, Duration.ZERO, events::add);
            }
            return context;
        }

        private void call(String what) {
            if (what.equals(failing)) {
                throw new IllegalStateException("no process " + what.substring(what.indexOf(' ') + 1));
            }
            calls.add(what);
            duringAction.run();
        }

        @Override
        public List<String> names() {
            return names;
        }

        @Override
        public void kill(String name) {
            call("kill " + name);
        }

        @Override
        public void pause(String name) {
            call("pause " + name);
        }

        @Override
        public void resume(String name) {
            call("resume " + name);
        }

        @Override
        public void stop(String name) {
            call("stop " + name);
        }

        @Override
        public void start(String name) {
            call("start " + name);
        }
    }
}
