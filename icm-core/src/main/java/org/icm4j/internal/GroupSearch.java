package org.icm4j.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.random.RandomGenerator;
import org.icm4j.MutualPredictability;
import org.icm4j.result.IterationRecord;
import org.icm4j.search.RuleHandling;
import org.icm4j.spi.search.ChainCheckpoint;
import org.icm4j.spi.search.ChainOutcome;
import org.icm4j.spi.search.SearchProblem;
import org.icm4j.spi.search.SearchState;
import org.jspecify.annotations.Nullable;

/**
 * The multi-start search over complete labelings ({@link org.icm4j.search.Searches#multiStart()}).
 *
 * <p>A <i>unit</i> is what moves together: a whole group when the batch has rules (each option a
 * complete assignment of the group; under {@link RuleHandling#CONSTRAINTS} only the assignments
 * with the fewest violations), a single example otherwise. Each start builds a complete labeling
 * from a seed (the model's most confident zero-shot answers, its zero-shot answers for every
 * example, every assignment of a few units in turn, or random units), letting the model complete
 * the rest from the seed as its context; then it descends: from the leave-one-out rows of the
 * current labeling it predicts each unit's best option and the gain in U, moves the units of
 * highest predicted gain together (halving the block until U rises), and stops when no predicted
 * move raises U. The best two distinct ends are then polished with exact moves (each unit's most
 * promising options evaluated), and for the binary space the mirror of the best (every label
 * swapped) is tried too. Each start takes its randomness from its own generator, derived from the
 * chain's seed, so that a resumed chain rebuilds it.
 *
 * <p>Not thread-safe: one per chain (created by {@link org.icm4j.search.MultiStartSearch#search}).
 */
public final class GroupSearch {
  /**
   * Options evaluated per unit when polishing, best predicted first: at least this many, and
   * enough for a sweep to evaluate {@link #POLISH_SWEEP} options in all (small batches, where the
   * predictions from leave-one-out rows are least accurate, get every option tried).
   */
  static final int POLISH_OPTIONS = 3;

  /** Options a polishing sweep evaluates at least, spread over the units. */
  static final int POLISH_SWEEP = 48;

  /** Distinct ends of starts polished with exact moves. */
  static final int POLISHED_ENDS = 2;

  /**
   * Exact moves a polish scores before it may skip hopeless ones (in batches of at least {@code
   * POLISH_SWEEP / POLISH_OPTIONS} units): with this many samples of how far
   * a move's actual gain in U exceeded its predicted gain (its own terms; the rest is its effect on
   * the other examples' contexts), a move whose predicted gain plus {@link #SKIP_MARGIN} times the
   * largest excess seen cannot reach 0 is not scored.
   */
  static final int SKIP_AFTER = 16;

  /** Safety factor on the largest excess of actual over predicted gain seen in a polish. */
  static final double SKIP_MARGIN = 2.0;

  /**
   * Contrast starts: after the search, starts that may not take the best labeling's assignment of
   * any unit (while they are built and descend), then descend freely. They look for the best
   * labeling of another concept, which the engine compares with the kept one (a second concept
   * that obeys the same rules is often reached by none of the ordinary starts when it is less
   * salient than the kept one). Each seeds one unit with an assignment the best labeling does not
   * have.
   */
  static final int CONTRAST_STARTS = 4;

  /** Block moves tried after the halving sequence fails: the next best single units. */
  static final int EXTRA_SINGLES = 3;

  /** Largest group enumerated as one unit; larger groups move among a family of assignments. */
  static final int MAX_OPTIONS = Problem.MAX_ENUMERATED_OPTIONS;

  /**
   * Largest family of assignments ({@link Units#family}) a group too large to enumerate moves
   * among as one unit (a group of 200 binary members: 402); beyond it, member by member.
   */
  static final int MAX_FAMILY = 4 * Problem.MAX_ENUMERATED_OPTIONS;

  private static final double EPS = 1e-9;

  private final SearchProblem p;
  private final int starts;
  private final RuleHandling rules;
  private final Units units;
  private final double scale;
  private final boolean signedOdds;
  private final boolean observesLabels;
  private final List<IterationRecord> history = new ArrayList<>();
  private int accepted;
  /** The checkpoint of the last finished stage, offered again when the run is cancelled. */
  private java.util.function.@Nullable Supplier<ChainCheckpoint> lastStage;
  private int lastStageIteration;
  /** During contrast starts: each unit's options without the best labeling's assignment. */
  private int @Nullable [][][] contrastOptions;
  /** During contrast starts: the violations of {@link #contrastOptions} ({@code null} for a large group's member). */
  private int @Nullable [] @Nullable [] contrastViolations;

