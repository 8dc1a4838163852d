package org.icm4j.examples;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.ToDoubleFunction;
import org.icm4j.Icm;
import org.icm4j.djl.DjlScorer;
import org.icm4j.examples.WorldExperiment.Outcome;
import org.icm4j.examples.WorldExperiment.Settings;
import org.icm4j.examples.WorldExperiment.Task;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The table of {@code docs/results.md}: {@link WorldExperiment} on every task for several seeds,
 * each column as mean ± sample standard deviation over the seeds, with the per-seed rows below.
 *
 * <pre>{@code
 * mvn -B -q install -DskipTests
 * mvn -B -q -pl icm-examples exec:java -Dexec.mainClass=org.icm4j.examples.TableCommand
 * }</pre>
 *
 * <p>Exit codes: 0 done, 1 a run failed, 2 bad options. Not thread-safe.
 */
@Command(
    name = "icm-table",
    mixinStandardHelpOptions = true,
    version = "icm4j icm-table 0.1.0-SNAPSHOT",
    sortOptions = false,
    description = {
      "Runs the world experiment on every task for several seeds and prints the table (mean"
          + " +- sd over seeds) as Markdown."
    })
public final class TableCommand implements Callable<Integer> {

  @Spec @Nullable CommandSpec spec;

  @Option(names = "--tasks", split = ",", defaultValue = "truth,comparison,control",
      description = "Tasks (default ${DEFAULT-VALUE}).")
  List<String> tasks = List.of();

  @Option(names = "--seeds", split = ",", defaultValue = "1,2,3",
      description = "Seeds (default ${DEFAULT-VALUE}).")
  List<Long> seeds = List.of();

  @Option(names = "--alpha", defaultValue = "50", description = "Default ${DEFAULT-VALUE}.")
  double alpha;

  @Mixin SearchChoice search = new SearchChoice();

  @Option(names = "--batch-size", defaultValue = "" + DemoCommand.DEFAULT_BATCH,
      description = "Training claims (default ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--test-claims", defaultValue = "" + DemoCommand.DEFAULT_TEST,
      description = "Default ${DEFAULT-VALUE}.")
  int testClaims;

  @Option(names = "--block-model", paramLabel = "DIR",
      description = "A BlockLm saved by TrainCommand instead of the embedded model.")
  @Nullable Path blockModel;

  @Option(names = "--parallel", defaultValue = "1", paramLabel = "N",
      description = "Runs at once, each with its own copy of the model (default ${DEFAULT-VALUE});"
          + " results do not depend on it.")
  int parallel;

  @Option(names = "--human-arms",
      description = "Also run the human-supervision arms (simulated annotators, ICM + k trusted labels,"
          + " the k labels alone) and print their table after the first.")
  boolean humanArms;

  @Option(names = "--trusted", defaultValue = "" + TrustedLabelChoice.DEFAULT_K, paramLabel = "K",
      description = "Trusted labels of the human-supervision arms (default ${DEFAULT-VALUE}).")
  int trusted;

  @Option(names = "--out", paramLabel = "FILE", description = "Also write the table to FILE.")
  @Nullable Path out;

  /** A command with no options set; picocli fills them in. */
  public TableCommand() {}

  /** Runs the command and exits with its code. */
  public static void main(String[] args) {
    Commands.defaultToOffline();
    System.exit(Commands.execute(new TableCommand(), new PrintWriter(System.out, true),
        new PrintWriter(System.err, true), args));
  }

  @Override
  public Integer call() {
    CommandSpec s = requireNonNull(spec, "spec");
    PrintWriter stdout = s.commandLine().getOut();
    PrintWriter err = s.commandLine().getErr();
    List<Settings> runs = new ArrayList<>();
    try {
      for (String t : tasks) {
        Task task = DemoCommand.parseTask(t);
        for (long seed : seeds) {
          runs.add(new Settings(task, seed, alpha, search.choice(), batchSize, testClaims, Icm.DEFAULT_SCORE_MEMO));
        }
      }
      if (runs.isEmpty()) {
        throw new IllegalArgumentException("give at least one task and one seed");
      }
    } catch (IllegalArgumentException e) {
      err.println("icm-table: " + e.getMessage());
      return DemoCommand.EXIT_USAGE;
    }
    if (parallel < 1) {
      err.println("icm-table: --parallel must be >= 1, but was " + parallel);
      return DemoCommand.EXIT_USAGE;
    }
    if (humanArms && (trusted < 1 || trusted >= batchSize)) {
      err.println("icm-table: --trusted must be in [1, " + (batchSize - 1) + "] (fewer than the batch), but was " + trusted);
      return DemoCommand.EXIT_USAGE;
    }
    SyntheticWorld world = SyntheticWorld.defaultWorld(WorldExperiment.WORLD_SEED);
    List<Outcome> outcomes = new ArrayList<>();
    java.util.Map<Outcome, WorldExperiment.HumanArms> human = new java.util.IdentityHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(parallel);
    try {
      List<Future<Row>> futures = new ArrayList<>();
      for (Settings r : runs) {
        futures.add(pool.submit(() -> runOne(world, r, stdout)));
      }
      for (Future<Row> f : futures) {
        Row row = f.get();
        outcomes.add(row.outcome());
        if (row.human() != null) {
          human.put(row.outcome(), row.human());
        }
      }
    } catch (ExecutionException e) {
      err.println("icm-table: " + e.getCause().getMessage());
      return DemoCommand.EXIT_RUN_FAILED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("icm-table: interrupted");
      return DemoCommand.EXIT_RUN_FAILED;
    } finally {
      pool.shutdownNow();
    }
    String table = table(outcomes, seeds.size());
    if (humanArms) {
      List<WorldExperiment.HumanArms> arms = new ArrayList<>();
      for (Outcome o : outcomes) {
        arms.add(human.get(o));
      }
      table += "\n" + humanTable(outcomes, arms);
    }
    stdout.print(table);
    if (out != null) {
      try {
        Files.writeString(out, table);
      } catch (IOException e) {
        err.println("icm-table: cannot write " + out + ": " + e.getMessage());
        return DemoCommand.EXIT_RUN_FAILED;
      }
    }
    return 0;
  }

