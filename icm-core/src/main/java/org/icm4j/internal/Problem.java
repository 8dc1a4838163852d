package org.icm4j.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;
import org.icm4j.Example;
import org.icm4j.Icm;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.spi.IcmListener;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.search.ChainCheckpoint;
import org.icm4j.spi.search.SearchProblem;
import org.icm4j.spi.search.SearchSettings;
import org.icm4j.spi.search.SearchState;
import org.jspecify.annotations.Nullable;

/** The engine's {@link SearchProblem}: one chain on one batch. Not thread-safe. */
public final class Problem implements SearchProblem {
  /** Above this many label assignments a witness's options are its single-label changes. */
  static final int MAX_ENUMERATED_OPTIONS = 4096;

  final GroupIndex index;
  private final SearchSettings settings;
  final Scoring scoring;
  final SplitMix64 random;
  private final IcmListener listener;
  private final BooleanSupplier cancelled;
  private final @Nullable ChainCheckpoint resumeFrom;
  private final CheckpointSink sink;
  private final int batchIndex;
  private final int chainIndex;
  final ScoreMemo memo;
  private final long seed;
  /** The trusted label of each example, {@code -1} where none: kept in every state this problem builds. */
  private final int[] trusted;
  /** Whether any example has a trusted label. */
  private final boolean anyTrusted;
  /** The state of highest U this problem built (evaluated, changed or restored), if any. */
  private @Nullable State bestBuilt;

  /** Where offered checkpoints go. */
  interface CheckpointSink {
    void offer(Problem problem, int iteration, Supplier<ChainCheckpoint> checkpoint);
  }

  /**
   * One chain's place, hooks and resumed state: what a problem needs besides the batch, the
   * settings, the scorer and the trusted labels. Named setters, defaults for direct use: no
   * listener, never cancelled, nothing resumed, checkpoints dropped, the default score memo.
   */
  static final class Chain {
    private final int batch;
    private final int chain;
    private final long seed;
    private IcmListener listener = new IcmListener() {};
    private BooleanSupplier cancelled = () -> false;
    private java.util.concurrent.atomic.@Nullable AtomicBoolean abort;
    private @Nullable ChainCheckpoint resumeFrom;
    private long @Nullable [] resumed;
    private CheckpointSink sink = (p, it, c) -> {};
    private int memoCapacity = Icm.DEFAULT_SCORE_MEMO;

    private Chain(int batch, int chain, long seed) {
      this.batch = batch;
      this.chain = chain;
      this.seed = seed;
    }

    /** The run's listener. */
    Chain listener(IcmListener listener) {
      this.listener = listener;
      return this;
    }

    /** When the chain stops: before each scorer call and when the strategy asks. */
    Chain cancelled(BooleanSupplier cancelled) {
      this.cancelled = cancelled;
      return this;
    }

    /** Raised when another chain of the batch failed: no scorer call starts (parallel chains). */
    Chain abortWhen(java.util.concurrent.atomic.@Nullable AtomicBoolean abort) {
      this.abort = abort;
      return this;
    }

    /** Where offered checkpoints go. */
    Chain sink(CheckpointSink sink) {
      this.sink = sink;
      return this;
    }

    /** Score memo entries. */
    Chain memo(int capacity) {
      this.memoCapacity = capacity;
      return this;
    }

    /**
     * A chain resumed from a checkpoint: the state its strategy resumes from ({@code null} when the
     * chain had finished), its generator state and its scorer counters.
     */
    Chain resumed(@Nullable ChainCheckpoint from, long rng, long calls, long queries, long tokens) {
      this.resumeFrom = from;
      this.resumed = new long[] {rng, calls, queries, tokens};
      return this;
    }
  }

  /** A chain of batch {@code batch} with this seed; see {@link Chain}. */
  static Chain chain(int batch, int chain, long seed) {
    return new Chain(batch, chain, seed);
  }

