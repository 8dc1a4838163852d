package org.icm4j.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.icm4j.LabelSpace;
import org.icm4j.result.AlternativeLabeling;
import org.icm4j.result.BatchSummary;
import org.icm4j.result.IcmWarning;
import org.icm4j.result.LabelDetail;
import org.icm4j.result.LabelSource;
import org.icm4j.result.LabelSuggestion;
import org.icm4j.spi.search.SearchState;
import org.jspecify.annotations.Nullable;

/**
 * Doubt about the concept, not only about the search: the labelings a batch's search met that
 * differ from the kept one, the warnings they (and the kept labeling itself) call for, and the
 * examples whose labels would decide between them. The thresholds are measured; see
 * docs/benchmarks.md, "Doubt about the concept". Stateless.
 */
final class Doubt {
  private Doubt() {}

  /** Alternatives kept in a batch's summary, highest U first. */
  static final int MAX_ALTERNATIVES = 3;

  /**
   * An alternative is another concept, not a variant of the kept labeling, when it labels at least
   * this share of the examples that are not trusted otherwise.
   */
  static final double MIN_DISAGREEMENT = 0.10;

  /**
   * An alternative competes when its P is at least this share of the kept labeling's P (and it
   * breaks no more rules): the objective barely prefers the kept one.
   */
  static final double COMPETING_P_RATIO = 0.7;


  /** A labeling that gives one label to at least this share of a batch's examples has collapsed. */
  static final double ONE_LABEL_SHARE = 0.95;

  /** The fewest labelled examples for which {@link IcmWarning.Kind#ONE_LABEL} is judged. */
  static final int ONE_LABEL_MIN_EXAMPLES = 10;

  /**
   * A trusted label whose leave-one-out probability is below this share of the uniform one ({@code
   * 1 / labels}) is suspect: below 0.25 for two labels.
   */
  static final double SUSPECT_SHARE_OF_UNIFORM = 0.5;

  /** The fewest examples another concept labels otherwise. */
  static final int MIN_DIFFERING = 8;

  /**
   * How many examples two labelings label differently when the labels of the second may be
   * renamed (the fewest over every one-to-one renaming; greedy beyond 6 labels); an example
   * unlabelled in either does not count.
   */
  static int differingUpToRenaming(List<@Nullable String> a, List<@Nullable String> b) {
    Map<String, Integer> ia = new LinkedHashMap<>();
    Map<String, Integer> ib = new LinkedHashMap<>();
    for (int i = 0; i < a.size(); i++) {
      if (a.get(i) != null && b.get(i) != null) {
        ia.putIfAbsent(a.get(i), ia.size());
        ib.putIfAbsent(b.get(i), ib.size());
      }
    }
    int k = Math.max(ia.size(), ib.size());
    int[][] table = new int[k][k];
    int both = 0;
    for (int i = 0; i < a.size(); i++) {
      String x = a.get(i);
      String y = b.get(i);
      if (x != null && y != null) {
        int row = java.util.Objects.requireNonNull(ib.get(y), "every label of b was indexed above");
        int column = java.util.Objects.requireNonNull(ia.get(x), "every label of a was indexed above");
        table[row][column]++;
        both++;
      }
    }
    int bestAgree = 0;
    if (k <= 6) {
      int[] perm = new int[k];
      for (int i = 0; i < k; i++) {
        perm[i] = i;
      }
      bestAgree = bestMatching(table, perm, 0);
    } else {
      boolean[] used = new boolean[k];
      for (int x = 0; x < k; x++) {
        int best = -1;
        for (int y = 0; y < k; y++) {
          if (!used[y] && (best < 0 || table[x][y] > table[x][best])) {
            best = y;
          }
        }
        used[best] = true;
        bestAgree += table[x][best];
      }
    }
    return both - bestAgree;
  }

