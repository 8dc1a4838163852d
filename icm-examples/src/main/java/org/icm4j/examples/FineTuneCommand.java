package org.icm4j.examples;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.PrintWriter;
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
import org.icm4j.IcmException;
import org.icm4j.djl.BlockLm;
import org.icm4j.djl.DjlScorer;
import org.icm4j.djl.train.FineTuneOptions;
import org.icm4j.eval.FineTuningEvaluation;
import org.icm4j.examples.FineTuneExperiment.Outcome;
import org.icm4j.examples.FineTuneExperiment.Settings;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The paper's Fig. 1 in miniature ({@link FineTuneExperiment}): the embedded world model
 * fine-tuned on gold, ICM and random labels of a 512-claim pool, and by iterative fine-tuning over
 * its 16 batches, each evaluated zero-shot on held-out claims, for several seeds; mean ± sd, the
 * accuracy of every round, and a plot.
 *
 * <pre>{@code
 * mvn -B -q install -DskipTests
 * mvn -B -q -pl icm-examples exec:java -Dexec.mainClass=org.icm4j.examples.FineTuneCommand \
 *   -Dexec.args="--parallel 2 --starts 8 --out fine-tune-out"
 * }</pre>
 *
 * <p>{@code --starts 8} repeats the figures of docs/results.md, measured when 8 was the default
 * search's number of starts.
 *
 * <p>Writes {@code table.md}, {@code rounds.csv} and {@code rounds.png} (held-out accuracy after
 * each round of iterative fine-tuning, with the base, gold and ICM arms as lines) to {@code --out}.
 * Exit codes: 0 done, 1 a run failed, 2 bad options. Not thread-safe.
 */
@Command(
    name = "icm-fine-tune",
    mixinStandardHelpOptions = true,
    version = "icm4j icm-fine-tune 0.1.0-SNAPSHOT",
    sortOptions = false,
    description = {
      "Fine-tunes the embedded world model on gold, ICM and random labels of a pool of truth claims"
          + " and by iterative fine-tuning, and prints held-out zero-shot accuracies (mean +- sd"
          + " over seeds) as Markdown."
    })
public final class FineTuneCommand implements Callable<Integer> {

  @Spec @Nullable CommandSpec spec;

  @Mixin SharedOptions.Seeds seeds = new SharedOptions.Seeds();

  @Option(names = "--pool-questions", defaultValue = "256",
      description = "Questions in the pool, 2 claims each (default ${DEFAULT-VALUE}: 512 claims).")
  int poolQuestions;

  @Option(names = "--held-out-pairs", defaultValue = "32",
      description = "Held-out (entity, relation) pairs, each asked against its 5 other values (default ${DEFAULT-VALUE}).")
  int heldOutPairs;

  @Mixin SharedOptions.IcmBatch icmBatch = new SharedOptions.IcmBatch();

  @Mixin SharedOptions.IcmRun icm = new SharedOptions.IcmRun();

  @Option(names = "--epochs", defaultValue = "20", description = "Fine-tuning epochs at most (default ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--lr", defaultValue = "1e-3", description = "Fine-tuning learning rate (default ${DEFAULT-VALUE}).")
  double lr;

  @Option(names = "--validation", defaultValue = "0.2", paramLabel = "SHARE",
      description = "Share of each arm's labelled groups held out for early stopping; 0 runs every epoch (default ${DEFAULT-VALUE}).")
  double validation;

  @Option(names = "--patience", defaultValue = "3", description = "Epochs without a better validation loss before stopping (default ${DEFAULT-VALUE}).")
  int patience;

  @Option(names = "--no-iterative", description = "Skip iterative fine-tuning.")
  boolean noIterative;

  @Mixin SharedOptions.HumanArms humanArms = new SharedOptions.HumanArms();

  @Mixin SharedOptions.BlockModel blockModel = new SharedOptions.BlockModel();

  @Mixin SharedOptions.Parallel parallel = new SharedOptions.Parallel();

  @Mixin SharedOptions.ReportDir out = new SharedOptions.ReportDir();

  /** A command with no options set; picocli fills them in. */
  public FineTuneCommand() {}

  /** Runs the command and exits with its code. */
  public static void main(String[] args) {
    Commands.defaultToOffline();
    System.setProperty("java.awt.headless", "true");
    System.exit(Commands.execute(new FineTuneCommand(), new PrintWriter(System.out, true),
        new PrintWriter(System.err, true), args));
  }