  private GroupSearch(SearchProblem p, int starts, RuleHandling rules) {
    this.p = p;
    this.starts = starts;
    this.rules = rules;
    this.units = new Units(p, rules);
    this.signedOdds = p.settings().measure() == MutualPredictability.MEAN_SIGNED_LOG_ODDS;
    this.scale = signedOdds ? p.settings().alpha() / p.size() : p.settings().alpha();
    this.observesLabels = p.listener().observesLabels();
  }

  /** Runs one chain. */
  public static ChainOutcome search(SearchProblem p, int starts, RuleHandling rules) {
    return new GroupSearch(p, starts, rules).run();
  }

  // ------------------------------------------------------------------ units

  /** What moves together, and the assignments it may take. */
  static final class Units {
    final int[][] members;
    /** Allowed assignments per unit; {@code null} for a member of a group too large to enumerate. */
    final int[] @Nullable [][] options;
    /** Violations of each allowed assignment, within its group. */
    final int[] @Nullable [] violations;
    final int[] groupOf;
    final int[] unitOf;

    Units(SearchProblem p, RuleHandling rules) {
      int n = p.size();
      int k = p.labelSpace().size();
      List<int[]> m = new ArrayList<>();
      List<int @Nullable [][]> o = new ArrayList<>();
      List<int @Nullable []> v = new ArrayList<>();
      List<Integer> g = new ArrayList<>();
      for (int group = 0; group < p.groupCount(); group++) {
        int[] members = p.group(group);
        double count = Math.pow(k, members.length);
        // too many assignments to enumerate: the group moves as a unit among the assignments that
        // give every member one label but at most one (for "exactly one True": every valid one)
        boolean family =
            p.hasRules() && members.length > 1 && count > MAX_OPTIONS
                && k + (double) members.length * k * (k - 1) <= MAX_FAMILY;
        List<int[]> keeping = new ArrayList<>();
        if (family || (p.hasRules() && members.length > 1 && count <= MAX_OPTIONS)) {
          for (int[] a : family ? family(members.length, k) : every(members.length, k)) {
            if (keepsTrusted(p, members, a)) {
              keeping.add(a); // a group's options keep its trusted labels
            }
          }
        }
        if (keeping.isEmpty()) {
          singles(p, rules, group, members, m, o, v, g);
          continue;
        }
        int[][] all = keeping.toArray(new int[0][]);
        int[] viol = new int[all.length];
        for (int c = 0; c < all.length; c++) {
          viol[c] = p.groupViolations(group, all[c]);
        }
        m.add(members);
        g.add(group);
        keep(rules, all, viol, o, v);
      }
      members = m.toArray(new int[0][]);
      options = o.toArray(new int[0][][]);
      violations = v.toArray(new int[0][]);
      groupOf = g.stream().mapToInt(Integer::intValue).toArray();
      unitOf = new int[n];
      for (int u = 0; u < members.length; u++) {
        for (int i : members[u]) {
          unitOf[i] = u;
        }
      }
    }

    /** Each member a unit of its own (no rules, a group of one, or a group too large even for the family). */
    private static void singles(
        SearchProblem p,
        RuleHandling rules,
        int group,
        int[] members,
        List<int[]> m,
        List<int @Nullable [][]> o,
        List<int @Nullable []> v,
        List<Integer> g) {
      int k = p.labelSpace().size();
      for (int i : members) {
        m.add(new int[] {i});
        g.add(group);
        if (members.length == 1 || !p.hasRules()) {
          int[][] single = new int[k][];
          int[] viol = new int[k];
          for (int y = 0; y < k; y++) {
            single[y] = new int[] {y};
            viol[y] = members.length == 1 ? p.groupViolations(group, single[y]) : 0;
          }
          if (p.trustedLabel(i) >= 0) {
            int y = p.trustedLabel(i);
            single = new int[][] {single[y]};
            viol = new int[] {viol[y]};
          }
          keep(rules, single, viol, o, v);
        } else {
          o.add(null);
          v.add(null);
        }
      }
    }

    private static boolean keepsTrusted(SearchProblem p, int[] members, int[] a) {
      for (int q = 0; q < members.length; q++) {
        int t = p.trustedLabel(members[q]);
        if (t >= 0 && t != a[q]) {
          return false;
        }
      }
      return true;
    }

    /** Every assignment of {@code m} members, in lexicographic order of label indices. */
    static List<int[]> every(int m, int k) {
      int count = (int) Math.pow(k, m);
      List<int[]> out = new ArrayList<>(count);
      for (int c = 0; c < count; c++) {
        int[] a = new int[m];
        long rest = c;
        for (int q = m - 1; q >= 0; q--) {
          a[q] = (int) (rest % k);
          rest /= k;
        }
        out.add(a);
      }
      return out;
    }