  private static int bestMatching(int[][] table, int[] perm, int at) {
    if (at == perm.length) {
      int agree = 0;
      for (int x = 0; x < perm.length; x++) {
        agree += table[x][perm[x]];
      }
      return agree;
    }
    int best = 0;
    for (int i = at; i < perm.length; i++) {
      int t = perm[at];
      perm[at] = perm[i];
      perm[i] = t;
      best = Math.max(best, bestMatching(table, perm, at + 1));
      perm[i] = perm[at];
      perm[at] = t;
    }
    return best;
  }

  /** Suggestions kept per batch. */
  static final int MAX_SUGGESTIONS = 32;

  /**
   * The distinct labelings among {@code candidates} other than {@code kept} that disagree with it
   * on at least {@link #MIN_DISAGREEMENT} of the examples that are not trusted, highest U first,
   * at most {@link #MAX_ALTERNATIVES}; each with how many of the candidates ended at it.
   */
  static List<AlternativeLabeling> alternatives(
      LabelSpace space,
      int[] kept,
      double[] @Nullable [] keptRows,
      List<SearchState> candidates,
      java.util.function.Function<SearchState, double[] @Nullable []> rowsOf,
      boolean signedOdds,
      int[] trusted) {
    int free = 0;
    for (int t : trusted) {
      free += t < 0 ? 1 : 0;
    }
    Map<String, SearchState> distinct = new LinkedHashMap<>();
    Map<String, Integer> count = new HashMap<>();
    for (SearchState c : candidates) {
      int[] labels = c.labels();
      if (Arrays.equals(labels, kept)) {
        continue;
      }
      String key = Arrays.toString(labels);
      SearchState before = distinct.get(key);
      if (before == null || c.utility() > before.utility()) {
        distinct.put(key, c);
      }
      count.merge(key, 1, Integer::sum);
    }
    List<AlternativeLabeling> out = new ArrayList<>();
    List<Map.Entry<String, SearchState>> order = new ArrayList<>(distinct.entrySet());
    order.sort(Comparator.comparingDouble((Map.Entry<String, SearchState> e) -> -e.getValue().utility()));
    for (Map.Entry<String, SearchState> e : order) {
      if (out.size() == MAX_ALTERNATIVES) {
        break;
      }
      int[] labels = e.getValue().labels();
      int differ = 0;
      for (int i = 0; i < labels.length; i++) {
        if (trusted[i] < 0 && labels[i] >= 0 && kept[i] >= 0 && labels[i] != kept[i]) {
          differ++;
        }
      }
      double disagreement = free == 0 ? 0 : (double) differ / free;
      if (disagreement < MIN_DISAGREEMENT) {
        continue;
      }
      List<@Nullable String> names = new ArrayList<>(labels.length);
      for (int y : labels) {
        names.add(y < 0 ? null : space.name(y));
      }
      SearchState s = e.getValue();
      double[] @Nullable [] rows = rowsOf.apply(s);
      double own = 0;
      double theirs = 0;
      int m = 0;
      for (int i = 0; i < labels.length; i++) {
        if (trusted[i] < 0 && labels[i] >= 0 && kept[i] >= 0 && labels[i] != kept[i]
            && rows[i] != null && keptRows[i] != null) {
          own += support(rows[i], labels[i], signedOdds);
          theirs += support(keptRows[i], kept[i], signedOdds);
          m++;
        }
      }
      out.add(
          new AlternativeLabeling(
              names, s.utility(), s.mutualPredictability(), s.inconsistency(), disagreement,
              java.util.Objects.requireNonNull(count.get(e.getKey()), "counted with every distinct labeling"),
              m == 0 ? 0 : own / m, m == 0 ? 0 : theirs / m));
    }
    return out;
  }

  /** A label's signed log-odds (or log-probability) in a row. */
  private static double support(double[] row, int y, boolean signedOdds) {
    return signedOdds
        ? row[y] - Scoring.logSumExpExcept(row, y)
        : row[y] - Scoring.logSumExpExcept(row, -1);
  }

