package io.kmqtt.core.auth;

import io.kmqtt.core.topic.Topics;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class PermissionsTest {

    private static Permissions of(List<AclRule> rules, String username, String clientId) {
        return Permissions.resolve(false, rules, username, clientId, false);
    }

    @Test
    void seedRulesHoldAUserToItsOwnTopics() {
        List<AclRule> rules = List.of(new AclRule("topic/device_user7/t_1", 3), new AclRule("topic/device_user7/t_2", 3));
        Permissions p = of(rules, "user7", "c7");
        assertThat(p.canPublish("topic/device_user7/t_1")).isTrue();
        assertThat(p.canSubscribe("topic/device_user7/t_2")).isTrue();
        assertThat(p.canPublish("topic/device_user8/t_1")).isFalse();
        assertThat(p.canSubscribe("topic/device_user7/+")).as("wider than any rule").isFalse();
        assertThat(p.canSubscribe("#")).isFalse();
    }

    @Test
    void accessBitsSeparateSubscribeFromPublish() {
        Permissions p = of(List.of(new AclRule("in/#", AclRule.SUBSCRIBE), new AclRule("out/#", AclRule.PUBLISH)), "u", "c");
        assertThat(p.canSubscribe("in/x")).isTrue();
        assertThat(p.canPublish("in/x")).isFalse();
        assertThat(p.canPublish("out/x")).isTrue();
        assertThat(p.canSubscribe("out/x")).isFalse();
    }

    @Test
    void wildcardRulesCoverNarrowerSubscriptions() {
        Permissions p = of(List.of(new AclRule("a/#", 3), new AclRule("b/+/c", 1)), "u", "c");
        assertThat(p.canSubscribe("a/#")).isTrue();
        assertThat(p.canSubscribe("a/b/+")).isTrue();
        assertThat(p.canSubscribe("b/x/c")).isTrue();
        assertThat(p.canSubscribe("b/+/c")).as("'+' as a literal level matches the rule's '+'").isTrue();
        assertThat(p.canSubscribe("b/#")).isFalse();
    }

    @Test
    void placeholdersAreSubstituted() {
        Permissions p = of(List.of(new AclRule("users/%u/#", 3), new AclRule("clients/%c/in", 1)), "alice", "phone-1");
        assertThat(p.canPublish("users/alice/x")).isTrue();
        assertThat(p.canPublish("users/bob/x")).isFalse();
        assertThat(p.canSubscribe("clients/phone-1/in")).isTrue();
        assertThat(p.canSubscribe("clients/phone-2/in")).isFalse();
    }

    @Test
    void CVE_2017_7650_wildcardsInUsernameOrClientIdAreNeverSubstituted() {
        List<AclRule> rules = List.of(new AclRule("users/%u/#", 3), new AclRule("clients/%c", 3));
        for (String evil : List.of("#", "+", "a/b", "x#", "+y")) {
            Permissions byName = of(rules, evil, "ok");
            assertThat(byName.canSubscribe("users/anyone/secret")).as("username %s", evil).isFalse();
            assertThat(byName.canSubscribe("users/#")).as("username %s", evil).isFalse();
            Permissions byClient = of(rules, "ok", evil);
            assertThat(byClient.canSubscribe("clients/anyone")).as("client id %s", evil).isFalse();
            assertThat(byClient.canSubscribe("clients/" + evil)).as("client id %s", evil).isFalse();
            assertThat(byClient.canPublish("users/ok/x")).as("unaffected rule still applies").isTrue();
        }
        assertThat(of(rules, null, "c").canPublish("users/null/x")).as("no username, no %u").isFalse();
    }

    @Test
    void superuserBypassesTheAcl() {
        Permissions p = Permissions.resolve(true, List.of(), "admin", "c", false);
        assertThat(p.canPublish("anything")).isTrue();
        assertThat(p.canSubscribe("#")).isTrue();
    }

    @Test
    void noMatchPolicyIsConfigurable() {
        assertThat(Permissions.resolve(false, List.of(), "u", "c", false).canPublish("x")).isFalse();
        assertThat(Permissions.resolve(false, List.of(), "u", "c", true).canPublish("x")).isTrue();
    }

    @Test
    void sharedSubscriptionsAreCheckedAgainstTheirFilter() {
        Permissions p = of(List.of(new AclRule("jobs/#", 1)), "u", "c");
        assertThat(p.canSubscribe("$share/workers/jobs/x")).isTrue();
        assertThat(p.canSubscribe("$queue/jobs/x")).isTrue();
        assertThat(p.canSubscribe("$share/workers/other")).isFalse();
        assertThat(p.canSubscribe("$share/jobs")).as("no filter after the group").isFalse();
    }

    @Test
    void equalResolvedRulesShareOneList() {
        List<AclRule> rules = List.of(new AclRule("topic/device_user7/t_1", 3), new AclRule("topic/device_user7/t_2", 1));
        Permissions device = of(rules, "user7", "device-7");
        Permissions mobile = of(List.of(new AclRule("topic/device_user7/t_1", 3), new AclRule("topic/device_user7/t_2", 1)),
                "user7", "mobile-7");
        assertThat(mobile.sharesRulesWith(device)).isTrue();
        assertThat(mobile).isEqualTo(device);
        assertThat(device.rules()).containsExactlyInAnyOrderElementsOf(rules);
    }

    @Test
    void rulesThatDifferOnlyByTheUserNameShareOneList() {
        // The seed's layout: every user's 20 rules name the user.
        Permissions u7 = of(List.of(new AclRule("topic/device_user7/t_1", 3), new AclRule("user7/in", 1)), "user7", "c");
        Permissions u8 = of(List.of(new AclRule("topic/device_user8/t_1", 3), new AclRule("user8/in", 1)), "user8", "c");
        assertThat(u8.sharesRulesWith(u7)).isTrue();
        assertThat(u8).isNotEqualTo(u7);
        assertThat(u7.rules()).containsExactlyInAnyOrder(new AclRule("topic/device_user7/t_1", 3), new AclRule("user7/in", 1));
        assertThat(u8.rules()).containsExactlyInAnyOrder(new AclRule("topic/device_user8/t_1", 3), new AclRule("user8/in", 1));
        assertThat(u7.canPublish("topic/device_user7/t_1")).isTrue();
        assertThat(u8.canPublish("topic/device_user8/t_1")).isTrue();
        assertThat(u7.canPublish("topic/device_user8/t_1")).isFalse();
        assertThat(u8.canPublish("topic/device_user7/t_1")).isFalse();
        assertThat(u8.canSubscribe("user8/in")).isTrue();
        assertThat(u8.canSubscribe("user7/in")).isFalse();
    }

    @Test
    void sharedListsDecideExactlyAsTheResolvedRules() {
        // Names that are short, repeated, prefixes of other names or whole levels, against rules and
        // topics built to tell a shared list from the resolved one.
        List<String> names = List.of("u", "user1", "a", "t_1", "x.y", "bob", "user", "1", "é", "a b");
        List<String> filters = List.of("topic/device_%u/t_1", "%u/%u/+", "%u%u/#", "+/%u", "$SYS/%u", "a/b/c",
                "topic/device_user10/t_1", "pre%usuf/x", "#");
        List<String> topics = List.of("topic/device_user1/t_1", "topic/device_user10/t_1", "u/u/x", "uu/x", "uu",
                "a/a/a", "aa/b", "x/bob", "x/bobo", "$SYS/1", "1/1/1", "preusuf/x", "pre/suf/x", "t_1/t_1/q",
                "x.y/x.y/z", "é/é/é", "a b/a b/c", "a/b/c", "userusersuf", "user/user/user");
        for (String name : names) {
            List<AclRule> rules = filters.stream().map(f -> new AclRule(f, 3)).toList();
            Permissions p = of(rules, name, "c");
            List<AclRule> resolved = p.rules();
            for (String topic : topics) {
                boolean expected = resolved.stream().anyMatch(r -> Topics.matches(r.filter(), topic));
                assertThat(p.canPublish(topic)).as("user '%s', topic '%s', rules %s", name, topic, resolved).isEqualTo(expected);
            }
        }
    }

    @Test
    void aNameThatCouldChangeAFiltersLevelsIsNeverWrittenAsTheMark() {
        List<AclRule> rules = List.of(new AclRule("a/b\u001A/c", 3), new AclRule("a/b/c", 3));
        Permissions withMarkInRules = of(rules, "b", "c");
        assertThat(withMarkInRules.canPublish("a/b\u001A/c")).isTrue();
        assertThat(withMarkInRules.canPublish("a/bb/c")).isFalse();
        Permissions controlChar = of(List.of(new AclRule("x\u0001y/z", 3)), "x\u0001y", "c");
        assertThat(controlChar.canPublish("x\u0001y/z")).isTrue();
        assertThat(controlChar.rules()).containsExactly(new AclRule("x\u0001y/z", 3));
        Permissions other = of(List.of(new AclRule("q\u0001y/z", 3)), "q\u0001y", "c");
        assertThat(other.sharesRulesWith(controlChar)).isFalse();
    }

    @Test
    void sharingNeverGivesOneClientAnothersRules() {
        Permissions u7 = of(List.of(new AclRule("topic/device_user7/t_1", 3)), "user7", "c");
        Permissions u8 = of(List.of(new AclRule("topic/device_user8/t_1", 3)), "user8", "c");
        assertThat(u7.canPublish("topic/device_user8/t_1")).isFalse();
        assertThat(u8.canPublish("topic/device_user7/t_1")).isFalse();

        // The same templates resolve to different rules per user and per client id.
        List<AclRule> templates = List.of(new AclRule("users/%u/#", 3), new AclRule("clients/%c/in", 1));
        Permissions alice = of(templates, "alice", "phone");
        Permissions bob = of(templates, "bob", "phone");
        Permissions alicesTablet = of(templates, "alice", "tablet");
        assertThat(bob).isNotEqualTo(alice);
        assertThat(alicesTablet.sharesRulesWith(alice)).isFalse();
        assertThat(bob.canPublish("users/alice/x")).isFalse();
        assertThat(alicesTablet.canSubscribe("clients/phone/in")).isFalse();
        assertThat(alicesTablet.canSubscribe("clients/tablet/in")).isTrue();

        // Same rules, different flags: not shared.
        List<AclRule> rules = List.of(new AclRule("a/#", 3));
        Permissions plain = Permissions.resolve(false, rules, "u", "c", false);
        assertThat(Permissions.resolve(true, rules, "u", "c", false).sharesRulesWith(plain)).isFalse();
        assertThat(Permissions.resolve(false, rules, "u", "c", true).sharesRulesWith(plain)).isFalse();
        assertThat(Permissions.resolve(false, rules, "u", "c", true).canPublish("b")).isTrue();
        assertThat(plain.canPublish("b")).isFalse();
    }

    @Test
    void accessIsKeptAndOrderDecidesNothing() {
        Permissions p = of(List.of(new AclRule("b/#", AclRule.PUBLISH), new AclRule("a/#", AclRule.SUBSCRIBE)), "u", "c");
        assertThat(p.rules()).containsExactly(new AclRule("a/#", AclRule.SUBSCRIBE), new AclRule("b/#", AclRule.PUBLISH));
        Permissions reversed = of(List.of(new AclRule("a/#", AclRule.SUBSCRIBE), new AclRule("b/#", AclRule.PUBLISH)), "u", "c");
        assertThat(reversed.sharesRulesWith(p)).as("every rule allows: another order is the same list").isTrue();
        assertThat(reversed.canPublish("b/x")).isTrue();
        assertThat(reversed.canPublish("a/x")).isFalse();
        assertThat(reversed.canSubscribe("a/x")).isTrue();

        // The seed's users: their rules come from a Redis hash, each in its own order.
        Permissions u1 = of(List.of(new AclRule("topic/device_user1/t_1", 3), new AclRule("topic/device_user1/t_2", 3)),
                "user1", "c");
        Permissions u2 = of(List.of(new AclRule("topic/device_user2/t_2", 3), new AclRule("topic/device_user2/t_1", 3)),
                "user2", "c");
        assertThat(u2.sharesRulesWith(u1)).isTrue();
        assertThat(u2.rules()).containsExactly(new AclRule("topic/device_user2/t_1", 3), new AclRule("topic/device_user2/t_2", 3));
    }

    @Test
    void aRuleWithANullCharacterIsDroppedSinceNoTopicCanMatchIt() {
        Permissions p = of(List.of(new AclRule("a\u0000b", 3), new AclRule("c", 3)), "u", "c");
        assertThat(p.rules()).containsExactly(new AclRule("c", 3));
        assertThat(p.canPublish("c")).isTrue();
    }

    @Test
    void permissionsNobodyHoldsAreForgotten() throws Exception {
        int before = Permissions.internedCount();
        for (int i = 0; i < 1_000; i++) {
            of(List.of(new AclRule("gone/" + i + "/#", 3)), "u" + i, "c");
        }
        for (int attempt = 0; attempt < 50 && Permissions.internedCount() > before + 100; attempt++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(Permissions.internedCount()).isLessThan(before + 100);
    }

    @Test
    void concurrentResolutionsOfTheSameRulesAgreeOnOneList() throws Exception {
        List<AclRule> rules = List.of(new AclRule("race/%u/#", 3));
        Permissions[] got = new Permissions[8];
        Thread[] threads = new Thread[got.length];
        for (int i = 0; i < threads.length; i++) {
            int k = i;
            threads[i] = new Thread(() -> got[k] = of(rules, "racer", "c" + k));
            threads[i].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        for (Permissions p : got) {
            assertThat(p.sharesRulesWith(got[0])).isTrue();
        }
    }
}