    /**
     * The assignments of {@code m} members that give every member the label {@code b}, for each
     * label {@code b}, and those that give one member another label: {@code k + m k (k - 1)}.
     */
    static List<int[]> family(int m, int k) {
      List<int[]> out = new ArrayList<>();
      for (int b = 0; b < k; b++) {
        int[] base = new int[m];
        Arrays.fill(base, b);
        out.add(base);
        for (int j = 0; j < m; j++) {
          for (int y = 0; y < k; y++) {
            if (y != b) {
              int[] a = base.clone();
              a[j] = y;
              out.add(a);
            }
          }
        }
      }
      return out;
    }

    private static void keep(
        RuleHandling rules, int[][] all, int[] viol, List<int @Nullable [][]> o, List<int @Nullable []> v) {
      if (rules == RuleHandling.PENALTIES) {
        o.add(all);
        v.add(viol);
        return;
      }
      int least = Arrays.stream(viol).min().orElse(0);
      List<int[]> kept = new ArrayList<>();
      for (int c = 0; c < all.length; c++) {
        if (viol[c] == least) {
          kept.add(all[c]);
        }
      }
      int[] keptViol = new int[kept.size()];
      Arrays.fill(keptViol, least);
      o.add(kept.toArray(new int[0][]));
      v.add(keptViol);
    }

    int count() {
      return members.length;
    }
  }

  /** The allowed assignments of unit {@code u} given the current labels (for large-group members: every label). */
  private int[][] options(int u) {
    if (contrastOptions != null) {
      return contrastOptions[u];
    }
    int[][] o = units.options[u];
    if (o != null) {
      return o;
    }
    int trusted = p.trustedLabel(units.members[u][0]);
    if (trusted >= 0) {
      return new int[][] {{trusted}};
    }
    int k = p.labelSpace().size();
    int[][] all = new int[k][];
    for (int y = 0; y < k; y++) {
      all[y] = new int[] {y};
    }
    return all;
  }

  /** Violations of option {@code c} of unit {@code u} (for large-group members: in the current labels). */
  private int violations(int u, int c, int[] labels) {
    int[] v =
        contrastOptions != null
            ? java.util.Objects.requireNonNull(contrastViolations, "set with contrastOptions")[u]
            : units.violations[u];
    if (v != null) {
      return v[c];
    }
    int group = units.groupOf[u];
    int[] members = p.group(group);
    int[] a = new int[members.length];
    for (int q = 0; q < members.length; q++) {
      a[q] = members[q] == units.members[u][0] ? options(u)[c][0] : labels[members[q]];
    }
    return p.groupViolations(group, a);
  }

  /** The model's log-odds (or log-probability) for label {@code y} from a row. */
  private double own(double[] row, int y) {
    return signedOdds
        ? row[y] - Scoring.logSumExpExcept(row, y)
        : row[y] - Scoring.logSumExpExcept(row, -1);
  }

  /** Predicted U contribution of option {@code c} of unit {@code u}: its own terms and violations. */
  private double predicted(int u, int c, double[] @Nullable [] rows, int[] labels) {
    int[] a = options(u)[c];
    int[] m = units.members[u];
    double own = 0;
    for (int q = 0; q < m.length; q++) {
      double[] row = rows[m[q]];
      if (row != null) {
        own += own(row, a[q]);
      }
    }
    return scale * own - violations(u, c, labels);
  }

  /** Index of the unit's current assignment among its options, or -1 when it is not allowed. */
  private int current(int u, int[] labels) {
    int[][] o = options(u);
    int[] m = units.members[u];
    for (int c = 0; c < o.length; c++) {
      boolean same = true;
      for (int q = 0; q < m.length && same; q++) {
        same = o[c][q] == labels[m[q]];
      }
      if (same) {
        return c;
      }
    }
    return -1;
  }

  // ------------------------------------------------------------------ the run

