package org.icm4j.examples;

import java.nio.file.Path;
import java.util.List;
import org.icm4j.Icm;
import org.icm4j.djl.DjlScorer;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The picocli options that several example commands share, as mixins: each is declared, described
 * and checked once, and a command takes it with {@code @Mixin}.
 *
 * <table>
 *   <caption>Which command takes which mixin</caption>
 *   <tr><th>mixin</th><th>options</th><th>commands</th></tr>
 *   <tr><td>{@link IcmRun}</td><td>{@code --alpha} and the search ({@link SearchChoice})</td>
 *       <td>icm-demo, icm-table, icm-fine-tune, icm-reward, gsm8k-cost</td></tr>
 *   <tr><td>{@link Seeds}</td><td>{@code --seeds}</td><td>icm-table, icm-fine-tune, icm-reward</td></tr>
 *   <tr><td>{@link WorldClaims}</td><td>{@code --train-claims}, {@code --test-claims}</td>
 *       <td>icm-demo, icm-table</td></tr>
 *   <tr><td>{@link IcmBatch}</td><td>{@code --icm-batch}</td>
 *       <td>icm-fine-tune, icm-reward, gsm8k-cost</td></tr>
 *   <tr><td>{@link BlockModel}</td><td>{@code --block-model}</td>
 *       <td>icm-demo, icm-table, icm-fine-tune, icm-reward, icm-export-gguf</td></tr>
 *   <tr><td>{@link LeaveOneOut}</td><td>{@code --leave-one-out}</td><td>icm-demo, gsm8k-cost</td></tr>
 *   <tr><td>{@link Parallel}</td><td>{@code --parallel}</td><td>icm-table, icm-fine-tune, icm-reward</td></tr>
 *   <tr><td>{@link HumanArms}</td><td>{@code --human-arms}, {@code --trusted}</td>
 *       <td>icm-table, icm-fine-tune, icm-reward</td></tr>
 *   <tr><td>{@link ReportDir}</td><td>{@code --out DIR}</td><td>icm-fine-tune, icm-reward</td></tr>
 * </table>
 *
 * <p><b>{@code --batch-size} is now two options.</b> It used to mean the training claims of the
 * world commands (icm-demo, icm-table: all of them one ICM batch), ICM's batch over a larger pool
 * (icm-fine-tune, icm-reward: default 32) and the largest ICM batch (gsm8k-cost: default one batch
 * of all claims). The first is now {@code --train-claims}, the other two {@code --icm-batch} (the
 * default of each command stays). {@code --batch-size} still works as a hidden old name of either;
 * giving both names is an error.
 *
 * <p>The commands that are not listed declare their own options, because theirs mean something
 * else: {@code --seed} (icm-demo's default 1, gsm8k-cost's and train's 42, and train's seeds the
 * corpus and the weights) and {@code --out} (a file in icm-table, gsm8k-cost and icm-export-gguf, a
 * checkpoint directory in train, a directory with a default in icm-demo).
 *
 * <p>Each mixin is not thread-safe: picocli fills it in, once per parsed command line.
 */
final class SharedOptions {
  private SharedOptions() {}

  /** The old name of {@code --train-claims} and {@code --icm-batch}, still accepted. */
  static final String OLD_BATCH_NAME = "--batch-size";

  /** ICM's own options: {@code --alpha} and the search ({@link SearchChoice}). */
  static final class IcmRun {
    /** {@code --alpha}'s default: the library's ({@link Icm#DEFAULT_ALPHA}). */
    static final String DEFAULT_ALPHA = "" + Icm.DEFAULT_ALPHA;

    @Option(names = "--alpha", defaultValue = DEFAULT_ALPHA, paramLabel = "ALPHA",
        description = "Weight of mutual predictability in U = alpha * P - I (default ${DEFAULT-VALUE},"
            + " the library's).")
    double alpha = Icm.DEFAULT_ALPHA;