  /** A run and, when asked for, its human-supervision arms. */
  private record Row(Outcome outcome, WorldExperiment.@Nullable HumanArms human) {}

  /** One run with its own copy of the model, so that runs on several threads share nothing. */
  private Row runOne(SyntheticWorld world, Settings r, PrintWriter stdout) throws IOException {
    try (DemoCommand.Model model = DemoCommand.Model.open(null, blockModel, world);
        DjlScorer scorer = model.scorer()) {
      Outcome o = WorldExperiment.run(world, scorer, r, (done, run, rec, agreement) -> {});
      synchronized (stdout) {
        stdout.printf(Locale.ROOT, "%s seed %d done in %s (%s): ICM many-shot %.3f, agreement %.3f,"
                + " gold many-shot %.3f%n",
            r.task().lowerName(), r.seed(), Commands.format(o.elapsed()), model.name(),
            o.icm().manyShot(), o.icm().agreement(), o.goldManyShot());
        stdout.flush();
      }
      WorldExperiment.HumanArms h = null;
      if (humanArms) {
        h = WorldExperiment.humanArms(world, scorer, r, o, trusted);
        synchronized (stdout) {
          stdout.printf(Locale.ROOT, "%s seed %d human arms done in %s: %s; many-shot annotators %.3f,"
                  + " ICM + %d trusted %.3f (agreement %.3f), %d labels alone %.3f%n",
              r.task().lowerName(), r.seed(), Commands.format(h.elapsed()), h.annotators().summary(),
              h.annotatorManyShot(), trusted, h.trustedManyShot(), h.trustedAgreement(), trusted, h.kAloneManyShot());
          stdout.flush();
        }
      }
      return new Row(o, h);
    }
  }

  private static final List<String> HUMAN_COLUMNS =
      List.of(
          "many-shot, gold labels",
          "annotators' accuracy (train)",
          "many-shot, annotators' labels",
          "many-shot, ICM labels",
          "many-shot, ICM + k trusted",
          "agreement, ICM + k trusted (not trusted claims)",
          "many-shot, k trusted labels alone");

  /** The human-supervision arms: mean ± sd per task, then one row per run; accuracies in percent. */
  static String humanTable(List<Outcome> outcomes, List<WorldExperiment.HumanArms> arms) {
    List<ToDoubleFunction<Integer>> values =
        List.of(
            i -> outcomes.get(i).goldManyShot(),
            i -> arms.get(i).annotators().accuracy(),
            i -> arms.get(i).annotatorManyShot(),
            i -> outcomes.get(i).icm().manyShot(),
            i -> arms.get(i).trustedManyShot(),
            i -> arms.get(i).trustedAgreement(),
            i -> arms.get(i).kAloneManyShot());
    StringBuilder sb = new StringBuilder();
    sb.append("| task | ").append(String.join(" | ", HUMAN_COLUMNS)).append(" |\n|---");
    sb.append("|---".repeat(HUMAN_COLUMNS.size())).append("|\n");
    List<Task> order = new ArrayList<>();
    for (Outcome o : outcomes) {
      if (!order.contains(o.settings().task())) {
        order.add(o.settings().task());
      }
    }
    for (Task t : order) {
      List<Integer> mine = new ArrayList<>();
      for (int i = 0; i < outcomes.size(); i++) {
        if (outcomes.get(i).settings().task() == t) {
          mine.add(i);
        }
      }
      sb.append("| ").append(t.lowerName()).append(" (").append(mine.size()).append(" seeds)");
      for (ToDoubleFunction<Integer> f : values) {
        double[] v = mine.stream().mapToDouble(f::applyAsDouble).toArray();
        sb.append(String.format(Locale.ROOT, " | %.1f ± %.1f", 100 * mean(v), 100 * sd(v)));
      }
      sb.append(" |\n");
    }
    sb.append("\nPer run:\n\n| task | seed | ").append(String.join(" | ", HUMAN_COLUMNS))
        .append(" | trusted from suggestions | ICM suggestions | annotators' mistakes (slip, surface cue, yes)"
            + " | questions against the rule | ICM + k U | time |\n|---|---");
    sb.append("|---".repeat(HUMAN_COLUMNS.size() + 6)).append("|\n");
    for (int i = 0; i < outcomes.size(); i++) {
      Outcome o = outcomes.get(i);
      WorldExperiment.HumanArms h = arms.get(i);
      sb.append("| ").append(o.settings().task().lowerName()).append(" | ").append(o.settings().seed());
      for (ToDoubleFunction<Integer> f : values) {
        sb.append(String.format(Locale.ROOT, " | %.1f", 100 * f.applyAsDouble(i)));
      }
      SimulatedAnnotators.Report r = h.annotators();
      sb.append(String.format(Locale.ROOT, " | %d of %d | %d | %d, %d, %d | %d of %d | %.1f | %s |%n",
          h.trusted().fromSuggestions(), h.trusted().labels().labelledCount(), o.icm().result().suggestions().size(),
          r.mistakes().getOrDefault(SimulatedAnnotators.Mistake.SLIP, 0),
          r.mistakes().getOrDefault(SimulatedAnnotators.Mistake.SURFACE_CUE, 0),
          r.mistakes().getOrDefault(SimulatedAnnotators.Mistake.SAYS_TRUE, 0),
          r.inconsistentQuestions(), r.questions(), h.icmTrusted().utility(), Commands.format(h.elapsed())));
    }
    return sb.toString();
  }

