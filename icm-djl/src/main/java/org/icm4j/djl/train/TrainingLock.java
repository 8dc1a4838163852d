package org.icm4j.djl.train;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Serializes training in this JVM. DJL 0.36's PyTorch engine allows one gradient collector per
 * process at a time ({@code PtGradientCollector} keeps a static flag and throws "A
 * PtGradientCollector is already collecting" for a second one), so two trainers on two threads
 * would fail; with this lock, the second waits for the first. Thread-safe.
 */
final class TrainingLock {
  private static final ReentrantLock LOCK = new ReentrantLock(true);

  private TrainingLock() {}

  /** Runs {@code task} while no other training in this JVM runs. */
  static <T> T run(Supplier<T> task) {
    LOCK.lock();
    try {
      return task.get();
    } finally {
      LOCK.unlock();
    }
  }
}