  private ChainOutcome run() {
    ChainCheckpoint resume = p.resumeFrom();
    List<SearchState> saved = new ArrayList<>();
    if (resume != null) {
      for (ChainCheckpoint.Saved s : resume.saved()) {
        saved.add(p.restore(new ChainCheckpoint(0, 0, s.labels(), s.mutualPredictability(), List.of())));
      }
      history.addAll(resume.history());
      accepted = resume.accepted();
    }
    int stages = starts + POLISHED_ENDS + 1 + CONTRAST_STARTS;
    List<SearchState> ends = new ArrayList<>(saved.subList(0, Math.min(starts, saved.size())));
    for (int r = ends.size(); r < starts; r++) {
      if (p.cancelled()) {
        return cancelled(ends);
      }
      SearchState end = descend(start(r), "start " + r);
      if (p.cancelled()) {
        // a stage cut short is not finished: a resumed chain redoes it
        return cancelled(ends);
      }
      ends.add(end);
      saved.add(end);
      stage(saved, r + 1, stages);
    }
    // polish the best distinct ends with exact moves; every start that ended there now ends at the
    // polished labeling
    List<Integer> distinct = distinctByUtility(ends);
    int polished = Math.min(POLISHED_ENDS, distinct.size());
    // the U an end needed to be polished: the mirror is polished only when its descent beats it
    double polishBar = ends.get(distinct.get(polished - 1)).utility();
    SearchState best = null;
    int bestEnd = -1;
    for (int t = 0; t < polished; t++) {
      int first = distinct.get(t);
      SearchState q;
      if (saved.size() > starts + t) {
        q = saved.get(starts + t);
      } else {
        if (p.cancelled()) {
          return cancelled(ends);
        }
        q = polish(ends.get(first), "polish");
        if (p.cancelled()) {
          return cancelled(ends);
        }
        saved.add(q);
        stage(saved, starts + t + 1, stages);
      }
      int[] unpolished = ends.get(first).labels();
      for (int r = 0; r < starts; r++) {
        if (Arrays.equals(ends.get(r).labels(), unpolished)) {
          ends.set(r, q);
        }
      }
      if (best == null || q.utility() > best.utility()) {
        best = q;
        bestEnd = first;
      }
    }
    if (best == null) {
      throw new IllegalStateException("a multi-start search with " + starts + " starts found no labeling");
    }
    if (p.labelSpace().size() == 2) {
      SearchState m;
      if (saved.size() > starts + polished) {
        m = saved.get(starts + polished);
      } else {
        if (p.cancelled()) {
          return cancelled(ends);
        }
        m = descend(mirror(best), "mirror");
        if (m.utility() > polishBar) {
          // polished only when its descent beats an end that was polished: polishing a mirror that
          // cannot win took 39% of the sweeps on the planted worlds with rules
          m = polish(m, "mirror");
        }
        if (p.cancelled()) {
          return cancelled(ends);
        }
        saved.add(m);
        stage(saved, stages - CONTRAST_STARTS, stages);
      }
      ends.add(m);
      if (m.utility() > best.utility()) {
        best = m;
        bestEnd = ends.size() - 1;
      }
    }
    // contrast starts: the best labeling of another concept
    int base = starts + polished + (p.labelSpace().size() == 2 ? 1 : 0);
    int[] kept = best.labels();
    List<int[]> seeds = contrastSeeds(kept);
    SearchState bestContrast = null;
    for (int t = 0; t < seeds.size(); t++) {
      SearchState c;
      if (saved.size() > base + t) {
        c = saved.get(base + t);
      } else {
        if (p.cancelled()) {
          return cancelled(ends);
        }
        c = contrast(kept, seeds.get(t), "contrast " + t);
        if (p.cancelled()) {
          return cancelled(ends);
        }
        saved.add(c);
        stage(saved, stages - seeds.size() + t + 1, stages);
      }
      ends.add(c);
      if (!Arrays.equals(c.labels(), kept) && (bestContrast == null || c.utility() > bestContrast.utility())) {
        bestContrast = c;
      }
    }
    if (bestContrast != null && bestContrast.utility() > best.utility()) {
      // a contrast start found a better labeling than every ordinary start: polish it and keep it
      int at = base + seeds.size();
      SearchState q;
      if (saved.size() > at) {
        q = saved.get(at);
      } else {
        if (p.cancelled()) {
          return cancelled(ends);
        }
        q = polish(bestContrast, "contrast polish");
        if (p.cancelled()) {
          return cancelled(ends);
        }
        saved.add(q);
        stage(saved, stages, stages);
      }
      int[] unpolished = bestContrast.labels();
      for (int r = ends.size() - seeds.size(); r < ends.size(); r++) {
        if (Arrays.equals(ends.get(r).labels(), unpolished)) {
          ends.set(r, q);
        }
      }
      best = q;
      for (int r = 0; r < ends.size(); r++) {
        if (Arrays.equals(ends.get(r).labels(), q.labels())) {
          bestEnd = r;
          break;
        }
      }
    }
    return new ChainOutcome(best, history.size(), accepted, history, false, ends, bestEnd);
  }

  /**
   * The seeds of the contrast starts: units in a seeded order, each with every assignment the
   * kept labeling does not give it, the first {@link #CONTRAST_STARTS} of them; each seed labels
   * one unit (and the trusted examples).
   */
  private List<int[]> contrastSeeds(int[] kept) {
    RandomGenerator rng = new SplitMix64(SplitMix64.derive(p.seed(), 0xC0417A57L));
    List<int[]> out = new ArrayList<>();
    for (int u : shuffled(units.count(), rng)) {
      int[][] o = options(u);
      int cur = current(u, kept);
      if (o.length < 2) {
        continue;
      }
      for (int c = 0; c < o.length && out.size() < CONTRAST_STARTS; c++) {
        if (c != cur) {
          int[] seed = unlabelled();
          assign(seed, u, c);
          out.add(seed);
        }
      }
      if (out.size() >= CONTRAST_STARTS) {
        break;
      }
    }
    return out;
  }

