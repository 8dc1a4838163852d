package org.icm4j.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ScoreMemoTest {
  private static final int[] LABELS = {0, 1, -1, 1};

  @Test
  void remembersAMutualPredictability_byItsLabelsOnly() {
    ScoreMemo memo = new ScoreMemo(8, 2);
    memo.putMutualPredictability(LABELS, 1.25);
    assertThat(memo.mutualPredictability(new int[] {0, 1, -1, 1})).isEqualTo(1.25);
    assertThat(memo.mutualPredictability(new int[] {0, 1, 0, 1})).isNull();
    assertThat(memo.mutualPredictability(new int[] {1, 1, -1, 1})).isNull();
    assertThat(memo.hits).isEqualTo(1);
  }

  @Test
  void aPredictionIgnoresTheQueriedExamplesOwnLabel_andNeverMeetsALabeling() {
    ScoreMemo memo = new ScoreMemo(8, 2);
    memo.putRow(LABELS, 1, new double[] {-0.5, -1.0});
    // the context of example 1 is the other labels: its own label (1, 0 or none) is not part of it
    assertThat(memo.row(new int[] {0, 0, -1, 1}, 1)).containsExactly(-0.5, -1.0);
    assertThat(memo.row(new int[] {0, -1, -1, 1}, 1)).containsExactly(-0.5, -1.0);
    // another query, or another context, is another question
    assertThat(memo.row(LABELS, 0)).isNull();
    assertThat(memo.row(new int[] {1, 1, -1, 1}, 1)).isNull();
    // a labeling and a prediction over the same labels have different keys
    assertThat(memo.mutualPredictability(LABELS)).isNull();
    assertThat(ScoreMemo.key(LABELS, -1)).isNotEqualTo(ScoreMemo.key(LABELS, 1));
    for (int q = 0; q < LABELS.length; q++) {
      assertThat(ScoreMemo.key(LABELS, q)).isNotEqualTo(ScoreMemo.key(LABELS, -1));
    }
  }

  @Test
  void rowsAreCopied_inAndOut() {
    ScoreMemo memo = new ScoreMemo(8, 2);
    double[] row = {-0.5, -1.0};
    memo.putRow(LABELS, 2, row);
    row[0] = 99;
    double[] out = memo.row(LABELS, 2);
    assertThat(out).containsExactly(-0.5, -1.0);
    out[1] = 99;
    assertThat(memo.row(LABELS, 2)).containsExactly(-0.5, -1.0);
  }

  @Test
  void dropsTheLeastRecentlyUsedEntry_whenFull() {
    ScoreMemo memo = new ScoreMemo(2, 2);
    int[] a = {0, 0};
    int[] b = {0, 1};
    int[] c = {1, 0};
    memo.putMutualPredictability(a, 1);
    memo.putMutualPredictability(b, 2);
    assertThat(memo.mutualPredictability(a)).isEqualTo(1.0); // a is now more recent than b
    memo.putMutualPredictability(c, 3);
    assertThat(memo.size()).isEqualTo(2);
    assertThat(memo.mutualPredictability(b)).isNull();
    assertThat(memo.mutualPredictability(a)).isEqualTo(1.0);
    assertThat(memo.mutualPredictability(c)).isEqualTo(3.0);
  }

  @Test
  void isOff_atSizeZero_andForLabelSpacesTooLargeForItsKeys() {
    for (ScoreMemo off : new ScoreMemo[] {new ScoreMemo(0, 2), new ScoreMemo(8, ScoreMemo.MAX_LABELS)}) {
      assertThat(off.enabled()).isFalse();
      off.putMutualPredictability(LABELS, 1);
      assertThat(off.mutualPredictability(LABELS)).isNull();
      assertThat(off.size()).isZero();
    }
    assertThat(new ScoreMemo(8, ScoreMemo.MAX_LABELS - 1).enabled()).isTrue();
  }

  @Test
  void theLargestLabelsKeepDistinctKeys() {
    int top = ScoreMemo.MAX_LABELS - 2;
    assertThat(ScoreMemo.key(new int[] {top}, -1)).isNotEqualTo(ScoreMemo.key(new int[] {top - 1}, -1));
    assertThat(ScoreMemo.key(new int[] {top}, -1).charAt(0)).isLessThan(Character.MAX_VALUE);
  }
}
