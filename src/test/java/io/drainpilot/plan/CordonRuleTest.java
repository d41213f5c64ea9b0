package io.drainpilot.plan;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class CordonRuleTest {

    @ParameterizedTest(name = "enabled={0} annotation={1} goesOn={2} starts={3} cordoned={4} ours={5} -> {6}")
    @CsvSource({
            // a drain the annotation asks for starts: cordon a schedulable node
            "true,  true,  true,  true,  false, false, CORDON",
            // switched off: never cordon
            "false, true,  true,  true,  false, false, NONE",
            // cordoned before the drain (a person, Rancher): not ours, left alone now and at the end
            "true,  true,  true,  true,  true,  false, NONE",
            "true,  false, false, false, true,  false, NONE",
            // another signal drains the node (Harvester maintenance, the taint): not ours to cordon
            "true,  false, true,  true,  false, false, NONE",
            // ours, still draining: keep it
            "true,  true,  true,  false, true,  true,  NONE",
            // ours, a person uncordoned it during the drain: not cordoned again
            "true,  true,  true,  false, false, true,  NONE",
            // someone else's cordon, lifted by a person during the drain: not cordoned either
            "true,  true,  true,  false, false, false, NONE",
            // the drain ended (annotation removed, cancelled): uncordon what we cordoned
            "true,  false, false, false, true,  true,  UNCORDON",
            "true,  true,  false, false, true,  true,  UNCORDON",
            // switched off meanwhile: what we cordoned is still ours to undo
            "false, false, false, false, true,  true,  UNCORDON",
            // ended, already schedulable again: only the mark goes
            "true,  false, false, false, false, true,  CLEAR_MARK",
            // no drain, nothing of ours
            "true,  false, false, false, false, false, NONE",
    })
    void decides(boolean enabled, boolean annotation, boolean goesOn, boolean starts, boolean cordoned, boolean ours,
            CordonRule.Action expected) {
        assertThat(CordonRule.decide(new CordonRule.Facts(enabled, annotation, goesOn, starts, cordoned, ours)))
                .isEqualTo(expected);
    }
}