    @Mixin SearchChoice search = new SearchChoice();

    /**
     * {@code --alpha}.
     *
     * @throws IllegalArgumentException when it is not a finite number above 0
     */
    double alpha() {
      if (!(alpha > 0) || !Double.isFinite(alpha)) {
        throw new IllegalArgumentException("--alpha must be > 0 and finite, but was " + alpha);
      }
      return alpha;
    }
  }

  /** {@code --seeds}: the seeds of a command that repeats its experiment, one run per seed. */
  static final class Seeds {
    @Option(names = "--seeds", split = ",", defaultValue = "1,2,3", paramLabel = "SEED",
        description = "Seeds, one run each: the claim draw, ICM and any training take the run's seed"
            + " (default ${DEFAULT-VALUE}).")
    List<Long> seeds = List.of();
  }

  /**
   * The claims of a world command's run: {@code --train-claims} (ICM labels them, all in one
   * batch) and {@code --test-claims}. {@code --batch-size} is the old name of {@code
   * --train-claims}.
   */
  static final class WorldClaims {
    /** Training claims by default. */
    static final int DEFAULT_TRAIN = 32;

    /** Held-out claims by default. */
    static final int DEFAULT_TEST = 64;

    @Option(names = "--train-claims", paramLabel = "N",
        description = "Training claims ICM labels, all in one batch, so each leave-one-out context"
            + " holds them all; an even number >= 4 (default " + DEFAULT_TRAIN + "; the old name"
            + " --batch-size still works).")
    @Nullable Integer trainClaims;

    @Option(names = OLD_BATCH_NAME, paramLabel = "N", hidden = true,
        description = "The old name of --train-claims.")
    @Nullable Integer oldName;

    @Option(names = "--test-claims", defaultValue = "" + DEFAULT_TEST, paramLabel = "N",
        description = "Held-out claims for the accuracies; an even number >= 2 (default ${DEFAULT-VALUE}).")
    int testClaims = DEFAULT_TEST;

    /**
     * The training claims.
     *
     * @throws IllegalArgumentException when both {@code --train-claims} and its old name are given
     */
    int trainClaims() {
      return either(trainClaims, oldName, "--train-claims", DEFAULT_TRAIN);
    }
  }

  /**
   * {@code --icm-batch}: ICM's batch size ({@link Icm.Builder#batchSize}) in claims; each
   * leave-one-out context holds a whole batch. {@code --batch-size} is its old name. Each command
   * keeps its own default (icm-fine-tune and icm-reward 32, gsm8k-cost one batch of all claims).
   */
  static final class IcmBatch {
    /** icm-fine-tune's and icm-reward's batch. */
    static final int DEFAULT_POOL_BATCH = 32;

    @Option(names = "--icm-batch", paramLabel = "N",
        description = "Claims per ICM batch: the claims are labelled batch by batch, and each"
            + " leave-one-out context holds a whole batch (default " + DEFAULT_POOL_BATCH + " in"
            + " icm-fine-tune and icm-reward, one batch of all claims in gsm8k-cost; the old name"
            + " --batch-size still works).")
    @Nullable Integer icmBatch;

    @Option(names = OLD_BATCH_NAME, paramLabel = "N", hidden = true,
        description = "The old name of --icm-batch.")
    @Nullable Integer oldName;

    /**
     * The batch, or {@code fallback} when neither name was given.
     *
     * @throws IllegalArgumentException when both {@code --icm-batch} and its old name are given
     */
    int size(int fallback) {
      return either(icmBatch, oldName, "--icm-batch", fallback);
    }

    /**
     * The batch, or null when neither name was given.
     *
     * @throws IllegalArgumentException when both {@code --icm-batch} and its old name are given
     */
    @Nullable Integer sizeOrNull() {
      return oldName == null ? icmBatch : Integer.valueOf(size(0));
    }

