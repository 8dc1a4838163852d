package org.icm4j.djl;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.icm4j.IcmException;

/**
 * PyTorch's CPU thread pools, which belong to the whole JVM: the intra-op threads that one
 * operation (a matrix product, say) is split over, and the inter-op threads that independent
 * operations of a TorchScript graph may run on.
 *
 * <p>PyTorch's defaults use every core for each operation. For the small, sequential calls of a
 * leave-one-out rescore that costs far more than it gains: on a 2-core machine, 8 claims on the
 * test fixture took seconds instead of a tenth of one (docs/benchmarks.md, "DjlScorer on the
 * fixture"). icm-djl therefore applies {@link #DEFAULT_INTRA_OP_THREADS} and {@link
 * #DEFAULT_INTER_OP_THREADS} the first time it loads a model or builds a scorer in a JVM, unless
 * the threads were chosen before:
 *
 * <ol>
 *   <li>a system property you set wins: {@code -Dai.djl.pytorch.num_threads=N} and {@code
 *       -Dai.djl.pytorch.num_interop_threads=N} (DJL reads them when its PyTorch engine starts);
 *       icm-djl never overrides them;
 *   <li>otherwise {@link #set(int, int)}, called before or after loading a model;
 *   <li>otherwise the defaults.
 * </ol>
 *
 * <p>PyTorch lets the inter-op count be set once per process, before any inter-op work: a later
 * {@link #set} with another inter-op count fails with an {@link IllegalStateException}; the
 * intra-op count can change at any time. Thread-safe.
 *
 * <pre>{@code
 * PyTorchThreads.set(4, 1);   // a large model on an idle 8-core machine: measure first
 * TorchScriptLm lm = TorchScriptLm.load(dir);
 * }</pre>
 */
public final class PyTorchThreads {
  /** Intra-op threads icm-djl applies unless told otherwise: one, measured as fastest. */
  public static final int DEFAULT_INTRA_OP_THREADS = 1;

  /** Inter-op threads icm-djl applies unless told otherwise. */
  public static final int DEFAULT_INTER_OP_THREADS = 1;

  /** DJL's system property for the intra-op threads, read at engine start. */
  public static final String INTRA_OP_PROPERTY = "ai.djl.pytorch.num_threads";

  /** DJL's system property for the inter-op threads, read at engine start. */
  public static final String INTER_OP_PROPERTY = "ai.djl.pytorch.num_interop_threads";

  static {
    DjlStartup.prepare();
  }

  private static boolean chosen;

  private PyTorchThreads() {}

  /**
   * Sets PyTorch's thread counts for this JVM, except a count whose system property is set (that
   * one stays as the property says). Starts DJL's PyTorch engine if it has not started.
   *
   * @param intraOp threads per operation, at least 1
   * @param interOp threads for independent operations, at least 1
   * @throws IllegalArgumentException when a count is below 1
   * @throws IllegalStateException when the inter-op count was already set to another value (PyTorch
   *     allows it once per process)
   * @throws IcmException when the PyTorch engine cannot start
   */
  public static synchronized void set(int intraOp, int interOp) {
    if (intraOp < 1 || interOp < 1) {
      throw new IllegalArgumentException(
          "thread counts must be >= 1, but were intraOp=" + intraOp + ", interOp=" + interOp);
    }
    apply(intraOp, interOp, true);
    chosen = true;
  }

  /**
   * The intra-op threads PyTorch uses now. Starts the engine if it has not started.
   *
   * @return the intra-op threads PyTorch uses now
   */
  public static synchronized int intraOpThreads() {
    startEngine();
    return JniUtils.getNumThreads();
  }

  /**
   * The inter-op threads PyTorch uses now. Starts the engine if it has not started.
   *
   * @return the inter-op threads PyTorch uses now
   */
  public static synchronized int interOpThreads() {
    startEngine();
    return JniUtils.getNumInteropThreads();
  }

  /**
   * Applies the defaults unless threads were chosen before in this JVM (by {@link #set} or by the
   * properties); called by icm-djl before it loads a model or builds a scorer. Idempotent.
   */
  static synchronized void applyDefaults() {
    if (chosen) {
      return;
    }
    try {
      startEngine();
    } catch (IcmException e) {
      return; // no PyTorch here: the model will report it when it needs the engine
    }
    chosen = true;
    apply(DEFAULT_INTRA_OP_THREADS, DEFAULT_INTER_OP_THREADS, false);
  }

  private static void apply(int intraOp, int interOp, boolean explicit) {
    startEngine();
    if (System.getProperty(INTRA_OP_PROPERTY) == null) {
      JniUtils.setNumThreads(intraOp);
    }
    // the defaults set the count even when PyTorch's default already equals it (its default is
    // half the logical CPUs on x86: 1 on the 2-CPU development VM), so that the count is fixed
    // for the process the same way on every machine and a later different count is refused
    if (System.getProperty(INTER_OP_PROPERTY) == null
        && (!explicit || JniUtils.getNumInteropThreads() != interOp)) {
      try {
        JniUtils.setNumInteropThreads(interOp);
      } catch (RuntimeException e) {
        // PyTorch sets it once per process, before inter-op work: a default keeps what is there
        if (explicit) {
          throw new IllegalStateException(
              "PyTorch's inter-op threads are "
                  + JniUtils.getNumInteropThreads()
                  + " and PyTorch refused to make them "
                  + interOp
                  + " ("
                  + e.getMessage()
                  + "): it allows that once per process, before any inter-op work; call"
                  + " PyTorchThreads.set before icm-djl loads a model, or set -D"
                  + INTER_OP_PROPERTY
                  + "="
                  + interOp,
              e);
        }
      }
    }
  }

  private static void startEngine() {
    try {
      Engine.getEngine("PyTorch");
    } catch (RuntimeException e) {
      throw new IcmException(
          "DJL's PyTorch engine did not start (" + e.getMessage() + "): put ai.djl.pytorch:"
              + "pytorch-engine, pytorch-jni and a native library (pytorch-native-cpu) on the class"
              + " path (docs/djl.md)",
          e);
    }
  }
}