  /** Runs the command with the given output streams, without exiting. */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    return Commands.execute(new FineTuneCommand(), out, err, args);
  }

  @Override
  public Integer call() {
    CommandSpec s = requireNonNull(spec, "spec");
    PrintWriter stdout = s.commandLine().getOut();
    PrintWriter err = s.commandLine().getErr();
    List<Settings> runs = new ArrayList<>();
    int threads;
    try {
      FineTuneOptions options =
          FineTuneOptions.defaults().withMaxEpochs(epochs).withLearningRate(lr, lr / 10).withValidation(validation, patience);
      int batch = icmBatch.size(SharedOptions.IcmBatch.DEFAULT_POOL_BATCH);
      for (long seed : seeds.seeds) {
        runs.add(new Settings(seed, poolQuestions, heldOutPairs, batch, icm.alpha(), icm.search.choice(), options,
            !noIterative));
      }
      if (runs.isEmpty()) {
        throw new IllegalArgumentException("give at least one seed");
      }
      threads = parallel.threads();
      humanArms.check(2 * poolQuestions, "the pool's claims");
    } catch (IllegalArgumentException e) {
      err.println("icm-fine-tune: " + e.getMessage());
      err.println("Try --help for the options.");
      return DemoCommand.EXIT_USAGE;
    }
    SyntheticWorld world = SyntheticWorld.defaultWorld(WorldExperiment.WORLD_SEED);
    long start = System.nanoTime();
    List<Outcome> outcomes = new ArrayList<>();
    List<FineTuneExperiment.HumanArms> human = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      // each seed's two phases are tasks of their own, so that two workers share three seeds evenly
      List<Future<FineTuneExperiment.PoolArms>> arms = new ArrayList<>();
      java.util.Map<Integer, FineTuneExperiment.HumanArms> humanBySeed = new java.util.concurrent.ConcurrentHashMap<>();
      List<Future<FineTuneExperiment.Iterative>> loops = new ArrayList<>();
      for (Settings r : runs) {
        int index = arms.size();
        arms.add(pool.submit(() -> withModel(world, stdout, (base, scorer, progress) -> {
          FineTuneExperiment.PoolArms a = FineTuneExperiment.poolArms(world, base, scorer, r, progress);
          if (humanArms.on) {
            humanBySeed.put(index, FineTuneExperiment.humanArms(world, base, scorer, r, a, humanArms.trusted, progress));
          }
          return a;
        })));
        loops.add(r.iterative()
            ? pool.submit(() -> withModel(world, stdout, (base, scorer, progress) ->
                FineTuneExperiment.iterative(world, base, scorer, r, progress)))
            : null);
      }
      for (int i = 0; i < runs.size(); i++) {
        Future<FineTuneExperiment.Iterative> loop = loops.get(i);
        outcomes.add(new Outcome(runs.get(i), arms.get(i).get(), loop == null ? null : loop.get()));
        if (humanArms.on) {
          human.add(requireNonNull(humanBySeed.get(i), "human arms of the seed"));
        }
      }
    } catch (ExecutionException e) {
      err.println("icm-fine-tune: " + e.getCause().getMessage());
      return DemoCommand.EXIT_RUN_FAILED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("icm-fine-tune: interrupted");
      return DemoCommand.EXIT_RUN_FAILED;
    } finally {
      pool.shutdownNow();
    }
    String table = table(outcomes);
    if (humanArms.on) {
      table += "\n" + humanTable(outcomes, human);
    }
    stdout.print(table);
    stdout.printf(Locale.ROOT, "%ntotal %s%n", Commands.format(java.time.Duration.ofNanos(System.nanoTime() - start)));
    stdout.flush();
    Path dir = out.dir;
    if (dir != null) {
      try {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("table.md"), table);
        Files.write(dir.resolve("rounds.csv"), roundsCsv(outcomes));
        RoundPlot.write(dir.resolve("rounds.png"), outcomes);
      } catch (IOException | java.io.UncheckedIOException e) {
        err.println("icm-fine-tune: cannot write to " + dir + ": " + e.getMessage());
        return DemoCommand.EXIT_RUN_FAILED;
      }
    }
    return 0;
  }

  /** A phase of the experiment, run with a model of its own. */
  private interface Phase<T> {
    T run(BlockLm base, DjlScorer scorer, FineTuneExperiment.Progress progress);
  }

  /** Runs a phase with its own copy of the model, so that phases on several threads share nothing. */
  private <T> T withModel(SyntheticWorld world, PrintWriter stdout, Phase<T> phase) throws IOException {
    try (DemoCommand.Model model = DemoCommand.Model.open(null, blockModel.dir, world);
        DjlScorer scorer = model.scorer()) {
      if (!(model.lm() instanceof BlockLm base)) {
        throw new IcmException("fine-tuning needs a BlockLm, but the model is " + model.name());
      }
      return phase.run(base, scorer, line -> {
        synchronized (stdout) {
          stdout.println(line);
          stdout.flush();
        }
      });
    }
  }

  private static final List<String> COLUMNS =
      List.of(
          "zero-shot (base)",
          "fine-tuned, gold labels",
          "fine-tuned, ICM labels",
          "fine-tuned, random labels",
          "iterative fine-tuning (final)",
          "control: fine-tuned, ICM labels");

  private static final List<ToDoubleFunction<Outcome>> VALUES =
      List.of(
          Outcome::baseTruth,
          o -> o.gold().truth(),
          o -> o.icm().truth(),
          o -> o.random().truth(),
          o -> o.iterative() == null ? Double.NaN : o.iterative().truth(),
          o -> o.icm().control());

  /** The Markdown table: mean ± sd over seeds, the rounds, and one row per seed. */
  static String table(List<Outcome> outcomes) {
    StringBuilder sb = new StringBuilder();
    Outcome first = outcomes.get(0);
    sb.append(String.format(Locale.ROOT,
        "Held-out zero-shot accuracy in percent (%d held-out claims; pool of %d claims in batches of %d,"
            + " ICM with %s), mean ± sd over %d seeds:%n%n",
        first.claims().heldOut().size(), first.claims().pool().size(), first.settings().batchSize(),
        first.settings().search().describe(), outcomes.size()));
    sb.append("| ").append(String.join(" | ", COLUMNS)).append(" |\n");
    sb.append("|---".repeat(COLUMNS.size())).append("|\n");
    List<String> cells = new ArrayList<>();
    for (ToDoubleFunction<Outcome> f : VALUES) {
      double[] v = outcomes.stream().mapToDouble(f).toArray();
      cells.add(String.format(Locale.ROOT, "%.1f ± %.1f", 100 * TableCommand.mean(v), 100 * TableCommand.sd(v)));
    }
    sb.append("| ").append(String.join(" | ", cells)).append(" |\n");

    sb.append("\nPer seed:\n\n| seed | ").append(String.join(" | ", COLUMNS))
        .append(" | ICM labelled | ICM agreement | ICM batches all right | worst ICM batch | control zero-shot (base) | ICM time | iterative time | total |\n");
    sb.append("|---".repeat(COLUMNS.size() + 9)).append("|\n");
    for (Outcome o : outcomes) {
      sb.append("| ").append(o.settings().seed());
      for (ToDoubleFunction<Outcome> f : VALUES) {
        sb.append(String.format(Locale.ROOT, " | %.1f", 100 * f.applyAsDouble(o)));
      }
      double[] batches = FineTuneExperiment.batchAgreements(o);
      long right = java.util.Arrays.stream(batches).filter(a -> a == 1.0).count();
      double worst = java.util.Arrays.stream(batches).filter(a -> !Double.isNaN(a)).min().orElse(Double.NaN);
      sb.append(String.format(Locale.ROOT, " | %d of %d | %.1f | %d of %d | %.1f | %.1f | %s | %s | %s |%n",
          o.icmResult().labels().labelledCount(), o.claims().pool().size(), 100 * o.icmAgreement(),
          right, batches.length, 100 * worst, 100 * o.baseControl(), Commands.format(o.icmTime()), Commands.format(o.iterativeTime()),
          Commands.format(o.elapsed())));
    }
    int rounds = outcomes.stream().mapToInt(o -> o.rounds().size()).min().orElse(0);
    if (rounds > 0) {
      sb.append("\nIterative fine-tuning, after each round (mean ± sd over seeds): held-out zero-shot"
          + " accuracy of the round's model, and ICM's labels of the round's batch:\n\n");
      sb.append("| round | held-out accuracy | batch labelled | batch agreement | labelled so far |\n|---|---|---|---|---|\n");
      for (int r = 0; r < rounds; r++) {
        int round = r;
        double[] acc = outcomes.stream().mapToDouble(o -> o.rounds().get(round).heldOutZeroShot()).toArray();
        double[] labelled = outcomes.stream().mapToDouble(o -> o.rounds().get(round).batchLabelled()).toArray();
        double[] agree = outcomes.stream().mapToDouble(o -> o.rounds().get(round).batchAgreement()).filter(x -> !Double.isNaN(x)).toArray();
        double[] soFar = outcomes.stream().mapToDouble(o -> o.rounds().get(round).labelledSoFar()).toArray();
        sb.append(String.format(Locale.ROOT, "| %d | %.1f ± %.1f | %.1f of %d | %s | %.0f |%n",
            r + 1, 100 * TableCommand.mean(acc), 100 * TableCommand.sd(acc), TableCommand.mean(labelled),
            outcomes.get(0).rounds().get(round).batchSize(),
            agree.length == 0 ? "-" : String.format(Locale.ROOT, "%.1f", 100 * TableCommand.mean(agree)),
            TableCommand.mean(soFar)));
      }
    }
    return sb.toString();
  }

  private static final List<String> HUMAN_COLUMNS =
      List.of(
          "zero-shot (base)",
          "fine-tuned, gold labels",
          "annotators' accuracy (pool)",
          "fine-tuned, annotators' labels",
          "fine-tuned, ICM labels",
          "ICM + k trusted: agreement (not trusted claims)",
          "fine-tuned, ICM + k trusted",
          "fine-tuned, k trusted labels alone");

  /** The human-supervision arms: mean ± sd over seeds, then one row per seed; accuracies in percent. */
  static String humanTable(List<Outcome> outcomes, List<FineTuneExperiment.HumanArms> human) {
    List<java.util.function.IntToDoubleFunction> values =
        List.of(
            i -> outcomes.get(i).baseTruth(),
            i -> outcomes.get(i).gold().truth(),
            i -> human.get(i).annotators().accuracy(),
            i -> human.get(i).annotatorArm().truth(),
            i -> outcomes.get(i).icm().truth(),
            i -> human.get(i).trustedAgreement(),
            i -> human.get(i).trustedArm().truth(),
            i -> human.get(i).kAlone().truth());
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT,
        "Human-supervision arms: held-out zero-shot accuracy in percent (k = %d trusted labels), mean ± sd over %d seeds:%n%n",
        human.get(0).trusted().labels().labelledCount(), outcomes.size()));
    sb.append("| ").append(String.join(" | ", HUMAN_COLUMNS)).append(" |\n");
    sb.append("|---".repeat(HUMAN_COLUMNS.size())).append("|\n");
    List<String> cells = new ArrayList<>();
    for (java.util.function.IntToDoubleFunction f : values) {
      double[] v = java.util.stream.IntStream.range(0, outcomes.size()).mapToDouble(f).toArray();
      cells.add(String.format(Locale.ROOT, "%.1f ± %.1f", 100 * TableCommand.mean(v), 100 * TableCommand.sd(v)));
    }
    sb.append("| ").append(String.join(" | ", cells)).append(" |\n");
    sb.append("\nPer seed:\n\n| seed | ").append(String.join(" | ", HUMAN_COLUMNS))
        .append(" | trusted from suggestions | annotators' mistakes (slip, surface cue, yes) | questions against the rule"
            + " | ICM + k labelled | best epoch (annotators, ICM + k, k alone) | ICM + k time | total |\n");
    sb.append("|---".repeat(HUMAN_COLUMNS.size() + 8)).append("|\n");
    for (int i = 0; i < outcomes.size(); i++) {
      FineTuneExperiment.HumanArms h = human.get(i);
      sb.append("| ").append(outcomes.get(i).settings().seed());
      for (java.util.function.IntToDoubleFunction f : values) {
        sb.append(String.format(Locale.ROOT, " | %.1f", 100 * f.applyAsDouble(i)));
      }
      SimulatedAnnotators.Report r = h.annotators();
      sb.append(String.format(Locale.ROOT, " | %d of %d | %d, %d, %d | %d of %d | %d of %d | %s, %s, %s | %s | %s |%n",
          h.trusted().fromSuggestions(), h.trusted().labels().labelledCount(),
          r.mistakes().getOrDefault(SimulatedAnnotators.Mistake.SLIP, 0),
          r.mistakes().getOrDefault(SimulatedAnnotators.Mistake.SURFACE_CUE, 0),
          r.mistakes().getOrDefault(SimulatedAnnotators.Mistake.SAYS_TRUE, 0),
          r.inconsistentQuestions(), r.questions(), h.icmTrusted().labels().labelledCount(),
          outcomes.get(i).claims().pool().size(), h.annotatorArm().details().get("bestEpoch"),
          h.trustedArm().details().get("bestEpoch"), h.kAlone().details().get("bestEpoch"),
          Commands.format(h.icmTime()), Commands.format(h.elapsed())));
    }
    return sb.toString();
  }

  private static List<String> roundsCsv(List<Outcome> outcomes) {
    List<String> lines = new ArrayList<>();
    lines.add("seed,round,batch_labelled,batch_size,batch_agreement,labelled_so_far,agreement_so_far,held_out_accuracy,base,gold,icm,random");
    for (Outcome o : outcomes) {
      for (FineTuningEvaluation.Score s : o.rounds()) {
        lines.add(String.format(Locale.ROOT, "%d,%d,%d,%d,%.4f,%d,%.4f,%.4f,%.4f,%.4f,%.4f,%.4f",
            o.settings().seed(), s.round() + 1, s.batchLabelled(), s.batchSize(), s.batchAgreement(),
            s.labelledSoFar(), s.agreementSoFar(), s.heldOutZeroShot(), o.baseTruth(), o.gold().truth(),
            o.icm().truth(), o.random().truth()));
      }
    }
    return lines;
  }
}
