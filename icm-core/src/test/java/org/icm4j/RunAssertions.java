package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;

import org.icm4j.result.IcmResult;

/** Comparisons of two runs' results, shared by the property and checkpoint tests. */
final class RunAssertions {
  private RunAssertions() {}

  /**
   * Runs a configuration without a score memo, with a memo of {@code smallMemo} entries (which
   * keeps evicting) and with the default memo: the same search each time, never more scorer calls
   * with a memo, and never more with the larger one.
   *
   * @return whether the default memo saved calls (a memo that never answers would pass the rest)
   */
  static boolean assertMemoChangesOnlyTheScorerCalls(
      Icm.Builder builder, java.util.List<Example> examples, int smallMemo) {
    IcmResult off = builder.scoreMemo(0).build().run(examples);
    IcmResult small = builder.scoreMemo(smallMemo).build().run(examples);
    IcmResult full = builder.scoreMemo(Icm.DEFAULT_SCORE_MEMO).build().run(examples);
    for (IcmResult on : java.util.List.of(small, full)) {
      assertSameSearch(off, on);
      assertThat(on.counts().scorerCalls()).isLessThanOrEqualTo(off.counts().scorerCalls());
    }
    assertThat(full.counts().scorerCalls()).isLessThanOrEqualTo(small.counts().scorerCalls());
    return full.counts().scorerCalls() < off.counts().scorerCalls();
  }

  /**
   * The result's I and U are those the reference implementation computes for its labels (an
   * unlabelled example counts as -1, as the reference takes it).
   */
  static void assertEnergyIsTheReference(
      IcmResult r, org.icm4j.testing.PlantedWorld w, java.util.List<org.icm4j.spi.ConsistencyRule> rules) {
    java.util.List<Example> sorted = org.icm4j.testing.ReferenceEnergy.sorted(w.examples());
    int[] labels = new int[sorted.size()];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = r.labels().label(sorted.get(i).id()).map(LabelSpace.binary()::indexOf).orElse(-1);
    }
    assertThat(r.inconsistency())
        .isEqualTo(org.icm4j.testing.ReferenceEnergy.inconsistency(rules, LabelSpace.binary(), sorted, labels));
    assertThat(r.utility())
        .isCloseTo(
            org.icm4j.testing.ReferenceEnergy.utility(
                Icm.DEFAULT_ALPHA, w.referenceScorer(), rules, LabelSpace.binary(), sorted, labels),
            org.assertj.core.api.Assertions.within(1e-6));
  }

  /** The same run: labels, energies, status, history, batches and every count. */
  static void assertSameRun(IcmResult expected, IcmResult actual) {
    assertSameSearch(expected, actual);
    assertThat(actual.counts()).isEqualTo(expected.counts());
  }

  /**
   * The same search, whatever the scorer was asked: everything {@link #assertSameRun} compares but
   * the scorer's work (calls, queries, tokens), which a score memo changes.
   */
  static void assertSameSearch(IcmResult expected, IcmResult actual) {
    assertThat(actual.status()).isEqualTo(expected.status());
    assertThat(actual.labels()).isEqualTo(expected.labels());
    assertThat(actual.utility()).isEqualTo(expected.utility());
    assertThat(actual.mutualPredictability()).isEqualTo(expected.mutualPredictability());
    assertThat(actual.inconsistency()).isEqualTo(expected.inconsistency());
    assertThat(actual.history()).isEqualTo(expected.history());
    assertThat(actual.batches()).isEqualTo(expected.batches());
    assertThat(actual.counts().iterations()).isEqualTo(expected.counts().iterations());
    assertThat(actual.counts().accepted()).isEqualTo(expected.counts().accepted());
    assertThat(actual.details()).isEqualTo(expected.details());
    assertThat(actual.warnings()).isEqualTo(expected.warnings());
  }
}