  Problem(GroupIndex index, SearchSettings settings, LabelScorer scorer, int[] trusted, Chain chain) {
    if (trusted.length != index.size()) {
      throw new IllegalArgumentException(
          "expected " + index.size() + " trusted labels (-1 for none), but got " + trusted.length);
    }
    this.trusted = trusted.clone();
    this.anyTrusted = Arrays.stream(trusted).anyMatch(y -> y >= 0);
    this.index = index;
    this.settings = settings;
    this.scoring = new Scoring(scorer, index.space);
    this.scoring.cancelWhen(chain.cancelled);
    if (chain.abort != null) {
      this.scoring.stopWhen(chain.abort);
    }
    this.random = new SplitMix64(chain.seed);
    this.seed = chain.seed;
    this.listener = chain.listener;
    this.cancelled = chain.cancelled;
    this.resumeFrom = chain.resumeFrom;
    this.sink = chain.sink;
    this.batchIndex = chain.batch;
    this.chainIndex = chain.chain;
    this.memo = new ScoreMemo(chain.memoCapacity, index.space.size());
    if (chain.resumed != null) {
      random.setState(chain.resumed[0]);
      scoring.calls = chain.resumed[1];
      scoring.queries = chain.resumed[2];
      scoring.tokens = chain.resumed[3];
    }
  }

  /**
   * A problem for direct use (tests, tools): no listener, never cancelled, no checkpoints, the
   * default score memo.
   */
  public static Problem standalone(
      List<Example> examples,
      LabelSpace space,
      List<org.icm4j.spi.ConsistencyRule> rules,
      SearchSettings settings,
      LabelScorer scorer,
      long seed) {
    return standalone(examples, space, rules, settings, scorer, seed, Icm.DEFAULT_SCORE_MEMO);
  }

  /** As {@link #standalone(List, LabelSpace, List, SearchSettings, LabelScorer, long)}, memo sized. */
  public static Problem standalone(
      List<Example> examples,
      LabelSpace space,
      List<org.icm4j.spi.ConsistencyRule> rules,
      SearchSettings settings,
      LabelScorer scorer,
      long seed,
      int memoCapacity) {
    List<Example> sorted = new ArrayList<>(examples);
    sorted.sort(java.util.Comparator.comparing(Example::id));
    return new Problem(
        new GroupIndex(sorted, space, rules), settings, scorer, none(sorted.size()),
        chain(0, 0, seed).memo(memoCapacity));
  }

  private static int[] none(int n) {
    int[] a = new int[n];
    Arrays.fill(a, -1);
    return a;
  }

  /**
   * The labeling of only the trusted labels (nothing, without them), built without asking the
   * scorer: its P is 0. What a chain cancelled before it evaluated anything reports.
   */
  SearchState unscored() {
    return built(build(pin(none(index.size())), 0, null));
  }

  @Override
  public int trustedLabel(int i) {
    return trusted[i];
  }

  /** The labels with every trusted label put back (the array itself, changed in place). */
  private int[] pin(int[] labels) {
    if (anyTrusted) {
      for (int i = 0; i < labels.length; i++) {
        if (trusted[i] >= 0) {
          labels[i] = trusted[i];
        }
      }
    }
    return labels;
  }

  @Override
  public int size() {
    return index.size();
  }

  @Override
  public LabelSpace labelSpace() {
    return index.space;
  }

  @Override
  public Example example(int i) {
    return index.examples.get(i);
  }

  @Override
  public RandomGenerator random() {
    return random;
  }

  @Override
  public long seed() {
    return seed;
  }

  @Override
  public boolean hasRules() {
    return index.hasRules();
  }

  @Override
  public SearchSettings settings() {
    return settings;
  }

  /** Scorer work so far: calls, queries, tokens. */
  public long[] counters() {
    return new long[] {scoring.calls, scoring.queries, scoring.tokens};
  }