  /**
   * Whether an alternative competes with the kept labeling of {@code s}: it is another concept (it
   * labels at least {@link #MIN_DISAGREEMENT} and at least {@link #MIN_DIFFERING} of the batch's
   * examples otherwise, even after renaming its labels: a labeling with every label swapped is the
   * same concept under other names), breaks no more rules, and its P is at least {@link
   * #COMPETING_P_RATIO} of the kept one's.
   */
  static boolean competes(BatchSummary s, List<@Nullable String> keptLabels, AlternativeLabeling a) {
    int differing = differingUpToRenaming(keptLabels, a.labels());
    return differing >= MIN_DIFFERING
        && differing >= MIN_DISAGREEMENT * s.exampleIds().size()
        && a.inconsistency() <= s.inconsistency()
        && s.mutualPredictability() > 0
        && a.mutualPredictability() >= COMPETING_P_RATIO * s.mutualPredictability();
  }

  /**
   * The warnings about the concept of a batch: a competing labeling, a collapse to one label, and
   * suspect trusted labels.
   */
  static List<IcmWarning> warnings(
      BatchSummary s, LabelSpace space, Map<String, String> labels, Map<String, LabelDetail> details) {
    List<IcmWarning> out = new ArrayList<>();
    List<@Nullable String> kept = new ArrayList<>();
    for (String id : s.exampleIds()) {
      kept.add(labels.get(id));
    }
    for (AlternativeLabeling a : s.alternatives()) {
      if (competes(s, kept, a)) {
        out.add(
            new IcmWarning(
                IcmWarning.Kind.COMPETING_LABELING,
                s.index(),
                String.format(
                    Locale.ROOT,
                    "another labeling is nearly as coherent: it labels %.0f%% of the batch's %s"
                        + " otherwise, with P %.4g against the kept labeling's %.4g (U %.4g against"
                        + " %.4g, I %d against %d); the objective cannot tell the two concepts apart,"
                        + " and the kept one may be the wrong one. Compare them"
                        + " (BatchSummary.alternatives()), label a few of IcmResult.suggestions()"
                        + " yourself and run again with them as Icm.Builder.trustedLabels(...)",
                    100 * a.disagreement(),
                    s.trusted() > 0 ? "examples that are not trusted" : "examples",
                    a.mutualPredictability(),
                    s.mutualPredictability(),
                    a.utility(),
                    s.utility(),
                    a.inconsistency(),
                    s.inconsistency())));
        break; // one warning per batch: the strongest competitor
      }
    }
    if (space.size() > 1) {
      Map<String, Integer> perLabel = new LinkedHashMap<>();
      int labelled = 0;
      for (String id : s.exampleIds()) {
        String y = labels.get(id);
        if (y != null) {
          perLabel.merge(y, 1, Integer::sum);
          labelled++;
        }
      }
      if (labelled >= ONE_LABEL_MIN_EXAMPLES) {
        Map.Entry<String, Integer> top =
            perLabel.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
        if (top.getValue() >= ONE_LABEL_SHARE * labelled) {
          out.add(
              new IcmWarning(
                  IcmWarning.Kind.ONE_LABEL,
                  s.index(),
                  String.format(
                      Locale.ROOT,
                      "%d of the batch's %d labels are '%s' (the label space %s has %d labels): a"
                          + " model that predicts whatever label its context holds most finds such a"
                          + " labeling perfectly predictable, whatever the concept; add a rule that"
                          + " excludes it (for example Rules.exactlyOne() over candidates of one"
                          + " question), or give a few trusted labels of the other labels",
                      top.getValue(),
                      labelled,
                      top.getKey(),
                      space.names(),
                      space.size())));
        }
      }
    }
    List<LabelDetail> suspects = new ArrayList<>();
    for (String id : s.exampleIds()) {
      LabelDetail d = details.get(id);
      if (d != null && d.source() == LabelSource.TRUSTED && d.probability() < SUSPECT_SHARE_OF_UNIFORM / space.size()) {
        suspects.add(d);
      }
    }
    if (!suspects.isEmpty()) {
      StringBuilder named = new StringBuilder();
      for (LabelDetail d : suspects.subList(0, Math.min(5, suspects.size()))) {
        named.append(named.length() == 0 ? "" : ", ")
            .append(String.format(Locale.ROOT, "'%s' = '%s' (%.3f)", d.exampleId(), d.label(), d.probability()));
      }
      out.add(
          new IcmWarning(
              IcmWarning.Kind.SUSPECT_TRUSTED_LABEL,
              s.index(),
              suspects.size()
                  + " trusted label"
                  + (suspects.size() == 1 ? " is" : "s are")
                  + " very unlikely to the model given every other label of the batch (probability"
                  + " below "
                  + String.format(Locale.ROOT, "%.3g", SUSPECT_SHARE_OF_UNIFORM / space.size())
                  + ", half of the uniform 1/"
                  + space.size()
                  + "): "
                  + named
                  + (suspects.size() > 5 ? ", ..." : "")
                  + "; check them: a slip in a trusted label pulls the search away from the concept"));
    }
    return out;
  }

