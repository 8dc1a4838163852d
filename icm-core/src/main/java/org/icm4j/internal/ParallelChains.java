package org.icm4j.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.icm4j.IcmException;
import org.icm4j.internal.checkpoint.CheckpointStore;
import org.icm4j.spi.LabelScorer;
import org.jspecify.annotations.Nullable;

/**
 * The chains of one batch on the executor. The first chain to fail stops the others: its
 * failure raises the batch's abort flag, after which no scorer call starts and every chain sees
 * cancellation; {@link #run} waits until every chain has stopped, then throws the first failure
 * with the others suppressed. A chain that ends cancelled (the token, an interrupt of its own
 * thread, or of the calling thread) cancels the others. An interrupt of the calling thread while
 * it waits is passed on to the threads running this batch's chains (so that a scorer blocked
 * in I/O wakes up) and restored before {@code run} returns; an interrupt this class caused is
 * cleared before the executor's thread is given back.
 */
final class ParallelChains {
  private final Engine.Config config;
  private final GroupIndex index;
  private final LabelScorer scorer;
  private final int batch;
  private final String key;
  private final @Nullable CheckpointStore store;
  private final int k;
  /** Some chain ended cancelled or failed, or the caller was interrupted: every chain stops. */
  private final AtomicBoolean stop = new AtomicBoolean();
  /** Some chain failed: no scorer call starts. */
  private final AtomicBoolean abort = new AtomicBoolean();
  private final BooleanSupplier chainCancelled;
  private final Chains.ChainRun[] runs;
  private final List<Throwable> failures = new ArrayList<>();
  private final java.util.concurrent.CountDownLatch done;
  /** Guarded by {@code this}: the thread running each chain, and whether this class interrupted it. */
  private final @Nullable Thread[] running;
  private final boolean[] interruptedHere;
  /** Guarded by {@code this}: the caller was interrupted; chains starting later are too. */
  private boolean interruptRequested;

  ParallelChains(
      Engine.Config config,
      GroupIndex index,
      LabelScorer scorer,
      int batch,
      String key,
      BooleanSupplier cancelled,
      @Nullable CheckpointStore store) {
    this.config = config;
    this.index = index;
    this.scorer = scorer;
    this.batch = batch;
    this.key = key;
    this.store = store;
    this.k = config.chains();
    this.runs = new Chains.ChainRun[k];
    this.done = new java.util.concurrent.CountDownLatch(k);
    this.running = new Thread[k];
    this.interruptedHere = new boolean[k];
    this.chainCancelled =
        () -> {
          if (stop.get() || abort.get() || cancelled.getAsBoolean()) {
            return true;
          }
          if (Thread.currentThread().isInterrupted()) {
            stop.set(true); // the executor's thread was interrupted: the batch stops
            return true;
          }
          return false;
        };
  }

  List<Chains.ChainRun> run() {
    java.util.concurrent.Executor executor =
        java.util.Objects.requireNonNull(config.executor(), "Chains runs chains in parallel only on an executor");
    int submitted = 0;
    try {
      for (; submitted < k; submitted++) {
        int chain = submitted;
        executor.execute(() -> runOne(chain));
      }
    } catch (RuntimeException | Error e) {
      fail(e); // the executor refused a chain: stop the ones it took
      for (int c = submitted; c < k; c++) {
        done.countDown();
      }
    }
    boolean interrupted = false;
    while (true) {
      try {
        done.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
        stop.set(true);
        interruptRunning();
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    List<Throwable> failed;
    synchronized (this) {
      failed = List.copyOf(failures);
    }
    if (!failed.isEmpty()) {
      Throwable first = failed.get(0);
      for (Throwable other : failed.subList(1, failed.size())) {
        if (other != first) {
          first.addSuppressed(other);
        }
      }
      if (first instanceof RuntimeException re) {
        throw re;
      }
      if (first instanceof Error err) {
        throw err;
      }
      throw new IcmException("a chain of batch " + batch + " failed: " + first, first);
    }
    for (int c = 0; c < k; c++) {
      if (runs[c] == null) {
        throw new IllegalStateException(
            "chain " + c + " of batch " + batch + " stopped after a scorer failure that its search"
                + " strategy " + config.search() + " caught: a strategy must let scorer failures through");
      }
    }
    return java.util.Arrays.asList(runs);
  }

  private void runOne(int chain) {
    synchronized (this) {
      running[chain] = Thread.currentThread();
      if (interruptRequested) {
        // started after the caller was interrupted: interrupted as the running chains were
        interruptedHere[chain] = true;
        Thread.currentThread().interrupt();
      }
    }
    try {
      Chains.ChainRun r = Chains.runChain(config, index, scorer, batch, key, chain, chainCancelled, store, abort);
      runs[chain] = r;
      if (r.summary().cancelled()) {
        stop.set(true);
      }
    } catch (Scoring.Aborted e) {
      // stopped because another chain failed: that failure is the one reported
    } catch (Throwable e) {
      fail(e);
    } finally {
      synchronized (this) {
        running[chain] = null;
        if (interruptedHere[chain]) {
          Thread.interrupted(); // the interrupt was this run's, not the executor's
        }
      }
      done.countDown();
    }
  }

  private void fail(Throwable e) {
    abort.set(true);
    stop.set(true);
    synchronized (this) {
      failures.add(e);
    }
  }

  private synchronized void interruptRunning() {
    interruptRequested = true;
    for (int c = 0; c < k; c++) {
      Thread t = running[c];
      if (t != null && t != Thread.currentThread() && !interruptedHere[c]) {
        interruptedHere[c] = true;
        t.interrupt();
      }
    }
  }
}
