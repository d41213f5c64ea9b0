package io.drainpilot.plan;

import io.drainpilot.work.TransferRates;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;

/**
 * How long a node's evacuation still takes, from the memory left to move and the rate this cluster has shown. The
 * finished migrations measured are those of the VM's source->target pair when that pair has finished any, else the
 * cluster's; with no finished migration at all there is no estimate. From their phase timestamps, each VM's migration
 * takes the mean setup (creation to Running: the target pod scheduled and prepared) plus its memory over the transfer
 * rate (memory moved over Running to Succeeded); when a setup time is not known, its memory over the whole rate
 * (memory moved over creation to Succeeded). A migration under way has done its elapsed time of that. The migrations run in
 * {@code lanes} parallel slots (the caps KubeVirt and DrainPilot allow out of the node): the ones under way hold their
 * slots, and each VM still queued takes the slot that frees first, in the order given. Pure.
 *
 * <p>The rate is a whole migration's, creation to Succeeded (target pod scheduling included), measured under the
 * parallelism it ran with, so sharing of the migration network is in it. Not modelled: a migration that fails and is
 * retried, dirty-page rates that differ between VMs, and other drains taking slots of the cluster-wide cap later.
 */
public final class EtaEstimate {

    /**
     * One VM still to move.
     *
     * @param bytes   its memory
     * @param target  where its migration goes, when known (under way, or steered); else null
     * @param elapsed how long its migration has run (since creation); null when not started yet
     */
    public record Move(String vmKey, long bytes, String target, Duration elapsed) {
        public static Move queued(String vmKey, long bytes, String target) {
            return new Move(vmKey, bytes, target, null);
        }

        public static Move inFlight(String vmKey, long bytes, String target, Duration elapsed) {
            return new Move(vmKey, bytes, target, elapsed == null ? Duration.ZERO : elapsed);
        }

        public boolean started() {
            return elapsed != null;
        }
    }

    /** Which rates the estimate used: only pair-specific ones, only the cluster's, or both. */
    public enum Basis {
        NONE("none"), PAIR("pair"), CLUSTER("cluster"), MIXED("mixed");

        private final String wire;

        Basis(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }
    }

    /** The time left, whole seconds rounded up, and the rates it rests on. */
    public record Estimate(long seconds, Basis basis) {
    }

    private EtaEstimate() {
    }

    /**
     * @param source the draining node
     * @param moves  the VMs still to move: under way first or not, queued ones in the order they will start
     * @param lanes  migrations out of the node at once (at least 1); more under way than that all count as running
     * @return empty when some VM's memory is unknown, or when no migration has finished yet to measure a rate
     */
    public static Optional<Estimate> estimate(String source, List<Move> moves, TransferRates.History history, int lanes) {
        if (moves.isEmpty()) {
            return Optional.of(new Estimate(0, Basis.NONE));
        }
        Model clusterModel = Model.of(history.cluster());
        boolean pair = false;
        boolean cluster = false;
        double[] secondsLeft = new double[moves.size()];
        for (int i = 0; i < moves.size(); i++) {
            Move m = moves.get(i);
            if (m.bytes() <= 0) {
                return Optional.empty();
            }
            Model model = Model.of(history.pair(source, m.target()));
            if (model != null) {
                pair = true;
            } else if (clusterModel != null) {
                model = clusterModel;
                cluster = true;
            } else {
                return Optional.empty();
            }
            double whole = model.seconds(m.bytes());
            secondsLeft[i] = m.started() ? Math.max(0, whole - m.elapsed().toMillis() / 1000.0) : whole;
        }
        long running = moves.stream().filter(Move::started).count();
        int slots = (int) Math.max(Math.max(1, lanes), running);
        // each slot is free at the time its migration ends; the under-way ones hold theirs first
        PriorityQueue<Double> freeAt = new PriorityQueue<>();
        for (int i = 0; i < moves.size(); i++) {
            if (moves.get(i).started()) {
                freeAt.add(secondsLeft[i]);
            }
        }
        while (freeAt.size() < slots) {
            freeAt.add(0.0);
        }
        double end = 0;
        for (int i = 0; i < moves.size(); i++) {
            if (!moves.get(i).started()) {
                double done = freeAt.poll() + secondsLeft[i];
                freeAt.add(done);
            }
        }
        for (double t : freeAt) {
            end = Math.max(end, t);
        }
        Basis basis = pair && cluster ? Basis.MIXED : pair ? Basis.PAIR : Basis.CLUSTER;
        return Optional.of(new Estimate((long) Math.ceil(end), basis));
    }

    /** A migration's time: a fixed setup plus its memory at a rate (bytes per second). */
    record Model(double setupSeconds, double bytesPerSecond) {
        double seconds(long bytes) {
            return setupSeconds + bytes / bytesPerSecond;
        }

        /**
         * From the samples: when each has its setup time and they leave transfer time, the mean setup and all their
         * memory over all their transfer time; else no setup and all their memory over all their time. Null when
         * there are no samples.
         */
        static Model of(List<TransferRates.Sample> samples) {
            long bytes = 0;
            double seconds = 0;
            double setup = 0;
            boolean split = !samples.isEmpty();
            for (TransferRates.Sample s : samples) {
                bytes += s.bytes();
                seconds += s.seconds();
                split &= s.setupSeconds() >= 0;
                setup += Math.max(0, s.setupSeconds());
            }
            if (seconds <= 0) {
                return null;
            }
            if (split && seconds - setup > 0) {
                return new Model(setup / samples.size(), bytes / (seconds - setup));
            }
            return new Model(0, bytes / seconds);
        }
    }
}