  /**
   * The examples of a batch whose trusted label would best decide between the kept labeling and
   * the alternatives: each alternative that labels an example otherwise adds its weight (its P
   * over the kept P, in [0, 1]), and the model's doubt about the kept label (1 minus its
   * leave-one-out probability) breaks ties. At most one example per group comes before every group
   * has had one. Trusted examples are never suggested.
   */
  static List<LabelSuggestion> suggestions(
      BatchSummary s, Map<String, String> labels, Map<String, LabelDetail> details, Map<String, String> groupOf) {
    List<String> ids = s.exampleIds();
    List<@Nullable String> keptLabels = new ArrayList<>();
    for (String id : ids) {
      keptLabels.add(labels.get(id));
    }
    List<LabelSuggestion> all = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      String kept = labels.get(id);
      LabelDetail d = details.get(id);
      if (kept == null || d == null || d.source() == LabelSource.TRUSTED) {
        continue;
      }
      double weight = 0;
      Map<String, Double> others = new LinkedHashMap<>();
      int competing = 0;
      for (AlternativeLabeling a : s.alternatives()) {
        String other = a.labels().get(i);
        if (other != null && !other.equals(kept)) {
          double w =
              s.mutualPredictability() > 0
                  ? Math.max(0, Math.min(1, a.mutualPredictability() / s.mutualPredictability()))
                  : 0;
          weight += w;
          others.merge(other, w, Double::sum);
          competing += competes(s, keptLabels, a) ? 1 : 0;
        }
      }
      if (others.isEmpty()) {
        continue;
      }
      double doubt = 1 - d.probability();
      List<String> otherLabels =
          others.entrySet().stream()
              .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
              .map(Map.Entry::getKey)
              .toList();
      int differing = countOthers(s, i, kept);
      String reason =
          String.format(
              Locale.ROOT,
              "%d of the %d other labelings kept for the batch label it '%s' instead of '%s'"
                  + " (%d of them nearly as coherent as the kept one); the model gives '%s' a"
                  + " probability of %.2f from the rest of the batch",
              differing,
              s.alternatives().size(),
              String.join("' or '", otherLabels),
              kept,
              competing,
              kept,
              d.probability());
      all.add(new LabelSuggestion(id, s.index(), weight + doubt, kept, otherLabels, reason));
    }
    all.sort(
        Comparator.comparingDouble(LabelSuggestion::score).reversed().thenComparing(LabelSuggestion::exampleId));
    // one per group first: a group's label is often decided by one of its members
    List<LabelSuggestion> first = new ArrayList<>();
    List<LabelSuggestion> rest = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (LabelSuggestion x : all) {
      (seen.add(groupOf.getOrDefault(x.exampleId(), x.exampleId())) ? first : rest).add(x);
    }
    first.addAll(rest);
    return first.subList(0, Math.min(MAX_SUGGESTIONS, first.size()));
  }

  private static int countOthers(BatchSummary s, int i, String kept) {
    int n = 0;
    for (AlternativeLabeling a : s.alternatives()) {
      String other = a.labels().get(i);
      if (other != null && !other.equals(kept)) {
        n++;
      }
    }
    return n;
  }
}
