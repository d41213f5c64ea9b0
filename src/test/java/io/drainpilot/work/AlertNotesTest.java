package io.drainpilot.work;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The alerts kept on a draining node for its report: per VM, bounded, a repeat noted once. */
class AlertNotesTest {
    private static Alert alert(String vm, String reason, String action, String detail, int attempts, String at) {
        return new Alert(Alert.WARNING, "node-1", vm == null ? null : "default", vm, reason, detail, attempts, action, at);
    }

    @Test
    void notesPerVmAndForTheNodeAndARepeatChangesNothing() {
        String json = AlertNotes.with(null, alert("a", "MigrationFailed", "retry", "boom", 1, "t1"));
        json = AlertNotes.with(json, alert(null, "UpgradeHeld", "hold", null, 0, "t2"));
        assertThat(AlertNotes.with(json, alert("a", "MigrationFailed", "retry", "boom", 1, "t1"))).isNull();
        var notes = AlertNotes.parse(json);
        assertThat(notes.get("default/a")).containsExactly(new AlertNotes.Note("t1", "warning", "MigrationFailed",
                "retry", "boom", 1, 0));
        assertThat(notes.get(AlertNotes.NODE)).extracting(AlertNotes.Note::reason).containsExactly("UpgradeHeld");
    }

    @Test
    void keepsTheFirstOnesAndTheLatestCountingWhatWasLeftOutAndCutsLongDetails() {
        String json = null;
        for (int i = 1; i <= AlertNotes.PER_VM + 3; i++) {
            String action = i == AlertNotes.PER_VM + 3 ? "block" : "retry";
            json = AlertNotes.with(json, alert("a", "MigrationFailed", action, "x".repeat(500), i, "t" + i));
        }
        List<AlertNotes.Note> kept = AlertNotes.parse(json).get("default/a");
        assertThat(kept).hasSize(AlertNotes.PER_VM);
        AlertNotes.Note last = kept.get(kept.size() - 1);
        assertThat(last.action()).isEqualTo("block");
        assertThat(last.attempts()).isEqualTo(AlertNotes.PER_VM + 3);
        assertThat(last.omitted()).isEqualTo(3);
        assertThat(kept.get(0).detail()).hasSize(AlertNotes.DETAIL).endsWith("...");
    }

    @Test
    void noNewVmOnceTheLimitIsReached() {
        String json = null;
        for (int i = 0; i < AlertNotes.VMS; i++) {
            json = AlertNotes.with(json, alert("vm-" + i, "Gone", "none", null, 0, "t"));
        }
        assertThat(AlertNotes.with(json, alert("one-more", "Gone", "none", null, 0, "t"))).isNull();
        assertThat(AlertNotes.with(json, alert("vm-0", "MigrationFailed", "retry", null, 1, "t2"))).isNotNull();
        assertThat(AlertNotes.parse("not json")).isEmpty();
    }
}
