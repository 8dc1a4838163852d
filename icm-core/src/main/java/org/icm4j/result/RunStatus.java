package org.icm4j.result;

import org.icm4j.CancellationToken;


/** How a run ended. */
public enum RunStatus {
  /** Every batch ran all its iterations. */
  COMPLETE,
  /** Cancelled by a {@link CancellationToken} or an interrupt: the result is partial. */
  CANCELLED
}
