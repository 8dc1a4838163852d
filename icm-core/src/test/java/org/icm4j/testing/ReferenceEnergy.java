package org.icm4j.testing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.icm4j.Example;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.spi.ConsistencyRule;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.jspecify.annotations.Nullable;

/**
 * U computed the slow, obvious way, independently of the engine: one explicit request per labelled
 * example, the official mean signed log-odds, and I from every pair of the data set (filtered to
 * same-group pairs) plus every group's group rules. The oracle of the property tests.
 */
public final class ReferenceEnergy {
  private ReferenceEnergy() {}

  /** Examples sorted by id, as the engine indexes them. */
  public static List<Example> sorted(List<Example> examples) {
    List<Example> s = new ArrayList<>(examples);
    s.sort(Comparator.comparing(Example::id));
    return s;
  }

  /** Mean signed log-odds of the labelled examples (binary space), 0 when none is labelled. */
  public static double mutualPredictability(
      LabelScorer scorer, LabelSpace space, List<Example> sorted, int[] labels) {
    List<LabelledExample> labelled = new ArrayList<>();
    for (int i = 0; i < labels.length; i++) {
      if (labels[i] >= 0) {
        labelled.add(new LabelledExample(sorted.get(i), space.name(labels[i])));
      }
    }
    if (labelled.isEmpty()) {
      return 0;
    }
    double sum = 0;
    for (int i = 0; i < labelled.size(); i++) {
      List<LabelledExample> context = new ArrayList<>(labelled);
      LabelledExample self = context.remove(i);
      ScoreResult r = scorer.score(space, List.of(new ScoreRequest(self.example(), context)));
      double[] lp = r.row(0);
      int y = space.indexOf(self.label());
      sum += lp[y] - lp[1 - y];
    }
    return sum / labelled.size();
  }

  /** Violated same-group pairs plus violated group rules. */
  public static int inconsistency(
      List<ConsistencyRule> rules, LabelSpace space, List<Example> sorted, int[] labels) {
    int count = 0;
    for (int a = 0; a < sorted.size(); a++) {
      for (int b = a + 1; b < sorted.size(); b++) {
        if (labels[a] < 0 || labels[b] < 0 || !sorted.get(a).group().equals(sorted.get(b).group())) {
          continue;
        }
        for (ConsistencyRule r : rules) {
          if (!r.pairConsistent(sorted.get(a), space.name(labels[a]), sorted.get(b), space.name(labels[b]))) {
            count++;
            break;
          }
        }
      }
    }
    List<String> groups = sorted.stream().map(Example::group).distinct().toList();
    for (String g : groups) {
      List<Example> members = new ArrayList<>();
      List<@Nullable String> names = new ArrayList<>();
      for (int i = 0; i < sorted.size(); i++) {
        if (sorted.get(i).group().equals(g)) {
          members.add(sorted.get(i));
          names.add(labels[i] < 0 ? null : space.name(labels[i]));
        }
      }
      for (ConsistencyRule r : rules) {
        if (r.hasGroupPart() && !r.groupConsistent(members, names)) {
          count++;
        }
      }
    }
    return count;
  }

  /** alpha * P - I. */
  public static double utility(
      double alpha,
      LabelScorer scorer,
      List<ConsistencyRule> rules,
      LabelSpace space,
      List<Example> sorted,
      int[] labels) {
    return alpha * mutualPredictability(scorer, space, sorted, labels)
        - inconsistency(rules, space, sorted, labels);
  }
}
