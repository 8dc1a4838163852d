package org.icm4j.internal;

import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileLockInterruptionException;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.icm4j.IcmException;
import org.icm4j.InvalidScoreException;
import org.icm4j.LabelSpace;
import org.icm4j.LabelledExample;
import org.icm4j.MutualPredictability;
import org.icm4j.spi.LabelScorer;
import org.icm4j.spi.ScoreRequest;
import org.icm4j.spi.ScoreResult;
import org.jspecify.annotations.Nullable;

/**
 * Calls a scorer, validates what it answers, counts the work, and computes P(D). Not thread-safe.
 *
 * <p>What a scorer throws is sorted here, once for every search: a failure because the thread was
 * interrupted becomes {@link Interrupted} (the engine ends the chain as cancelled); a {@link
 * VirtualMachineError} passes unchanged; an {@link IcmException} passes unchanged; anything else
 * (a {@code RuntimeException}, an {@code Error}, a checked exception thrown sneakily) is wrapped in
 * an {@code IcmException} that names the first example of the call. With a batch's {@link
 * #stopWhen abort flag}, a failure raises it at once, and no call starts once it is raised.
 */
public final class Scoring {
  private final LabelScorer scorer;
  private final LabelSpace space;
  long calls;
  long queries;
  long tokens;
  /** Raised when a chain of the batch failed: no further scorer call starts. */
  private @Nullable AtomicBoolean abort;

  Scoring(LabelScorer scorer, LabelSpace space) {
    this.scorer = scorer;
    this.space = space;
  }

  /**
   * The scorer failed because its thread was interrupted: the chain ends as cancelled, not failed.
   * Internal: never leaves {@code Icm.run}.
   */
  static final class Interrupted extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean byInterrupt;

    Interrupted(Throwable cause) {
      super("the scorer was interrupted", cause);
      this.byInterrupt = true;
    }

    /** The run was cancelled before a scorer call started: no call is made. */
    private Interrupted() {
      super("the run was cancelled before a scorer call", null, false, false);
      this.byInterrupt = false;
    }

    static Interrupted beforeCall() {
      return new Interrupted();
    }

    /**
     * Whether a thread interrupt caused it (the flag is then set again); {@code false} when the
     * run's cancellation token stopped a scorer call from starting.
     */
    boolean byInterrupt() {
      return byInterrupt;
    }
  }

  /** Another chain of the batch failed: this one stops. Internal: never leaves {@code Icm.run}. */
  static final class Aborted extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Aborted() {
      super("another chain of the batch failed", null, false, false);
    }
  }

  /**
   * Shares a batch's abort flag: a scorer failure raises it, and while it is raised no call
   * starts ({@link Aborted} is thrown instead), so that the other chains stop within one call.
   */
  void stopWhen(AtomicBoolean abort) {
    this.abort = abort;
  }

  /** Scores requests and checks every row. */
  double[][] score(List<ScoreRequest> requests) {
    String first = requests.get(0).query().id();
    ScoreResult r;
    beforeCall();
    try {
      r = scorer.score(space, requests);
    } catch (Throwable e) {
      throw failure(e, first);
    }
    requireResult(r, first);
    calls++;
    queries += requests.size();
    tokens += r.tokens();
    return check(r, requests.size(), i -> requests.get(i).query().id());
  }

  /** Leave-one-out scores of the labelled examples, checked. */
  double[][] leaveOneOut(List<LabelledExample> labelled) {
    String first = labelled.get(0).example().id();
    ScoreResult r;
    beforeCall();
    try {
      r = scorer.scoreLeaveOneOut(space, labelled);
    } catch (Throwable e) {
      throw failure(e, first);
    }
    requireResult(r, first);
    calls++;
    queries += labelled.size();
    tokens += r.tokens();
    return check(r, labelled.size(), i -> labelled.get(i).example().id());
  }

  private void beforeCall() {
    AtomicBoolean a = abort;
    if (a != null && a.get()) {
      throw new Aborted();
    }
    java.util.function.BooleanSupplier c = cancelled;
    if (c != null && c.getAsBoolean()) {
      // cancelled: no scorer call starts, so a run returns within the call in flight
      throw Interrupted.beforeCall();
    }
  }

  /** Cancellation of the run: while it holds, no scorer call starts. */
  private java.util.function.@org.jspecify.annotations.Nullable BooleanSupplier cancelled;

  void cancelWhen(java.util.function.BooleanSupplier cancelled) {
    this.cancelled = cancelled;
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

  /** What to throw for what the scorer threw (a {@link VirtualMachineError} is rethrown here). */
  private RuntimeException failure(Throwable e, String firstId) {
    if (e instanceof VirtualMachineError vme) {
      raiseAbort();
      throw vme;
    }
    if (isInterrupt(e)) {
      return new Interrupted(e);
    }
    raiseAbort();
    if (e instanceof IcmException icm) {
      return icm;
    }
    return new IcmException(
        "the scorer failed on a batch starting with example '" + firstId + "': " + e, firstId, e);
  }

  private void raiseAbort() {
    AtomicBoolean a = abort;
    if (a != null) {
      a.set(true);
    }
  }

  /**
   * Whether a failure comes from an interrupt of this thread: the interrupt flag is set, or the
   * cause chain holds an {@link InterruptedException}, an {@link InterruptedIOException} (but not
   * a {@link SocketTimeoutException}, which is a timeout), a {@link ClosedByInterruptException} or
   * a {@link FileLockInterruptionException}.
   */
  static boolean isInterrupt(Throwable e) {
    if (Thread.currentThread().isInterrupted()) {
      return true;
    }
    Map<Throwable, Boolean> seen = new IdentityHashMap<>();
    for (Throwable t = e; t != null && seen.put(t, Boolean.TRUE) == null; t = t.getCause()) {
      if (t instanceof InterruptedException
          || (t instanceof InterruptedIOException && !(t instanceof SocketTimeoutException))
          || t instanceof ClosedByInterruptException
          || t instanceof FileLockInterruptionException) {
        return true;
      }
    }
    return false;
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