  @Override
  public SearchState evaluate(int[] labels) {
    int[] copy = pin(checkLabels(labels));
    Scored scored = score(copy);
    return built(build(copy, scored.mutualPredictability, scored.rows));
  }

  /** Remembers the state of highest U built so far (the first on ties) and returns {@code s}. */
  private State built(State s) {
    if (bestBuilt == null || s.utility > bestBuilt.utility) {
      bestBuilt = s;
    }
    return s;
  }

  /**
   * The state of highest U this chain evaluated, changed to or restored (the first on ties), or
   * {@code null} before any: what a chain cut short inside a scorer call reports.
   */
  @Nullable SearchState bestBuilt() {
    return bestBuilt;
  }

  /** A state of these labels (owned) with the given P; counts violations in every group. */
  private State build(int[] labels, double mutualPredictability, double @Nullable [] @Nullable [] rows) {
    int[] gv = new int[index.groupCount()];
    int[] lpg = new int[index.groupCount()];
    int total = 0;
    int labelled = 0;
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] >= 0) {
        lpg[index.groupOf[i]]++;
        labelled++;
      }
    }
    for (int g = 0; g < gv.length; g++) {
      gv[g] = index.groupViolations(g, labels);
      total += gv[g];
    }
    return new State(labels, gv, lpg, total, labelled, mutualPredictability, settings.alpha(), rows);
  }

  @Override
  public SearchState change(SearchState base, int[] indices, int[] newLabels) {
    if (indices.length != newLabels.length) {
      throw new IllegalArgumentException(
          "indices and labels differ in length: " + indices.length + " vs " + newLabels.length);
    }
    State s = (State) base;
    int[] labels = s.labels.clone();
    boolean changed = false;
    for (int k = 0; k < indices.length; k++) {
      checkLabel(newLabels[k]);
      if (trusted[indices[k]] >= 0) {
        continue; // a trusted label never changes
      }
      if (labels[indices[k]] != newLabels[k]) {
        labels[indices[k]] = newLabels[k];
        changed = true;
      }
    }
    if (!changed) {
      return base;
    }
    int[] gv = s.groupViolations.clone();
    int[] lpg = s.labelledPerGroup.clone();
    int total = s.inconsistency;
    int labelled = s.labelledCount;
    boolean[] touched = new boolean[gv.length];
    for (int k = 0; k < indices.length; k++) {
      int i = indices[k];
      if (appearsBefore(indices, k)) {
        continue; // an index given twice: its last label counts, once
      }
      int g = index.groupOf[i];
      boolean was = s.labels[i] >= 0;
      boolean is = labels[i] >= 0;
      if (was != is) {
        lpg[g] += is ? 1 : -1;
        labelled += is ? 1 : -1;
      }
      touched[g] = true;
    }
    for (int g = 0; g < gv.length; g++) {
      if (touched[g]) {
        total -= gv[g];
        gv[g] = index.groupViolations(g, labels);
        total += gv[g];
      }
    }
    Scored scored = score(labels);
    return built(new State(
        labels, gv, lpg, total, labelled, scored.mutualPredictability, settings.alpha(), scored.rows));
  }

  private static boolean appearsBefore(int[] indices, int k) {
    for (int j = 0; j < k; j++) {
      if (indices[j] == indices[k]) {
        return true;
      }
    }
    return false;
  }

  /** P of a labeling, and its leave-one-out rows when the scorer was asked (not on a memo hit). */
  private record Scored(double mutualPredictability, double @Nullable [] @Nullable [] rows) {}

  /**
   * The labelled examples of a labeling in id order (the context every scoring path builds), with
   * {@code at[k]} the batch index of the k-th and {@code position[i]} the place of example i in
   * the list ({@code -1} when unlabelled).
   */
  private record Labelled(List<LabelledExample> examples, int[] at, int[] position) {
    int size() {
      return examples.size();
    }

    /** The labelled examples without example {@code i}: its leave-one-out context. */
    List<LabelledExample> without(int i) {
      if (position[i] < 0) {
        return examples;
      }
      List<LabelledExample> context = new ArrayList<>(examples.size() - 1);
      context.addAll(examples.subList(0, position[i]));
      context.addAll(examples.subList(position[i] + 1, examples.size()));
      return context;
    }
  }

  private Labelled labelled(int[] labels) {
    List<LabelledExample> examples = new ArrayList<>();
    int[] at = new int[labels.length];
    int[] position = new int[labels.length];
    Arrays.fill(position, -1);
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] >= 0) {
        position[i] = examples.size();
        at[examples.size()] = i;
        examples.add(new LabelledExample(index.examples.get(i), index.space.name(labels[i])));
      }
    }
    return new Labelled(examples, at, position);
  }

  private Scored score(int[] labels) {
    Labelled l = labelled(labels);
    List<LabelledExample> labelled = l.examples();
    int[] at = l.at();
    if (labelled.isEmpty()) {
      return new Scored(0, new double[labels.length][]);
    }
    Double known = memo.enabled() ? memo.mutualPredictability(labels) : null;
    if (known != null) {
      return new Scored(known, memo.leaveOneOutRows(labels));
    }
    double[][] rows = scoring.leaveOneOut(labelled);
    int[] ys = new int[rows.length];
    for (int r = 0; r < rows.length; r++) {
      ys[r] = labels[at[r]];
    }
    double mp = Scoring.mutualPredictability(settings.measure(), rows, ys);
    checkEnergy(mp, labelled);
    double[][] byIndex = new double[labels.length][];
    for (int r = 0; r < rows.length; r++) {
      byIndex[at[r]] = rows[r];
    }
    if (memo.enabled()) {
      memo.putLeaveOneOut(labels, mp, byIndex, index.space.size());
    }
    return new Scored(mp, byIndex);
  }

  /**
   * Finite rows can still give an infinite P (a scorer that clamps to {@code -Double.MAX_VALUE}):
   * U would then be infinite and the search frozen, so such a P fails the run.
   */
  private void checkEnergy(double mp, List<LabelledExample> labelled) {
    if (!Double.isFinite(mp)) {
      String first = labelled.get(0).example().id();
      throw new org.icm4j.InvalidScoreException(
          "the mutual predictability of a labeling of "
              + labelled.size()
              + " examples (first '"
              + first
              + "') is "
              + mp
              + ": the scorer's log-probabilities are finite but so extreme that their differences"
              + " overflow; clamp log-probabilities to a moderate floor such as -1e4, not to"
              + " -Double.MAX_VALUE",
          first);
    }
  }

  @Override
  public double[] @Nullable [] leaveOneOutRows(SearchState state) {
    return leaveOneOutRows(state, false);
  }

  /**
   * {@link #leaveOneOutRows(SearchState)}, or with {@code fresh} always from the scorer: one call,
   * whether or not the state holds its rows, so that the work counted does not depend on where the
   * state came from (a resumed run's restored states hold none).
   */
  double[] @Nullable [] leaveOneOutRows(SearchState state, boolean fresh) {
    State s = (State) state;
    double @Nullable [] @Nullable [] rows = fresh ? null : s.rows;
    if (rows == null && !fresh && memo.enabled()) {
      rows = memo.leaveOneOutRows(s.labels);
    }
    if (rows == null) {
      Labelled l = labelled(s.labels);
      List<LabelledExample> labelled = l.examples();
      int[] at = l.at();
      rows = new double[s.labels.length][];
      if (!labelled.isEmpty()) {
        double[][] scored = scoring.leaveOneOut(labelled);
        for (int r = 0; r < scored.length; r++) {
          rows[at[r]] = scored[r];
        }
        if (memo.enabled()) {
          memo.putLeaveOneOut(s.labels, s.mutualPredictability, rows, index.space.size());
        }
      }
    }
    double[] @Nullable [] copy = new double[rows.length][];
    for (int i = 0; i < rows.length; i++) {
      copy[i] = rows[i] == null ? null : rows[i].clone();
    }
    return copy;
  }

  @Override
  public double[][] predict(int[] labelsOfBatch, int[] indices) {
    int[] labels = pin(checkLabels(labelsOfBatch));
    double[][] out = new double[indices.length][];
    List<ScoreRequest> requests = new ArrayList<>();
    List<Integer> asked = new ArrayList<>();
    Labelled all = labelled(labels);
    for (int k = 0; k < indices.length; k++) {
      int i = indices[k];
      if (i < 0 || i >= labels.length) {
        throw new IllegalArgumentException(
            "example index must be in [0, " + labels.length + "), but was " + i);
      }
      double[] known = memo.enabled() ? memo.row(labels, i) : null;
      if (known != null) {
        out[k] = known;
        continue;
      }
      requests.add(new ScoreRequest(index.examples.get(i), all.without(i)));
      asked.add(k);
    }
    if (!requests.isEmpty()) {
      double[][] rows = scoring.score(requests);
      for (int r = 0; r < rows.length; r++) {
        int k = asked.get(r);
        out[k] = rows[r];
        if (memo.enabled()) {
          memo.putRow(labels, indices[k], rows[r]);
        }
      }
    }
    return out;
  }

  @Override
  public int groupCount() {
    return index.groupCount();
  }

  @Override
  public int[] group(int g) {
    return index.members[g].clone();
  }

  @Override
  public int groupViolations(int g, int[] assignment) {
    int[] m = index.members[g];
    if (assignment.length != m.length) {
      throw new IllegalArgumentException(
          "group " + g + " has " + m.length + " members, but the assignment has " + assignment.length);
    }
    int[] labels = new int[index.size()];
    Arrays.fill(labels, -1);
    for (int p = 0; p < m.length; p++) {
      checkLabel(assignment[p]);
      labels[m[p]] = assignment[p];
    }
    return index.groupViolations(g, labels);
  }

  @Override
  public double[] predict(SearchState state, int i) {
    State s = (State) state;
    double[] known = memo.enabled() ? memo.row(s.labels, i) : null;
    if (known != null) {
      return known;
    }
    double[] row =
        scoring.score(List.of(new ScoreRequest(index.examples.get(i), labelled(s.labels).without(i))))[0];
    if (memo.enabled()) {
      memo.putRow(s.labels, i, row);
    }
    return row;
  }

  @Override
  public List<int[]> violations(SearchState state) {
    State s = (State) state;
    List<int[]> out = new ArrayList<>();
    if (s.inconsistency == 0) {
      return out;
    }
    for (int g = 0; g < s.groupViolations.length; g++) {
      if (s.groupViolations[g] > 0) {
        index.witnesses(g, s.labels, out);
      }
    }
    return out;
  }

  @Override
  public List<int[]> consistentOptions(SearchState state, int[] witness) {
    State s = (State) state;
    int k = index.space.size();
    int m = witness.length;
    int[] labels = s.labels.clone();
    List<int[]> options = new ArrayList<>();
    double combos = Math.pow(k, m);
    if (combos <= MAX_ENUMERATED_OPTIONS) {
      int[] digits = new int[m];
      for (long c = 0; c < (long) combos; c++) {
        long rest = c;
        boolean same = true;
        for (int p = m - 1; p >= 0; p--) {
          digits[p] = (int) (rest % k);
          rest /= k;
          labels[witness[p]] = digits[p];
          same &= digits[p] == s.labels[witness[p]];
        }
        if (!same && index.witnessConsistent(witness, labels) && keepsTrusted(witness, digits)) {
          options.add(digits.clone());
        }
      }
    } else {
      for (int p = 0; p < m; p++) {
        for (int y = 0; y < k; y++) {
          if (y == s.labels[witness[p]]) {
            continue;
          }
          if (trusted[witness[p]] >= 0) {
            continue;
          }
          labels[witness[p]] = y;
          if (index.witnessConsistent(witness, labels)) {
            int[] option = new int[m];
            for (int q = 0; q < m; q++) {
              option[q] = labels[witness[q]];
            }
            options.add(option);
          }
          labels[witness[p]] = s.labels[witness[p]];
        }
      }
    }
    return options;
  }

  /** Whether an option for the examples of {@code witness} keeps their trusted labels. */
  private boolean keepsTrusted(int[] witness, int[] option) {
    if (!anyTrusted) {
      return true;
    }
    for (int p = 0; p < witness.length; p++) {
      if (trusted[witness[p]] >= 0 && option[p] != trusted[witness[p]]) {
        return false;
      }
    }
    return true;
  }

  /** The labeling of a state, by example id, as listeners see it. */
  static org.icm4j.Labeling labeling(SearchProblem p, SearchState state) {
    java.util.Map<String, String> labels = new java.util.HashMap<>();
    java.util.Set<String> unlabelled = new java.util.HashSet<>();
    for (int i = 0; i < p.size(); i++) {
      int y = state.label(i);
      if (y < 0) {
        unlabelled.add(p.example(i).id());
      } else {
        labels.put(p.example(i).id(), p.labelSpace().name(y));
      }
    }
    return new org.icm4j.Labeling(p.labelSpace(), labels, unlabelled);
  }

  @Override
  public org.icm4j.spi.search.SamplerView view(SearchState state) {
    State s = (State) state;
    return new org.icm4j.spi.search.SamplerView() {
      @Override
      public int size() {
        return s.labels.length;
      }

      @Override
      public int label(int i) {
        return s.labels[i];
      }

      @Override
      public boolean hasLabelledGroupMate(int i) {
        int others = s.labelledPerGroup[index.groupOf[i]] - (s.labels[i] >= 0 ? 1 : 0);
        return others > 0;
      }
    };
  }

  @Override
  public boolean cancelled() {
    return cancelled.getAsBoolean();
  }

  @Override
  public IcmListener listener() {
    return listener;
  }

  @Override
  public @Nullable ChainCheckpoint resumeFrom() {
    return resumeFrom;
  }

  @Override
  public SearchState restore(ChainCheckpoint checkpoint) {
    int[] labels = checkLabels(checkpoint.labels());
    for (int i = 0; i < labels.length; i++) {
      if (trusted[i] >= 0 && labels[i] != trusted[i]) {
        throw new IllegalStateException(
            "a saved labeling gives the trusted example '" + index.examples.get(i).id() + "' the label "
                + (labels[i] < 0 ? "(none)" : "'" + index.space.name(labels[i]) + "'") + ", not its trusted '"
                + index.space.name(trusted[i]) + "'");
      }
    }
    if (memo.enabled()) {
      // the saved P is the scorer's answer for these labels: a resumed chain need not ask again
      memo.putMutualPredictability(labels, checkpoint.mutualPredictability());
    }
    return built(build(labels, checkpoint.mutualPredictability(), null));
  }

  @Override
  public void offerCheckpoint(int iteration, Supplier<ChainCheckpoint> checkpoint) {
    sink.offer(this, iteration, checkpoint);
  }

  @Override
  public int batchIndex() {
    return batchIndex;
  }

  @Override
  public int chainIndex() {
    return chainIndex;
  }

  private int[] checkLabels(int[] labels) {
    if (labels.length != index.size()) {
      throw new IllegalArgumentException(
          "expected " + index.size() + " labels, one per example, but got " + labels.length);
    }
    for (int y : labels) {
      checkLabel(y);
    }
    return labels.clone();
  }

  private void checkLabel(int y) {
    if (y < -1 || y >= index.space.size()) {
      throw new IllegalArgumentException(
          "label index must be -1 (unlabelled) or in [0, " + index.space.size() + "), but was " + y);
    }
  }
}
