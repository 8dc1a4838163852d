package org.icm4j.internal;

import java.util.Arrays;
import java.util.List;
import org.icm4j.InvalidScoreException;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.MutualPredictability;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;

/** Calls a scorer, validates what it answers, counts the work, and computes P(D). Not thread-safe. */
public final class Scoring {
  private final LabelScorer scorer;
  private final LabelSpace space;
  long calls;
  long queries;
  long tokens;

  Scoring(LabelScorer scorer, LabelSpace space) {
    this.scorer = scorer;
    this.space = space;
  }

  /** Scores requests and checks every row. */
  double[][] score(List<ScoreRequest> requests) {
    ScoreResult r;
    try {
      r = scorer.score(space, requests);
    } catch (RuntimeException e) {
      throw wrap(e, requests.get(0).query().id());
    }
    requireResult(r, requests.get(0).query().id());
    calls++;
    queries += requests.size();
    tokens += r.tokens();
    return check(r, requests.size(), i -> requests.get(i).query().id());
  }

  /** Leave-one-out scores of the labelled examples, checked. */
  double[][] leaveOneOut(List<LabelledExample> labelled) {
    ScoreResult r;
    try {
      r = scorer.scoreLeaveOneOut(space, labelled);
    } catch (RuntimeException e) {
      throw wrap(e, labelled.get(0).example().id());
    }
    requireResult(r, labelled.get(0).example().id());
    calls++;
    queries += labelled.size();
    tokens += r.tokens();
    return check(r, labelled.size(), i -> labelled.get(i).example().id());
  }

  private void requireResult(ScoreResult r, String firstId) {
    if (r == null) {
      throw new InvalidScoreException(
          "the scorer "
              + scorer.getClass().getName()
              + " returned null for a batch starting with example '"
              + firstId
              + "': it must return a ScoreResult with one row per request",
          firstId);
    }
  }

  private static RuntimeException wrap(RuntimeException e, String firstId) {
    if (e instanceof org.icm4j.IcmException) {
      return e;
    }
    return new org.icm4j.IcmException(
        "the scorer failed on a batch starting with example '" + firstId + "': " + e, firstId, e);
  }

  private double[][] check(ScoreResult r, int expected, java.util.function.IntFunction<String> id) {
    if (r.size() != expected) {
      throw new InvalidScoreException(
          "the scorer returned "
              + r.size()
              + " rows for "
              + expected
              + " requests (first query '"
              + id.apply(0)
              + "'): it must return one row per request",
          id.apply(0));
    }
    double[][] rows = new double[expected][];
    for (int i = 0; i < expected; i++) {
      double[] row = r.logProbs().get(i);
      if (row.length != space.size()) {
        throw new InvalidScoreException(
            "the scorer returned "
                + row.length
                + " log-probabilities for example '"
                + id.apply(i)
                + "', but the label space "
                + space.names()
                + " has "
                + space.size(),
            id.apply(i));
      }
      for (double v : row) {
        if (!Double.isFinite(v)) {
          throw new InvalidScoreException(
              "the scorer returned a non-finite log-probability for example '"
                  + id.apply(i)
                  + "': "
                  + Arrays.toString(row)
                  + " (labels "
                  + space.names()
                  + "); a scorer must return finite values",
              id.apply(i));
        }
      }
      rows[i] = row.clone();
    }
    return rows;
  }

  /** P(D) from the leave-one-out rows of the labelled examples and their labels. */
  static double mutualPredictability(MutualPredictability measure, double[][] rows, int[] labels) {
    if (rows.length == 0) {
      return 0;
    }
    double sum = 0;
    for (int i = 0; i < rows.length; i++) {
      double[] lp = rows[i];
      int y = labels[i];
      if (measure == MutualPredictability.MEAN_SIGNED_LOG_ODDS) {
        sum += lp[y] - logSumExpExcept(lp, y);
      } else {
        sum += lp[y] - logSumExpExcept(lp, -1);
      }
    }
    return measure == MutualPredictability.MEAN_SIGNED_LOG_ODDS ? sum / rows.length : sum;
  }

  /** log sum exp over all entries but {@code skip} ({@code -1}: none). */
  static double logSumExpExcept(double[] lp, int skip) {
    double max = Double.NEGATIVE_INFINITY;
    for (int j = 0; j < lp.length; j++) {
      if (j != skip && lp[j] > max) {
        max = lp[j];
      }
    }
    double s = 0;
    for (int j = 0; j < lp.length; j++) {
      if (j != skip) {
        s += Math.exp(lp[j] - max);
      }
    }
    return max + Math.log(s);
  }
}
