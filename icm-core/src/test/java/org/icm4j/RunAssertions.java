package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;

/** Comparisons of two runs' results, shared by the property and checkpoint tests. */
final class RunAssertions {
  private RunAssertions() {}

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
