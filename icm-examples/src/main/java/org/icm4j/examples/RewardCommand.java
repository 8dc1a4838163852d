package org.icm4j.examples;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
import org.icm4j.djl.train.BradleyTerryTrainer;
import org.icm4j.djl.train.FineTuneOptions;
import org.icm4j.djl.train.PolicyGradientOptions;
import org.icm4j.examples.RewardExperiment.Outcome;
import org.icm4j.examples.RewardExperiment.Settings;
import org.icm4j.examples.RewardExperiment.Track;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * An unsupervised reward model and reinforcement learning in miniature ({@link RewardExperiment}):
 * reward models trained on ICM's, gold and random preference pairs, their pairwise accuracy on
 * held-out pairs (and, on comparisons, against the control concept), and policies improved with
 * them by best-of-n and REINFORCE, judged by the world's truth; for several seeds, mean ± sd.
 *
 * <pre>{@code
 * mvn -B -q install -DskipTests
 * mvn -B -q -pl icm-examples exec:java -Dexec.mainClass=org.icm4j.examples.RewardCommand \
 *   -Dexec.args="--parallel 2 --out reward-out"
 * }</pre>
 *
 * <p>Writes {@code table.md}, {@code curves.csv} and {@code plot-truth.png} / {@code
 * plot-comparison.png} (each policy's mean reward and held-out accuracy over the REINFORCE steps)
 * to {@code --out}. Exit codes: 0 done, 1 a run failed, 2 bad options. Not thread-safe.
 */
@Command(
    name = "icm-reward",
    mixinStandardHelpOptions = true,
    version = "icm4j icm-reward 0.1.0-SNAPSHOT",
    sortOptions = false,
    description = {
      "Trains reward models on ICM's, gold and random preference pairs of the synthetic world,"
          + " improves the world model as a policy with them (best-of-n, REINFORCE), and prints the"
          + " reward models' held-out pairwise accuracy and the policies' accuracy and win rates"
          + " (mean +- sd over seeds) as Markdown."
    })
public final class RewardCommand implements Callable<Integer> {

  /** Where the comparison model lives in a clone, from the repository root. */
  static final Path COMPARISON_MODEL = Path.of("icm-examples", "training", "world5-cmp-step33000");

  @Spec @Nullable CommandSpec spec;

  @Mixin SharedOptions.Seeds seeds = new SharedOptions.Seeds();

  @Option(names = "--tracks", split = ",", defaultValue = "truth,comparison",
      description = "truth (the embedded model) and/or comparison (the comparison model); default ${DEFAULT-VALUE}.")
  List<String> tracks = List.of();

  @Option(names = "--truth-held-out", defaultValue = "32", description = "Held-out (entity, relation) questions (default ${DEFAULT-VALUE}).")
  int truthHeldOut;

  @Option(names = "--truth-pool", defaultValue = "64", description = "Pool questions ICM labels, 2 claims each (default ${DEFAULT-VALUE}).")
  int truthPool;

  @Option(names = "--comparison-held-out", defaultValue = "256", description = "Held-out entity pairs (default ${DEFAULT-VALUE}).")
  int comparisonHeldOut;

  @Option(names = "--comparison-pool", defaultValue = "64", description = "Pool entity pairs ICM labels, 2 claims each (default ${DEFAULT-VALUE}).")
  int comparisonPool;

  @Mixin SharedOptions.IcmBatch icmBatch = new SharedOptions.IcmBatch();

  @Mixin SharedOptions.IcmRun icm = new SharedOptions.IcmRun();

  @Option(names = "--rm-epochs", defaultValue = "20", description = "Reward-model epochs at most (default ${DEFAULT-VALUE}).")
  int rmEpochs;

  @Option(names = "--rm-lr", defaultValue = "1e-3", description = "Reward-model learning rate (default ${DEFAULT-VALUE}).")
  double rmLr;

  @Option(names = "--rm-batch", defaultValue = "16", description = "Pairs per reward-model step (default ${DEFAULT-VALUE}).")
  int rmBatch;

  @Option(names = "--rm-validation", defaultValue = "0.2", paramLabel = "SHARE",
      description = "Share of the pairs' questions held out for early stopping (default ${DEFAULT-VALUE}).")
  double rmValidation;

  @Option(names = "--rl-steps", description = "REINFORCE steps (default: PolicyGradientOptions.defaults()).")
  @Nullable Integer rlSteps;

  @Option(names = "--rl-questions", description = "Questions per REINFORCE step.")
  @Nullable Integer rlQuestions;

  @Option(names = "--rl-samples", description = "Answers drawn per question and step.")
  @Nullable Integer rlSamples;

  @Option(names = "--rl-lr", description = "REINFORCE learning rate.")
  @Nullable Double rlLr;

  @Option(names = "--rl-kl", description = "Weight of the KL penalty toward the untrained policy.")
  @Nullable Double rlKl;

  @Option(names = "--best-of", defaultValue = "4", description = "n of best-of-n selection (default ${DEFAULT-VALUE}).")
  int bestOf;

  @Mixin SharedOptions.HumanArms humanArms = new SharedOptions.HumanArms();

  @Mixin SharedOptions.BlockModel blockModel = new SharedOptions.BlockModel();

  @Option(names = "--comparison-model", paramLabel = "DIR",
      description = "The comparison track's model (default " + "icm-examples/training/world5-cmp-step33000, or training/... from icm-examples).")
  @Nullable Path comparisonModel;

  @Mixin SharedOptions.Parallel parallel = new SharedOptions.Parallel();

  @Mixin SharedOptions.ReportDir out = new SharedOptions.ReportDir();

  /** A command with no options set; picocli fills them in. */
  public RewardCommand() {}

  /** Runs the command and exits with its code. */
  public static void main(String[] args) {
    Commands.defaultToOffline();
    System.setProperty("java.awt.headless", "true");
    System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /** Runs the command with the given output streams, without exiting. */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    return Commands.execute(new RewardCommand(), out, err, args);
  }

  /** The settings of one seed, from the options. */
  Settings settings(long seed) {
    List<Track> chosen = new ArrayList<>();
    for (String t : tracks) {
      chosen.add(switch (t.toLowerCase(Locale.ROOT)) {
        case "truth" -> Track.TRUTH;
        case "comparison" -> Track.COMPARISON;
        default -> throw new IllegalArgumentException("--tracks takes truth and comparison, but was '" + t + "'");
      });
    }
    FineTuneOptions reward =
        BradleyTerryTrainer.Builder.defaultOptions().withMaxEpochs(rmEpochs).withLearningRate(rmLr, rmLr / 10)
            .withBatchSize(rmBatch).withValidation(rmValidation, 3);
    PolicyGradientOptions policy = PolicyGradientOptions.defaults();
    if (rlSteps != null) {
      policy = policy.withSteps(rlSteps);
    }
    if (rlQuestions != null) {
      policy = policy.withQuestionsPerStep(rlQuestions);
    }
    if (rlSamples != null) {
      policy = policy.withSamplesPerQuestion(rlSamples);
    }
    if (rlLr != null) {
      policy = policy.withLearningRate(rlLr);
    }
    if (rlKl != null) {
      policy = policy.withKlWeight(rlKl);
    }
    return new Settings(
        seed, chosen, truthHeldOut, truthPool, comparisonHeldOut, comparisonPool,
        icmBatch.size(SharedOptions.IcmBatch.DEFAULT_POOL_BATCH), icm.alpha(), icm.search.choice(),
        reward, policy, bestOf);
  }

  @Override
  public Integer call() {
    CommandSpec s = requireNonNull(spec, "spec");
    PrintWriter stdout = s.commandLine().getOut();
    PrintWriter err = s.commandLine().getErr();
    List<Settings> runs = new ArrayList<>();
    Path cmp;
    int threads;
    try {
      for (long seed : seeds.seeds) {
        runs.add(settings(seed));
      }
      if (runs.isEmpty()) {
        throw new IllegalArgumentException("give at least one seed");
      }
      threads = parallel.threads();
      humanArms.check(Integer.MAX_VALUE, "any number");
      cmp = comparisonModel != null ? comparisonModel : defaultComparisonModel();
      if (runs.get(0).tracks().contains(Track.COMPARISON) && !Files.isDirectory(cmp)) {
        throw new IllegalArgumentException(
            "the comparison model " + cmp + " is not there: run from the repository root, or give --comparison-model DIR");
      }
    } catch (IllegalArgumentException e) {
      err.println("icm-reward: " + e.getMessage());
      err.println("Try --help for the options.");
      return DemoCommand.EXIT_USAGE;
    }
    SyntheticWorld world = SyntheticWorld.defaultWorld(WorldExperiment.WORLD_SEED);
    long start = System.nanoTime();
    List<Job> jobs = new ArrayList<>();
    for (Track t : runs.get(0).tracks()) {
      for (Settings r : runs) {
        jobs.add(new Job(t, r));
      }
    }
    Bar bar = new Bar(stdout, jobs.size());
    List<Outcome> outcomes = new ArrayList<>();
    java.util.Map<Integer, RewardExperiment.HumanArms> human = new java.util.concurrent.ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Outcome>> futures = new ArrayList<>();
      for (int j = 0; j < jobs.size(); j++) {
        int index = j;
        Job job = jobs.get(j);
        futures.add(pool.submit(() -> runOne(world, job, cmp, (done, what) -> bar.update(index, done, what), human, index)));
      }
      for (Future<Outcome> f : futures) {
        outcomes.add(f.get());
      }
    } catch (ExecutionException e) {
      stdout.println();
      err.println("icm-reward: " + e.getCause().getMessage());
      return DemoCommand.EXIT_RUN_FAILED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("icm-reward: interrupted");
      return DemoCommand.EXIT_RUN_FAILED;
    } finally {
      pool.shutdownNow();
    }
    bar.finish();
    String table = table(outcomes, runs.get(0));
    if (humanArms.on) {
      List<RewardExperiment.HumanArms> arms = new ArrayList<>();
      for (int i = 0; i < outcomes.size(); i++) {
        arms.add(requireNonNull(human.get(i), "human arms of the run"));
      }
      table += "\n" + humanTable(outcomes, arms);
    }
    stdout.print(table);
    stdout.printf(Locale.ROOT, "%ntotal %s%n", Commands.format(Duration.ofNanos(System.nanoTime() - start)));
    stdout.flush();
    Path dir = out.dir;
    if (dir != null) {
      try {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("table.md"), table);
        Files.write(dir.resolve("curves.csv"), curves(outcomes));
        for (Track t : runs.get(0).tracks()) {
          plot(dir.resolve("plot-" + t.lowerName() + ".png"), t, outcomes);
        }
        stdout.printf(Locale.ROOT, "wrote %s, %s and the plots%n", dir.resolve("table.md"), dir.resolve("curves.csv"));
      } catch (IOException | UncheckedIOException e) {
        err.println("icm-reward: cannot write to " + dir + ": " + e.getMessage());
        return DemoCommand.EXIT_RUN_FAILED;
      }
    }
    return 0;
  }

  private static Path defaultComparisonModel() {
    return Files.isDirectory(COMPARISON_MODEL) ? COMPARISON_MODEL : Path.of("training", "world5-cmp-step33000");
  }

  /** One track of one seed. */
  private record Job(Track track, Settings settings) {}

  private Outcome runOne(
      SyntheticWorld world, Job job, Path cmp, RewardExperiment.Progress progress,
      java.util.Map<Integer, RewardExperiment.HumanArms> human, int index) throws IOException {
    Path dir = job.track() == Track.TRUTH ? blockModel.dir : cmp;
    try (DemoCommand.Model model = DemoCommand.Model.open(null, dir, world);
        DjlScorer scorer = model.scorer()) {
      if (!(model.lm() instanceof BlockLm lm)) {
        throw new IcmException("reward models and policies need a BlockLm, but the model is " + model.name());
      }
      if (!humanArms.on) {
        return RewardExperiment.run(world, job.track(), lm, scorer, job.settings(), progress);
      }
      Outcome o = RewardExperiment.run(world, job.track(), lm, scorer, job.settings(), (d, w) -> progress.update(0.5 * d, w));
      human.put(index, RewardExperiment.humanArms(
          world, job.track(), lm, scorer, job.settings(), o, humanArms.trusted, (d, w) -> progress.update(0.5 + 0.5 * d, w)));
      return o;
    }
  }

  /**
   * A progress bar over the runs: redrawn in place on a terminal, a line per tenth otherwise, with
   * what each running job is doing.
   */
  static final class Bar {
    private final PrintWriter out;
    private final double[] done;
    private final boolean terminal = System.console() != null;
    private final long start = System.nanoTime();
    private long lastDraw;
    private int lastTenth = -1;

    Bar(PrintWriter out, int jobs) {
      this.out = out;
      this.done = new double[jobs];
    }

    synchronized void update(int job, double share, String what) {
      done[job] = Math.max(done[job], Math.min(1, share));
      double all = 0;
      for (double d : done) {
        all += d;
      }
      all /= done.length;
      long now = System.nanoTime();
      int tenth = (int) Math.floor(10 * all);
      if (terminal ? now - lastDraw < 100_000_000L : tenth == lastTenth) {
        return;
      }
      lastDraw = now;
      lastTenth = tenth;
      String line = line(all, what, now - start);
      out.print(terminal ? "\r" + line : line + System.lineSeparator());
      out.flush();
    }

    synchronized void finish() {
      if (terminal) {
        out.println();
      }
    }

    static String line(double done, String what, long elapsed) {
      int width = 30;
      int filled = (int) Math.min(width, Math.floor(width * done));
      String left =
          done >= 0.1 && elapsed >= 10_000_000_000L
              ? Commands.format(Duration.ofNanos((long) (elapsed / done * (1 - done)))) + " left"
              : "estimating time left";
      String text = what.length() > 90 ? what.substring(0, 90) : what;
      return String.format(Locale.ROOT, "[%s%s] %3d%%  %-90s  %s",
          "#".repeat(filled), ".".repeat(width - filled), (int) Math.floor(100 * done), text, left);
    }
  }

  private record Column(String name, ToDoubleFunction<Outcome> value) {}

  private static final List<Column> REWARD_COLUMNS =
      List.of(
          new Column("ICM pairs agreeing with gold", o -> o.icmRm().pairAgreement()),
          new Column("random pairs agreeing with gold", o -> o.randomRm().pairAgreement()),
          new Column("untrained (zero-shot log-odds)", o -> o.base().heldOut()),
          new Column("RM on ICM pairs", o -> o.icmRm().heldOut()),
          new Column("RM on gold pairs", o -> o.goldRm().heldOut()),
          new Column("RM on random pairs", o -> o.randomRm().heldOut()));

  private static final List<Column> CONTROL_COLUMNS =
      List.of(
          new Column("untrained", o -> o.base().control()),
          new Column("RM on ICM pairs", o -> o.icmRm().control()),
          new Column("RM on gold pairs", o -> o.goldRm().control()),
          new Column("RM on random pairs", o -> o.randomRm().control()),
          new Column("RM on control pairs", o -> o.controlRm() == null ? Double.NaN : o.controlRm().control()));

  private static final List<Column> POLICY_COLUMNS =
      List.of(
          new Column("untrained policy", o -> o.untrained().accuracy()),
          new Column("best-of-n, ICM RM", o -> o.bestOfNIcm().accuracy()),
          new Column("best-of-n, gold RM", o -> o.bestOfNGold().accuracy()),
          new Column("RL, ICM RM", o -> o.rlIcm().accuracy()),
          new Column("RL, gold RM", o -> o.rlGold().accuracy()),
          new Column("RL, random RM", o -> o.rlRandom().accuracy()),
          new Column("win rate: RL ICM vs RL gold", Outcome::icmVsGold),
          new Column("win rate: RL ICM vs untrained", Outcome::icmVsUntrained));

  /** The Markdown tables: mean ± sd over seeds per track, then one row per run. */
  /** The human-supervision arms: mean ± sd per track, then one row per run; percent. */
  static String humanTable(List<Outcome> outcomes, List<RewardExperiment.HumanArms> human) {
    List<String> columns =
        List.of(
            "annotators' accuracy (pool claims)", "annotator pairs agreeing with gold", "RM: gold", "RM: annotators",
            "RM: ICM", "RM: ICM + k", "RM: k alone", "RL gold", "RL annotators", "RL ICM", "RL ICM + k", "RL k alone",
            "win rate: RL ICM vs RL annotators", "win rate: RL ICM + k vs RL annotators",
            "win rate: RL k alone vs RL annotators", "win rate: RL ICM + k vs RL ICM");
    List<java.util.function.IntToDoubleFunction> values =
        List.of(
            i -> human.get(i).annotators().accuracy(),
            i -> human.get(i).annotatorRm().pairAgreement(),
            i -> outcomes.get(i).goldRm().heldOut(),
            i -> human.get(i).annotatorRm().heldOut(),
            i -> outcomes.get(i).icmRm().heldOut(),
            i -> human.get(i).trustedRm().heldOut(),
            i -> human.get(i).kAloneRm().heldOut(),
            i -> outcomes.get(i).rlGold().accuracy(),
            i -> human.get(i).rlAnnotators().accuracy(),
            i -> outcomes.get(i).rlIcm().accuracy(),
            i -> human.get(i).rlTrusted().accuracy(),
            i -> human.get(i).rlKAlone().accuracy(),
            i -> RewardExperiment.headToHead(outcomes.get(i).rlIcm().perQuestion(), human.get(i).rlAnnotators().perQuestion()),
            i -> RewardExperiment.headToHead(human.get(i).rlTrusted().perQuestion(), human.get(i).rlAnnotators().perQuestion()),
            i -> RewardExperiment.headToHead(human.get(i).rlKAlone().perQuestion(), human.get(i).rlAnnotators().perQuestion()),
            i -> RewardExperiment.headToHead(human.get(i).rlTrusted().perQuestion(), outcomes.get(i).rlIcm().perQuestion()));
    StringBuilder sb = new StringBuilder();
    sb.append("Human-supervision arms (reward models: pairwise accuracy on held-out gold pairs; policies: held-out"
        + " accuracy; win rates judged by truth), percent, mean ± sd over seeds:\n\n");
    sb.append("| track | ").append(String.join(" | ", columns)).append(" |\n|---");
    sb.append("|---".repeat(columns.size())).append("|\n");
    List<Track> order = new ArrayList<>();
    for (Outcome o : outcomes) {
      if (!order.contains(o.track())) {
        order.add(o.track());
      }
    }
    for (Track t : order) {
      List<Integer> mine = new ArrayList<>();
      for (int i = 0; i < outcomes.size(); i++) {
        if (outcomes.get(i).track() == t) {
          mine.add(i);
        }
      }
      sb.append("| ").append(t.lowerName()).append(" (").append(mine.size()).append(" seeds)");
      for (java.util.function.IntToDoubleFunction f : values) {
        double[] v = mine.stream().mapToDouble(f::applyAsDouble).toArray();
        sb.append(String.format(Locale.ROOT, " | %.1f ± %.1f", 100 * TableCommand.mean(v), 100 * TableCommand.sd(v)));
      }
      sb.append(" |\n");
    }
    sb.append("\nPer run:\n\n| track | seed | ").append(String.join(" | ", columns))
        .append(" | annotator pairs | ICM + k pairs | k-alone pairs | trusted from suggestions | ICM + k agreement (not trusted)"
            + " | best-of-4 annotators | annotators' mistakes (slip, surface cue, yes) | questions against the rule | time |\n|---|---");
    sb.append("|---".repeat(columns.size() + 9)).append("|\n");
    for (int i = 0; i < outcomes.size(); i++) {
      RewardExperiment.HumanArms h = human.get(i);
      sb.append("| ").append(outcomes.get(i).track().lowerName()).append(" | ").append(outcomes.get(i).seed());
      for (java.util.function.IntToDoubleFunction f : values) {
        sb.append(String.format(Locale.ROOT, " | %.1f", 100 * f.applyAsDouble(i)));
      }
      SimulatedAnnotators.Report r = h.annotators();
      sb.append(String.format(Locale.ROOT, " | %d | %d | %d | %d of %d | %.1f | %.1f | %d, %d, %d | %d of %d | %s |%n",
          h.annotatorRm().trainedOn(), h.trustedRm().trainedOn(), h.kAloneRm().trainedOn(), h.trusted().fromSuggestions(),
          h.trusted().labels().labelledCount(), 100 * h.trustedAgreement(), 100 * h.bestOfNAnnotators().accuracy(),
          r.mistakes().getOrDefault(SimulatedAnnotators.Mistake.SLIP, 0),
          r.mistakes().getOrDefault(SimulatedAnnotators.Mistake.SURFACE_CUE, 0),
          r.mistakes().getOrDefault(SimulatedAnnotators.Mistake.SAYS_TRUE, 0),
          r.inconsistentQuestions(), r.questions(), Commands.format(h.elapsed())));
    }
    return sb.toString();
  }

  static String table(List<Outcome> outcomes, Settings first) {
    StringBuilder sb = new StringBuilder();
    List<Track> order = new ArrayList<>();
    for (Outcome o : outcomes) {
      if (!order.contains(o.track())) {
        order.add(o.track());
      }
    }
    sb.append(String.format(Locale.ROOT,
        "Reward models: pairwise accuracy in percent on held-out gold pairs (RewardBench's measure), mean ± sd over seeds"
            + " (ICM with %s; reward models: at most %d epochs, batches of %d pairs, lr %s):%n%n",
        first.search().describe(), first.reward().maxEpochs(), first.reward().batchSize(), first.reward().learningRate()));
    section(sb, outcomes, order, REWARD_COLUMNS);
    if (order.contains(Track.COMPARISON)) {
      sb.append("\nThe control concept (comparison track): pairwise accuracy in percent against the control's preferences"
          + " on held-out pairs:\n\n");
      section(sb, outcomes, List.of(Track.COMPARISON), CONTROL_COLUMNS);
    }
    sb.append(String.format(Locale.ROOT,
        "%nPolicies on held-out questions: accuracy (probability that a sampled answer is true) and head-to-head win rates"
            + " judged by the world's truth, in percent (best-of-%d; REINFORCE: %d steps of %d questions x %d samples,"
            + " lr %s, KL weight %s):%n%n",
        first.bestOfN(), first.policy().steps(), first.policy().questionsPerStep(), first.policy().samplesPerQuestion(),
        first.policy().learningRate(), first.policy().klWeight()));
    section(sb, outcomes, order, POLICY_COLUMNS);
    sb.append("\nPer run:\n\n| track | seed | ICM labelled | ICM agreement | ICM pairs | ");
    List<Column> all = new ArrayList<>(REWARD_COLUMNS.subList(2, REWARD_COLUMNS.size()));
    all.addAll(POLICY_COLUMNS);
    for (Column c : all) {
      sb.append(c.name()).append(" | ");
    }
    sb.append("control: RM on ICM pairs | RM epochs (ICM, gold) | ICM time | total |\n");
    sb.append("|---".repeat(5 + all.size() + 4)).append("|\n");
    for (Outcome o : outcomes) {
      sb.append(String.format(Locale.ROOT, "| %s | %d | %d of %d | %.1f | %d | ", o.track().lowerName(), o.seed(),
          o.icm().labels().labelledCount(), o.claims().pool().size(), 100 * o.icmAgreement(), o.icmRm().trainedOn()));
      for (Column c : all) {
        sb.append(String.format(Locale.ROOT, "%.1f | ", 100 * c.value().applyAsDouble(o)));
      }
      sb.append(String.format(Locale.ROOT, "%s | %s, %s | %s | %s |%n",
          Double.isNaN(o.icmRm().control()) ? "-" : String.format(Locale.ROOT, "%.1f", 100 * o.icmRm().control()),
          o.icmRm().details().get("bestEpoch"), o.goldRm().details().get("bestEpoch"),
          Commands.format(o.icmTime()), Commands.format(o.elapsed())));
    }
    return sb.toString();
  }

  private static void section(StringBuilder sb, List<Outcome> outcomes, List<Track> order, List<Column> columns) {
    sb.append("| track | ");
    for (Column c : columns) {
      sb.append(c.name()).append(" | ");
    }
    sb.append("\n|---").append("|---".repeat(columns.size())).append("|\n");
    for (Track t : order) {
      List<Outcome> mine = outcomes.stream().filter(o -> o.track() == t).toList();
      sb.append("| ").append(t.lowerName()).append(" (").append(mine.size()).append(" seeds) | ");
      for (Column c : columns) {
        double[] v = mine.stream().mapToDouble(c.value()).toArray();
        sb.append(String.format(Locale.ROOT, "%.1f ± %.1f | ", 100 * TableCommand.mean(v), 100 * TableCommand.sd(v)));
      }
      sb.append("\n");
    }
  }

  private static List<String> curves(List<Outcome> outcomes) {
    List<String> lines = new ArrayList<>();
    lines.add("track,seed,policy,step,mean_reward,held_out_accuracy");
    for (Outcome o : outcomes) {
      curveLines(lines, o, "icm", o.rlIcm());
      curveLines(lines, o, "gold", o.rlGold());
      curveLines(lines, o, "random", o.rlRandom());
    }
    return lines;
  }

  private static void curveLines(List<String> lines, Outcome o, String name, RewardExperiment.Policy p) {
    for (WorldExperiment.Point point : p.curve()) {
      lines.add(String.format(Locale.ROOT, "%s,%d,%s,%d,%.4f,%.4f", o.track().lowerName(), o.seed(), name,
          point.iteration(), point.utility(), point.agreement()));
    }
  }

  private static void plot(Path file, Track track, List<Outcome> outcomes) {
    List<WorldExperiment.Point> icm = new ArrayList<>();
    List<WorldExperiment.Point> gold = new ArrayList<>();
    List<WorldExperiment.Point> random = new ArrayList<>();
    for (Outcome o : outcomes) {
      if (o.track() == track) {
        icm.addAll(o.rlIcm().curve());
        gold.addAll(o.rlGold().curve());
        random.addAll(o.rlRandom().curve());
      }
    }
    CurvePlot.write(
        file,
        "REINFORCE on the " + track.lowerName() + " track, one line per seed",
        "mean reward of the drawn answers (each policy's own reward model)",
        "held-out accuracy, judged by the world's truth",
        "step",
        // the ICM line last, over the gold line it may hide (the same pairs give the same policy)
        List.of(
            new CurvePlot.Series("gold RM", new java.awt.Color(44, 160, 44), gold),
            new CurvePlot.Series("random RM", CurvePlot.NO_RULES, random),
            new CurvePlot.Series("ICM RM", CurvePlot.ICM, icm)));
  }
}
