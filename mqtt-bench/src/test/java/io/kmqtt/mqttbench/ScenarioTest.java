package io.kmqtt.mqttbench;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ScenarioTest {

    @Test
    void defaultScaleOfSeedScenarioFiveIsOneHundredThousandConnections() {
        Scenario s = Scenario.load("seed-5", 1.0 / 20, 1);
        assertThat(s.pairs()).isEqualTo(50_000);
        assertThat(s.connections()).isEqualTo(100_001); // devices, mobiles and the ListenToAllTopics backend
        assertThat(s.rampRate()).isEqualTo(1_000);
        assertThat(s.steady()).isEqualTo(Duration.ofSeconds(300));
    }

    @Test
    void everySeedScenarioLoadsWithTheSeedsQosMixAndChurn() {
        for (int i = 1; i <= 8; i++) {
            Scenario s = Scenario.load("seed-" + i, 1, 1);
            assertThat(s.family()).isEqualTo("seed");
            assertThat(s.qos1Share()).isEqualTo(i == 6 ? 0.2 : 0.0);
        }
        assertThat(Scenario.load("seed-1", 1, 1).pairs()).isEqualTo(100_000);
        assertThat(Scenario.load("seed-4", 1, 1).backend()).isTrue();
        Scenario seven = Scenario.load("seed-7", 1, 1);
        assertThat(seven.churnShare()).isEqualTo(0.01);
        assertThat(seven.ttlMin()).isEqualTo(Duration.ofMinutes(1));
        assertThat(seven.ttlMax()).isEqualTo(Duration.ofMinutes(5));
        assertThat(Scenario.load("seed-8", 1, 1).churnShare()).isEqualTo(0.05);
    }

    @Test
    void timeScaleShrinksTheSteadyPhaseAndTheTtlWindowButNotThePublishRate() {
        Scenario s = Scenario.load("seed-8", 1, 0.1);
        assertThat(s.ttlMin()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.ttlMax()).isEqualTo(Duration.ofSeconds(60));
        assertThat(s.steady()).isEqualTo(Duration.ofSeconds(90));
        assertThat(s.publishInterval()).isEqualTo(Duration.ofSeconds(50));
    }

    static LoadOptions parse(String... args) {
        LoadOptions o = new LoadOptions();
        new picocli.CommandLine(o).parseArgs(args);
        return o;
    }

    @Test
    void ciScaleIsTiny() throws Exception {
        LoadOptions o = parse("--scenario", "seed-5", "--scale", "ci");
        Scenario s = o.scenario();
        assertThat(s.connections()).isEqualTo(401);
        assertThat(s.steady()).isEqualTo(Duration.ofSeconds(6));
        assertThat(s.rampRate()).as("never slower than 50 connects/s").isEqualTo(50);
    }

    @Test
    void fractionsAndDefaults() {
        assertThat(LoadOptions.parseFraction("1/20")).isEqualTo(0.05);
        assertThat(parse("--scenario", "seed-1").scale()).isEqualTo(0.05);
        assertThat(parse("--scenario", "p2p").scale()).isEqualTo(1.0);
        assertThat(Scenario.duration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Scenario.duration("5m")).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void everyBuiltInScenarioIsListedAndLoads() throws Exception {
        java.nio.file.Path dir = java.nio.file.Path.of(Scenario.class.getResource("/scenarios").toURI());
        try (var files = java.nio.file.Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString().replace(".properties", "")))
                    .containsExactlyInAnyOrderElementsOf(Scenario.BUILT_IN);
        }
        assertThat(Scenario.builtInSummary()).hasSize(Scenario.BUILT_IN.size())
                .anySatisfy(line -> assertThat(line).startsWith("  stream ").contains("full-speed"));
    }

    @Test
    void streamIsPairsOfPublisherAndSubscriberAtTheQosAndWindowAsked() {
        Scenario s = Scenario.load("stream", 1, 1);
        assertThat(s.family()).isEqualTo("stream");
        assertThat(s.connections()).isEqualTo(20);
        assertThat(s.users()).isEqualTo(10);
        assertThat(s.qos()).isEqualTo(1);
        assertThat(s.maxInflight()).isEqualTo(20);
        assertThat(s.sequenced()).isTrue();
        Scenario q2 = parse("--scenario", "stream", "--scale", "0.2", "--qos", "2", "--count", "500", "--max-inflight", "5").scenario();
        assertThat(q2.pairs()).isEqualTo(2);
        assertThat(q2.publishQos(0.99)).isEqualTo(2);
        assertThat(q2.subscribeQos()).isEqualTo(2);
        assertThat(q2.count()).isEqualTo(500);
        assertThat(q2.maxInflight()).isEqualTo(5);
        assertThatThrownBy(() -> parse("--scenario", "stream", "--qos", "3").scenario()).hasMessageContaining("QoS is 0, 1 or 2");
    }

    @Test
    void faninIsQos1AlreadyAndSequenced() {
        Scenario s = Scenario.load("fanin", 1, 1);
        assertThat(s.qos()).isEqualTo(1);
        assertThat(s.subscribeQos()).isEqualTo(1);
        assertThat(s.sequenced()).isTrue();
        assertThat(s.users()).as("publishers are seed users; subscribers log in as the backend").isEqualTo(1000);
        assertThat(parse("--scenario", "fanin", "--qos", "0").scenario().publishQos(0.0)).isZero();
        assertThat(Scenario.load("seed-6", 1, 1).publishQos(0.1)).isEqualTo(1);
        assertThat(Scenario.load("seed-6", 1, 1).publishQos(0.5)).isZero();
    }

    @Test
    void badScenariosAreRefusedWithAReason() {
        Properties p = new Properties();
        p.setProperty("family", "broadcast");
        assertThatThrownBy(() -> Scenario.fromProperties("x", p, 1, 1)).hasMessageContaining("family");
        Properties churn = new Properties();
        churn.setProperty("churn-share", "0.1");
        assertThatThrownBy(() -> Scenario.fromProperties("x", churn, 1, 1)).hasMessageContaining("ttl-min");
        assertThatThrownBy(() -> Scenario.load("seed-9", 1, 1)).hasMessageContaining("no scenario");
    }
}
