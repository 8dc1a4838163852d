package org.icm4j.internal;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;

/**
 * A scorer that passes every call on and counts the work: calls, queries and the tokens the inner
 * scorer reports. Thread-safe when the inner scorer is.
 */
public final class CountingScorer implements LabelScorer {
  private final LabelScorer inner;
  private final AtomicLong calls = new AtomicLong();
  private final AtomicLong queries = new AtomicLong();
  private final AtomicLong tokens = new AtomicLong();

  public CountingScorer(LabelScorer inner) {
    this.inner = requireNonNull(inner, "inner");
  }

  /** The scorer it counts for. */
  public LabelScorer inner() {
    return inner;
  }

  @Override
  public ScoreResult score(LabelSpace labels, List<ScoreRequest> requests) {
    ScoreResult r = inner.score(labels, requests);
    count(requests.size(), r);
    return r;
  }

  @Override
  public ScoreResult scoreLeaveOneOut(LabelSpace labels, List<LabelledExample> labelled) {
    ScoreResult r = inner.scoreLeaveOneOut(labels, labelled);
    count(labelled.size(), r);
    return r;
  }

  @Override
  public List<ScoreRequest> leaveOneOutRequests(List<LabelledExample> labelled) {
    return inner.leaveOneOutRequests(labelled);
  }

  private void count(int n, ScoreResult r) {
    calls.incrementAndGet();
    queries.addAndGet(n);
    if (r != null) {
      tokens.addAndGet(r.tokens());
    }
  }

  /** Calls, queries and tokens so far. */
  public long[] counts() {
    return new long[] {calls.get(), queries.get(), tokens.get()};
  }

  @Override
  public String toString() {
    return inner.toString();
  }
}
