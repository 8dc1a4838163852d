package org.icm4j.spark;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.icm4j.spi.LabelScorer;

/**
 * The scorers of one executor JVM, per job: a task borrows one (made by the job's {@link
 * ScorerFactory} when none is free) and gives it back when its batches are done, so an executor
 * holds as many scorers as it runs tasks at once, and a retried task on the same executor reuses
 * one. Each scorer is used by one task at a time (an {@code HttpScorer} sends one routing key at a
 * time). Scorers that are {@link AutoCloseable} are closed when the JVM exits. Thread-safe.
 */
final class ExecutorScorers {
  private static final Map<String, Queue<LabelScorer>> FREE = new ConcurrentHashMap<>();
  private static final Map<String, AtomicInteger> CREATED = new ConcurrentHashMap<>();
  private static final Queue<AutoCloseable> TO_CLOSE = new ConcurrentLinkedQueue<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      for (AutoCloseable c : TO_CLOSE) {
        try {
          c.close();
        } catch (Exception ignored) {
          // the JVM is exiting
        }
      }
    }, "icm4j-spark-close-scorers"));
  }

  private ExecutorScorers() {}

  static LabelScorer borrow(String job, ScorerFactory factory) {
    LabelScorer free = FREE.computeIfAbsent(job, k -> new ConcurrentLinkedQueue<>()).poll();
    if (free != null) {
      return free;
    }
    LabelScorer made = requireNonNull(factory.create(), "ScorerFactory.create() returned null");
    CREATED.computeIfAbsent(job, k -> new AtomicInteger()).incrementAndGet();
    if (made instanceof AutoCloseable c) {
      TO_CLOSE.add(c);
    }
    return made;
  }

  static void giveBack(String job, LabelScorer scorer) {
    FREE.computeIfAbsent(job, k -> new ConcurrentLinkedQueue<>()).add(scorer);
  }

  /** How many scorers this JVM has made for the job. */
  static int created(String job) {
    AtomicInteger n = CREATED.get(job);
    return n == null ? 0 : n.get();
  }
}