  /**
   * One contrast start: completed from its seed and descended while no unit may take the kept
   * labeling's assignment, then descended freely.
   */
  private SearchState contrast(int[] kept, int[] seed, String what) {
    int uc = units.count();
    int[][][] o = new int[uc][][];
    int[] @Nullable [] v = new int[uc][];
    for (int u = 0; u < uc; u++) {
      int[][] all = options(u);
      int[] viol = units.violations[u];
      int cur = current(u, kept);
      if (all.length < 2 || cur < 0) {
        o[u] = all;
        v[u] = viol;
        continue;
      }
      List<int[]> left = new ArrayList<>();
      List<Integer> leftViol = new ArrayList<>();
      for (int c = 0; c < all.length; c++) {
        if (c != cur) {
          left.add(all[c]);
          leftViol.add(viol == null ? 0 : viol[c]);
        }
      }
      o[u] = left.toArray(new int[0][]);
      v[u] = viol == null ? null : leftViol.stream().mapToInt(Integer::intValue).toArray();
    }
    SearchState s;
    contrastOptions = o;
    contrastViolations = v;
    try {
      s = descend(complete(seed, what), what);
    } finally {
      contrastOptions = null;
      contrastViolations = null;
    }
    return descend(restoreWeakest(s, kept, what), what + " (free)");
  }

  /**
   * A labeling built while it could not agree with the kept one anywhere may be another concept
   * that agrees with the kept one on some units (where both concepts pick the same assignment):
   * those units then hold the assignments its context predicts worst. The units it predicts worst
   * take the kept labeling's assignment back together, 1, 2, 4, ... of them (up to half), and the
   * best of these labelings is kept if it raises U: one unit at a time would lower U first.
   */
  private SearchState restoreWeakest(SearchState s, int[] kept, String what) {
    double[] @Nullable [] rows = p.leaveOneOutRows(s);
    int[] labels = s.labels();
    List<Integer> candidates = new ArrayList<>();
    double[] support = new double[units.count()];
    int[] back = new int[units.count()];
    for (int u = 0; u < units.count(); u++) {
      int k = current(u, kept);
      int cur = current(u, labels);
      if (k < 0 || cur < 0 || k == cur) {
        continue;
      }
      double sum = 0;
      for (int i : units.members[u]) {
        sum += rows[i] == null ? 0 : own(rows[i], labels[i]);
      }
      support[u] = sum / units.members[u].length;
      back[u] = k;
      candidates.add(u);
    }
    candidates.sort(Comparator.comparingDouble((Integer u) -> support[u]).thenComparingInt(u -> u));
    SearchState best = s;
    for (int j = 1; j <= candidates.size() / 2; j *= 2) {
      if (p.cancelled()) {
        return best;
      }
      SearchState t = apply(s, candidates.subList(0, j), back);
      boolean up = t.utility() > best.utility();
      record(up ? t : best, t, up, j == 1 ? candidates.get(0) : -1, what + " restore");
      if (up) {
        best = t;
      }
    }
    return best;
  }

  private ChainOutcome cancelled(List<SearchState> ends) {
    if (lastStage != null) {
      // the state of the last finished stage: a resumed chain redoes the stage it was in
      p.offerCheckpoint(lastStageIteration, lastStage);
    }
    SearchState best = null;
    int at = -1;
    for (int i = 0; i < ends.size(); i++) {
      if (best == null || ends.get(i).utility() > best.utility()) {
        best = ends.get(i);
        at = i;
      }
    }
    if (best == null) {
      int[] none = new int[p.size()];
      Arrays.fill(none, -1);
      best = p.evaluate(none);
    }
    return new ChainOutcome(best, history.size(), accepted, history, true, ends, at);
  }

