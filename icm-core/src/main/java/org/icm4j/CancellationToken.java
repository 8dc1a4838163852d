package org.icm4j;

import java.util.concurrent.atomic.AtomicBoolean;
import org.icm4j.result.IcmResult;
import org.icm4j.result.RunStatus;

/**
 * Cancels a running {@link Icm#run} from another thread. The run stops at the end of its current
 * iteration and returns a partial result whose {@link IcmResult#status()} is {@link
 * RunStatus#CANCELLED}. Interrupting the running thread has the same effect. Thread-safe.
 */
public final class CancellationToken {
  private final AtomicBoolean cancelled = new AtomicBoolean();

  /** Requests cancellation; idempotent. */
  public void cancel() {
    cancelled.set(true);
  }

  /**
   * Whether cancellation was requested.
   *
   * @return whether cancellation was requested
   */
  public boolean isCancelled() {
    return cancelled.get();
  }
}