    /** The name the user gave ({@code --icm-batch} unless only the old one), for messages. */
    String name() {
      return oldName != null && icmBatch == null ? OLD_BATCH_NAME : "--icm-batch";
    }
  }

  /** {@code --block-model}: a {@code BlockLm} saved by {@link TrainCommand} instead of the embedded model. */
  static final class BlockModel {
    @Option(names = "--block-model", paramLabel = "DIR",
        description = "A BlockLm saved by TrainCommand (config.json, gpt.params) instead of the"
            + " embedded model (in icm-reward: the truth track's model).")
    @Nullable Path dir;
  }

  /** {@code --leave-one-out}: {@link DjlScorer}'s leave-one-out mode. */
  static final class LeaveOneOut {
    @Option(names = "--leave-one-out", paramLabel = "MODE", defaultValue = "DIVIDE_AND_CONQUER",
        description = "DjlScorer leave-one-out mode: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    DjlScorer.LeaveOneOut mode = DjlScorer.LeaveOneOut.DIVIDE_AND_CONQUER;
  }

  /** {@code --parallel}: runs at once, each with its own copy of its model. */
  static final class Parallel {
    @Option(names = "--parallel", defaultValue = "1", paramLabel = "N",
        description = "Runs at once, each with its own copy of its model (default ${DEFAULT-VALUE});"
            + " results do not depend on it.")
    int parallel = 1;

    /**
     * The number of runs at once.
     *
     * @throws IllegalArgumentException when it is below 1
     */
    int threads() {
      if (parallel < 1) {
        throw new IllegalArgumentException("--parallel must be >= 1, but was " + parallel);
      }
      return parallel;
    }
  }

  /**
   * {@code --human-arms} and {@code --trusted}: the human-supervision arms (simulated annotators,
   * ICM with k trusted labels, the k labels alone) and their k.
   */
  static final class HumanArms {
    @Option(names = "--human-arms",
        description = "Also run the human-supervision arms (simulated annotators' labels, ICM's"
            + " labels with k trusted labels, the k labels alone) and print their table after the others.")
    boolean on;

    @Option(names = "--trusted", defaultValue = "" + TrustedLabelChoice.DEFAULT_K, paramLabel = "K",
        description = "Trusted labels k of the human-supervision arms (default ${DEFAULT-VALUE}).")
    int trusted = TrustedLabelChoice.DEFAULT_K;

    /**
     * Checks {@code --trusted} when the arms run: at least 1 and fewer than {@code claims}.
     *
     * @param claims the claims the trusted labels are drawn from, or {@link Integer#MAX_VALUE} for no
     *     upper bound
     * @param ofWhat what the claims are, for the message ("the batch")
     * @throws IllegalArgumentException when {@code --trusted} is out of range
     */
    void check(int claims, String ofWhat) {
      if (!on) {
        return;
      }
      if (claims == Integer.MAX_VALUE && trusted < 1) {
        throw new IllegalArgumentException("--trusted must be >= 1, but was " + trusted);
      }
      if (trusted < 1 || trusted >= claims) {
        throw new IllegalArgumentException(
            "--trusted must be in [1, " + (claims - 1) + "] (fewer than " + ofWhat + "), but was " + trusted);
      }
    }
  }

  /** {@code --out DIR}: where a report command writes its table, CSV files and plots. */
  static final class ReportDir {
    @Option(names = "--out", paramLabel = "DIR",
        description = "Write table.md, the CSV of the curves and the plots there (the command's"
            + " description names them); default: print the table only.")
    @Nullable Path dir;
  }

  /** One of an option and its old name, or {@code fallback}; both given is an error. */
  private static int either(
      @Nullable Integer value, @Nullable Integer old, String name, int fallback) {
    if (value != null && old != null) {
      throw new IllegalArgumentException(
          "give " + name + " or its old name " + OLD_BATCH_NAME + ", not both (they were " + value
              + " and " + old + ")");
    }
    return value != null ? value : old != null ? old : fallback;
  }
}