  /** Indices of ends with distinct labelings, highest U first (the first start on ties). */
  private static List<Integer> distinctByUtility(List<SearchState> ends) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < ends.size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.comparingDouble((Integer i) -> -ends.get(i).utility()).thenComparingInt(i -> i));
    List<Integer> out = new ArrayList<>();
    for (int i : order) {
      boolean seen = false;
      for (int j : out) {
        seen |= Arrays.equals(ends.get(i).labels(), ends.get(j).labels());
      }
      if (!seen) {
        out.add(i);
      }
    }
    return out;
  }

  /** A stage is done: progress event and a checkpoint of everything finished so far. */
  private void stage(List<SearchState> saved, int done, int total) {
    p.listener().onProgress(p.batchIndex(), p.chainIndex(), done, total);
    List<ChainCheckpoint.Saved> s = new ArrayList<>(saved.size());
    for (SearchState x : saved) {
      s.add(new ChainCheckpoint.Saved(x.labels(), x.mutualPredictability()));
    }
    SearchState last = saved.get(saved.size() - 1);
    List<IterationRecord> h = List.copyOf(history);
    int acc = accepted;
    int it = history.size();
    lastStage = () -> new ChainCheckpoint(it, acc, last.labels(), last.mutualPredictability(), h, new int[0], 0, s);
    lastStageIteration = it;
    p.offerCheckpoint(it, lastStage);
  }

  // ------------------------------------------------------------------ starts

  /** The labeling with only the trusted labels: what every seed starts from. */
  private int[] unlabelled() {
    int[] none = new int[p.size()];
    for (int i = 0; i < none.length; i++) {
      none[i] = p.trustedLabel(i);
    }
    return none;
  }

  /** Start {@code r}: 0 the confident zero-shot seed, 1 the zero-shot labeling, then seeds. */
  private SearchState start(int r) {
    if (r == 0) {
      return complete(confidentSeed(), "start 0 (confident zero-shot seed)");
    }
    if (r == 1) {
      return complete(unlabelled(), "start 1 (zero-shot)");
    }
    return complete(seed(r), "start " + r);
  }

  /** The model's rows for every example with an empty context. */
  private double[][] zeroShot() {
    int[] all = new int[p.size()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    return p.predict(unlabelled(), all);
  }

  /** The units the model is most sure of without context (margin of best over second option), at least K labels. */
  private int[] confidentSeed() {
    double[][] rows = zeroShot();
    int[] labels = unlabelled();
    int uc = units.count();
    double[] margin = new double[uc];
    int[] choice = new int[uc];
    for (int u = 0; u < uc; u++) {
      double b1 = Double.NEGATIVE_INFINITY;
      double b2 = Double.NEGATIVE_INFINITY;
      int[][] o = options(u);
      for (int c = 0; c < o.length; c++) {
        double s = predicted(u, c, rows, labels);
        if (s > b1) {
          b2 = b1;
          b1 = s;
          choice[u] = c;
        } else if (s > b2) {
          b2 = s;
        }
      }
      margin[u] = o.length == 1 ? 0 : b1 - b2;
    }
    Integer[] order = new Integer[uc];
    for (int u = 0; u < uc; u++) {
      order[u] = u;
    }
    Arrays.sort(order, Comparator.comparingDouble((Integer u) -> -margin[u]).thenComparingInt(u -> u));
    int taken = 0;
    for (int u : order) {
      if (taken >= p.settings().initialLabels()) {
        break;
      }
      assign(labels, u, choice[u]);
      taken += units.members[u].length;
    }
    return labels;
  }

  /**
   * Seed of start {@code r >= 2}: the starts from 2 on take, one after another, every assignment of
   * a few units (as many units as the starts can cover), so that one of them labels those units as
   * the model's best labeling does; starts beyond those assignments take random units with random
   * options, at least K labels.
   */
  private int[] seed(int r) {
    RandomGenerator plan = new SplitMix64(SplitMix64.derive(p.seed(), 0x5EED));
    int uc = units.count();
    int[] order = shuffled(uc, plan);
    int slots = starts - 2;
    List<Integer> seedUnits = new ArrayList<>();
    long combos = 1;
    for (int u : order) {
      int size = options(u).length;
      if (size < 2) {
        continue;
      }
      if (combos * size > slots && !seedUnits.isEmpty()) {
        break;
      }
      seedUnits.add(u);
      combos *= size;
      if (combos >= slots) {
        break;
      }
    }
    int[] labels = unlabelled();
    int slot = r - 2;
    if (slot < combos && combos <= slots) {
      int[] comboOrder = shuffled((int) combos, plan);
      long rest = comboOrder[slot];
      for (int u : seedUnits) {
        int size = options(u).length;
        assign(labels, u, (int) (rest % size));
        rest /= size;
      }
      return labels;
    }
    RandomGenerator rng = new SplitMix64(SplitMix64.derive(p.seed(), 0x5EED, r));
    int taken = 0;
    for (int u : shuffled(uc, rng)) {
      if (taken >= p.settings().initialLabels()) {
        break;
      }
      assign(labels, u, rng.nextInt(options(u).length));
      taken += units.members[u].length;
    }
    return labels;
  }

  private static int[] shuffled(int n, RandomGenerator rng) {
    int[] a = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  private void assign(int[] labels, int u, int c) {
    int[] a = options(u)[c];
    int[] m = units.members[u];
    for (int q = 0; q < m.length; q++) {
      labels[m[q]] = a[q];
    }
  }

  /**
   * Completes a partial labeling: the model predicts every unlabelled example with the labelled
   * ones as context (one scorer call), and each unit takes its best allowed option that keeps its
   * labelled members (any allowed option when none does).
   */
  private SearchState complete(int[] seed, String what) {
    int n = p.size();
    int[] labels = seed.clone();
    int[] open = java.util.stream.IntStream.range(0, n).filter(i -> seed[i] < 0).toArray();
    if (open.length > 0) {
      double[][] rows = new double[n][];
      double[][] predicted = p.predict(seed, open);
      for (int q = 0; q < open.length; q++) {
        rows[open[q]] = predicted[q];
      }
      for (int u = 0; u < units.count(); u++) {
        int[] m = units.members[u];
        boolean anyOpen = false;
        for (int i : m) {
          anyOpen |= seed[i] < 0;
        }
        if (!anyOpen) {
          continue;
        }
        int[][] o = options(u);
        int best = -1;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int pass = 0; pass < 2 && best < 0; pass++) {
          for (int c = 0; c < o.length; c++) {
            boolean keeps = true;
            for (int q = 0; q < m.length && keeps; q++) {
              keeps = seed[m[q]] < 0 || o[c][q] == seed[m[q]];
            }
            if (pass == 0 && !keeps) {
              continue;
            }
            double s = predicted(u, c, rows, labels);
            if (s > bestScore) {
              bestScore = s;
              best = c;
            }
          }
        }
        if (best < 0) {
          // every prediction overflowed (rows clamped to -Double.MAX_VALUE, say): the energy of
          // the completed labeling is then infinite too, and evaluating it fails the run, naming
          // the example and the remedy
          best = 0;
        }
        assign(labels, u, best);
      }
    }
    SearchState s = p.evaluate(labels);
    record(what, "(complete labeling)", true, s);
    return s;
  }

  /** The mirror of a complete binary labeling: every label swapped. */
  private SearchState mirror(SearchState s) {
    int[] labels = s.labels();
    int[] idx = new int[labels.length];
    for (int i = 0; i < labels.length; i++) {
      idx[i] = i;
      labels[i] = labels[i] < 0 ? -1 : 1 - labels[i];
    }
    SearchState m = p.change(s, idx, labels);
    record("*mirror*", "(all labels swapped)", true, m);
    return m;
  }

  // ------------------------------------------------------------------ moves

  /** Predicted descent: block moves of the units of highest predicted gain while U rises. */
  private SearchState descend(SearchState s, String what) {
    int uc = units.count();
    for (int step = 0; step < 4 * uc + 10; step++) {
      if (p.cancelled()) {
        return s;
      }
      double[] @Nullable [] rows = p.leaveOneOutRows(s);
      int[] labels = s.labels();
      double[] gain = new double[uc];
      int[] choice = new int[uc];
      List<Integer> forced = new ArrayList<>();
      List<Integer> candidates = new ArrayList<>();
      for (int u = 0; u < uc; u++) {
        int cur = current(u, labels);
        int[][] o = options(u);
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < o.length; c++) {
          double sc = predicted(u, c, rows, labels);
          if (sc > bestScore) {
            bestScore = sc;
            choice[u] = c;
          }
        }
        if (cur < 0) {
          forced.add(u);
        } else if (bestScore - predicted(u, cur, rows, labels) > EPS) {
          gain[u] = bestScore - predicted(u, cur, rows, labels);
          candidates.add(u);
        }
      }
      if (!forced.isEmpty()) {
        // units outside their allowed options (after the mirror move) take their best allowed one
        s = apply(s, forced, choice);
        record(s, s, true, -1, what + " repair");
        continue;
      }
      if (candidates.isEmpty()) {
        return s;
      }
      candidates.sort(Comparator.comparingDouble((Integer u) -> -gain[u]).thenComparingInt(u -> u));
      List<List<Integer>> moves = new ArrayList<>();
      for (int m = candidates.size(); ; m = (m + 1) / 2) {
        moves.add(candidates.subList(0, m));
        if (m == 1) {
          break;
        }
      }
      for (int c = 1; c < Math.min(candidates.size(), 1 + EXTRA_SINGLES); c++) {
        moves.add(candidates.subList(c, c + 1));
      }
      SearchState next = null;
      for (List<Integer> move : moves) {
        SearchState t = apply(s, move, choice);
        boolean up = t.utility() > s.utility();
        record(up ? t : s, t, up, move.size() == 1 ? move.get(0) : -1, what);
        if (up) {
          next = t;
          break;
        }
      }
      if (next == null) {
        return s;
      }
      s = next;
    }
    return s;
  }

  /** Exact moves: every unit's most promising other options evaluated, the best kept if U rises. */
  private SearchState polish(SearchState s, String what) {
    int uc = units.count();
    // how far actual gains exceeded predicted ones: the moves that cannot win are skipped
    int samples = 0;
    double excess = 0;
    // only where a sweep is cut to POLISH_OPTIONS per unit: small batches, where the predictions
    // are least accurate, keep every option tried
    boolean skipping = uc * POLISH_OPTIONS >= POLISH_SWEEP;
    for (int sweep = 0; sweep < 50; sweep++) {
      boolean improved = false;
      double[] @Nullable [] rows = p.leaveOneOutRows(s);
      int[] labels = s.labels();
      double[] gain = new double[uc];
      for (int u = 0; u < uc; u++) {
        int cur = current(u, labels);
        double best = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < options(u).length; c++) {
          if (c != cur) {
            best = Math.max(best, predicted(u, c, rows, labels));
          }
        }
        gain[u] = best - (cur < 0 ? 0 : predicted(u, cur, rows, labels));
      }
      Integer[] order = new Integer[uc];
      for (int u = 0; u < uc; u++) {
        order[u] = u;
      }
      Arrays.sort(order, Comparator.comparingDouble((Integer u) -> -gain[u]).thenComparingInt(u -> u));
      for (int u : order) {
        if (p.cancelled()) {
          return s;
        }
        int[][] o = options(u);
        if (o.length < 2) {
          continue;
        }
        int cur = current(u, labels);
        double[] score = new double[o.length];
        Integer[] opts = new Integer[o.length];
        for (int c = 0; c < o.length; c++) {
          opts[c] = c;
          score[c] = predicted(u, c, rows, labels);
        }
        Arrays.sort(opts, Comparator.comparingDouble((Integer c) -> -score[c]).thenComparingInt(c -> c));
        double here = cur < 0 ? 0 : score[cur];
        List<SearchState> tried = new ArrayList<>();
        SearchState bestMove = null;
        for (int c : opts) {
          if (c == cur) {
            continue;
          }
          if (tried.size() >= Math.max(POLISH_OPTIONS, (POLISH_SWEEP + uc - 1) / uc)) {
            break;
          }
          double predictedGain = score[c] - here;
          if (skipping && samples >= SKIP_AFTER && predictedGain + SKIP_MARGIN * excess < 0) {
            break; // options come best predicted first: none of the rest can win either
          }
          int[] choice = new int[uc];
          choice[u] = c;
          SearchState t = apply(s, List.of(u), choice);
          samples++;
          excess = Math.max(excess, (t.utility() - s.utility()) - predictedGain);
          tried.add(t);
          if (t.utility() > s.utility() && (bestMove == null || t.utility() > bestMove.utility())) {
            bestMove = t;
          }
        }
        // the decision comes after every option of the unit was scored: the rejected ones first
        for (SearchState t : tried) {
          if (t != bestMove) {
            record(s, t, false, u, what);
          }
        }
        if (bestMove != null) {
          record(bestMove, bestMove, true, u, what);
        }
        if (bestMove != null) {
          s = bestMove;
          rows = p.leaveOneOutRows(s);
          labels = s.labels();
          improved = true;
        }
      }
      if (!improved) {
        return s;
      }
    }
    return s;
  }

  private SearchState apply(SearchState s, List<Integer> us, int[] choice) {
    int size = 0;
    for (int u : us) {
      size += units.members[u].length;
    }
    int[] idx = new int[size];
    int[] lab = new int[size];
    int at = 0;
    for (int u : us) {
      int[] m = units.members[u];
      int[] a = options(u)[choice[u]];
      for (int q = 0; q < m.length; q++) {
        idx[at] = m[q];
        lab[at++] = a[q];
      }
    }
    return p.change(s, idx, lab);
  }

  // ------------------------------------------------------------------ records

  /**
   * Records one evaluated move: {@code tried} is the candidate, {@code after} the current labeling
   * after the decision, {@code unit} the unit moved ({@code -1}: several).
   */
  private void record(SearchState after, SearchState tried, boolean accept, int unit, String what) {
    String id = unit < 0 ? "*" + what + "*" : p.example(units.members[unit][0]).id();
    if (accept) {
      accepted++;
    }
    emit(new IterationRecord(
        history.size() + 1, 0, id, unit < 0 ? "(" + what + ")" : describe(tried, unit), 0, accept,
        after.utility(), after.mutualPredictability(), after.inconsistency(), after.labelledCount()),
        after);
  }

  private void record(String what, String proposed, boolean accept, SearchState s) {
    if (accept) {
      accepted++;
    }
    emit(new IterationRecord(
        history.size() + 1, 0, what, proposed, 0, accept, s.utility(), s.mutualPredictability(),
        s.inconsistency(), s.labelledCount()), s);
  }

  private String describe(SearchState t, int unit) {
    if (unit < 0) {
      return "(several units)";
    }
    StringBuilder sb = new StringBuilder();
    for (int i : units.members[unit]) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(p.labelSpace().name(t.label(i)));
    }
    return sb.toString();
  }

  private void emit(IterationRecord r, SearchState current) {
    history.add(r);
    p.listener().onIteration(p.batchIndex(), p.chainIndex(), r);
    if (observesLabels) {
      p.listener().onLabels(p.batchIndex(), p.chainIndex(), r.iteration(), Problem.labeling(p, current));
    }
  }
}
