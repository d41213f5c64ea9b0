package io.drainpilot.sim;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Label and field selector strings, parsed and matched as the API server does. */
class SelectorParsingTest {

    @Test
    void labelSelectorsParseAndMatchLikeTheApiServer() {
        Map<String, String> gold = Map.of("tier", "gold", "n", "5", "empty", "");
        assertThat(LabelSelection.parse("tier in (gold, silver)").matches(gold)).isTrue();
        assertThat(LabelSelection.parse("tier in (silver)").matches(gold)).isFalse();
        assertThat(LabelSelection.parse("tier notin (silver)").matches(gold)).isTrue();
        assertThat(LabelSelection.parse("zone notin (a)").matches(gold)).isTrue();
        assertThat(LabelSelection.parse("zone in (a)").matches(gold)).isFalse();
        assertThat(LabelSelection.parse("!zone,tier").matches(gold)).isTrue();
        assertThat(LabelSelection.parse("tier==gold,zone!=a").matches(gold)).isTrue();
        assertThat(LabelSelection.parse("empty=").matches(gold)).isTrue();
        assertThat(LabelSelection.parse("n>4,n<6").matches(gold)).isTrue();
        assertThat(LabelSelection.parse("tier>4").matches(gold)).isFalse();
        assertThat(LabelSelection.parse("example.com/role in (a,b)").requirements()).singleElement()
                .satisfies(r -> {
                    assertThat(r.key()).isEqualTo("example.com/role");
                    assertThat(r.operator()).isEqualTo(LabelSelection.Operator.IN);
                    assertThat(r.values()).containsExactlyInAnyOrder("a", "b");
                });
        for (String bad : List.of("tier in ()", "tier in (a", "tier in a", "tier gold", "=gold", "tier=a b", "n>x",
                "-bad=x", "tier=a,")) {
            assertThatThrownBy(() -> LabelSelection.parse(bad)).as(bad).isInstanceOf(BadRequest.class);
        }
    }

    @Test
    void fieldSelectorsParseLikeTheApiServer() {
        FieldSelection plan = FieldSelection.parse("type=rke.cattle.io/machine-plan,metadata.name!=x");
        assertThat(plan.terms()).extracting(FieldSelection.Term::label).containsExactly("type", "metadata.name");
        assertThat(plan.matches(Map.of("type", "rke.cattle.io/machine-plan", "metadata.name", "y")::get)).isTrue();
        assertThat(plan.matches(Map.of("type", "rke.cattle.io/machine-plan", "metadata.name", "x")::get)).isFalse();
        assertThat(FieldSelection.parse("reason==A\\,B").terms()).singleElement()
                .satisfies(t -> assertThat(t.value()).isEqualTo("A,B"));
        assertThatThrownBy(() -> FieldSelection.parse("type")).isInstanceOf(BadRequest.class)
                .hasMessage("invalid selector: 'type'; can't understand 'type'");
    }
}
