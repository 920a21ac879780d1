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

    @Test
    void ciScaleIsTiny() throws Exception {
        MqttBench.Options o = MqttBench.Options.parse(new String[]{"run", "--scenario", "seed-5", "--scale", "ci"});
        Scenario s = o.scenario();
        assertThat(s.connections()).isEqualTo(401);
        assertThat(s.steady()).isEqualTo(Duration.ofSeconds(6));
        assertThat(s.rampRate()).as("never slower than 50 connects/s").isEqualTo(50);
    }

    @Test
    void fractionsAndDefaults() {
        assertThat(MqttBench.Options.parseFraction("1/20")).isEqualTo(0.05);
        assertThat(MqttBench.Options.parse(new String[]{"run", "--scenario", "seed-1"}).scale).isEqualTo(0.05);
        assertThat(MqttBench.Options.parse(new String[]{"run", "--scenario", "p2p"}).scale).isEqualTo(1.0);
        assertThat(Scenario.duration("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Scenario.duration("5m")).isEqualTo(Duration.ofMinutes(5));
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