  private static final List<String> COLUMNS =
      List.of(
          "zero-shot",
          "many-shot, random labels",
          "many-shot, gold labels",
          "many-shot, ICM labels",
          "ICM agreement (train, labelled claims)",
          "many-shot, ICM without rules",
          "agreement, ICM without rules");

  private static final List<ToDoubleFunction<Outcome>> VALUES =
      List.of(
          Outcome::zeroShot,
          Outcome::randomManyShot,
          Outcome::goldManyShot,
          o -> o.icm().manyShot(),
          o -> o.icm().agreement(),
          o -> o.icmWithoutRules().manyShot(),
          o -> o.icmWithoutRules().agreement());

  /** Mean ± sd per task, then one row per run; accuracies in percent. */
  static String table(List<Outcome> outcomes, int seedsPerTask) {
    StringBuilder sb = new StringBuilder();
    sb.append("| task | ").append(String.join(" | ", COLUMNS)).append(" |\n|---");
    sb.append("|---".repeat(COLUMNS.size())).append("|\n");
    List<Task> order = new ArrayList<>();
    for (Outcome o : outcomes) {
      if (!order.contains(o.settings().task())) {
        order.add(o.settings().task());
      }
    }
    for (Task t : order) {
      List<Outcome> mine = outcomes.stream().filter(o -> o.settings().task() == t).toList();
      sb.append("| ").append(t.lowerName()).append(" (").append(mine.size()).append(" seeds)");
      for (ToDoubleFunction<Outcome> f : VALUES) {
        double[] v = mine.stream().mapToDouble(f).toArray();
        sb.append(String.format(Locale.ROOT, " | %.1f ± %.1f", 100 * mean(v), 100 * sd(v)));
      }
      sb.append(" |\n");
    }
    sb.append("\nPer run:\n\n| task | seed");
    sb.append(" | ").append(String.join(" | ", COLUMNS))
        .append(" | ICM labelled | ICM U | no-rules U | gold U | ICM starts at best | ICM queries per label"
            + " | ICM token-forwards per label | time |\n|---|---");
    sb.append("|---".repeat(COLUMNS.size() + 8)).append("|\n");
    for (Outcome o : outcomes) {
      sb.append("| ").append(o.settings().task().lowerName()).append(" | ").append(o.settings().seed());
      for (ToDoubleFunction<Outcome> f : VALUES) {
        sb.append(String.format(Locale.ROOT, " | %.1f", 100 * f.applyAsDouble(o)));
      }
      org.icm4j.result.IcmResult icm = o.icm().result();
      int labelled = Math.max(1, icm.labels().labelledCount());
      sb.append(String.format(Locale.ROOT, " | %d of %d | %.1f | %.1f | %.1f | %s | %.1f | %.0f | %s |%n",
          icm.labels().labelledCount(), o.trainClaims(), icm.utility(),
          o.icmWithoutRules().result().utility(), o.icm().goldEnergy().utility(),
          icm.batches().stream().map(b -> b.startsAtBest() + " of " + b.starts())
              .collect(java.util.stream.Collectors.joining(", ")),
          (double) icm.counts().scoredQueries() / labelled, (double) icm.counts().tokens() / labelled,
          Commands.format(o.elapsed())));
    }
    return sb.toString();
  }

  static double mean(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s / v.length;
  }

  /** Sample standard deviation (n - 1); 0 for a single value. */
  static double sd(double[] v) {
    if (v.length < 2) {
      return 0;
    }
    double m = mean(v);
    double s = 0;
    for (double x : v) {
      s += (x - m) * (x - m);
    }
    return Math.sqrt(s / (v.length - 1));
  }
}
