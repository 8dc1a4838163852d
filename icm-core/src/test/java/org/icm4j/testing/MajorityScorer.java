package org.icm4j.testing;

import java.util.ArrayList;
import java.util.List;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;

/**
 * A learner that predicts the labels its context holds most, whatever the query: each label's
 * probability is its share of the context (add-one smoothed). Every labeling that gives all examples
 * one label is then the most mutually predictable one: the collapse ICM must warn about. Immutable
 * and thread-safe.
 */
public final class MajorityScorer implements LabelScorer {
  @Override
  public ScoreResult score(LabelSpace space, List<ScoreRequest> requests) {
    List<double[]> rows = new ArrayList<>(requests.size());
    long tokens = 0;
    for (ScoreRequest r : requests) {
      double[] counts = new double[space.size()];
      java.util.Arrays.fill(counts, 1);
      for (LabelledExample le : r.context()) {
        counts[space.indexOf(le.label())]++;
      }
      double total = r.context().size() + space.size();
      double[] row = new double[space.size()];
      for (int y = 0; y < row.length; y++) {
        row[y] = Math.log(counts[y] / total);
      }
      rows.add(row);
      tokens += r.context().size() + 1;
    }
    return new ScoreResult(rows, tokens);
  }

  @Override
  public String toString() {
    return "MajorityScorer";
  }
}
