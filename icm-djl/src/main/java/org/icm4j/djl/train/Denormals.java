package org.icm4j.djl.train;

import com.sun.jna.Function;
import com.sun.jna.Memory;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Flush-to-zero for CPU training. Tiny (denormal) floats slow CPU training about 2.4x on x86-64
 * (djl-facts). On Linux x86-64, {@link #flushed} sets the calling thread's MXCSR flush-to-zero and
 * denormals-are-zero bits (through JNA, which DJL's API brings, calling glibc's {@code fegetenv} /
 * {@code fesetenv}) for the duration of a task and restores the previous state afterwards. PyTorch
 * with one intra-op thread computes on the calling thread, so this covers forward and backward;
 * extra intra-op threads of PyTorch are not covered. Java arithmetic on that thread during the task
 * also flushes denormals. Where it is not possible it is skipped. Stateless and thread-safe.
 */
final class Denormals {
  private Denormals() {}

  /**
   * What a task returned and whether denormals were flushed while it ran.
   *
   * @param value the task's result
   * @param flushed whether flush-to-zero was on
   */
  record Flushed<T>(T value, boolean flushed) {}

  /** Runs {@code task} on this thread with denormals flushed to zero where possible. */
  static <T> Flushed<T> flushed(Supplier<T> task) {
    @Nullable Memory saved = flushOnThisThread();
    try {
      return new Flushed<>(task.get(), saved != null);
    } finally {
      if (saved != null) {
        restore(saved);
      }
    }
  }

  // glibc x86-64 fenv_t is 32 bytes; its __mxcsr field is at offset 28.
  private static final int FENV_SIZE = 32;
  private static final int MXCSR_OFFSET = 28;
  private static final int FTZ_DAZ = 0x8040;

  /** Sets FTZ and DAZ on this thread; returns the previous environment, or null if not done. */
  private static @Nullable Memory flushOnThisThread() {
    if (!Platform.isLinux() || !Platform.isIntel() || !Platform.is64Bit()) {
      return null;
    }
    try {
      NativeLibrary c = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME);
      Function get = c.getFunction("fegetenv");
      Function set = c.getFunction("fesetenv");
      Memory saved = new Memory(FENV_SIZE);
      if (get.invokeInt(new Object[] {saved}) != 0) {
        return null;
      }
      Memory changed = new Memory(FENV_SIZE);
      changed.write(0, saved.getByteArray(0, FENV_SIZE), 0, FENV_SIZE);
      changed.setInt(MXCSR_OFFSET, saved.getInt(MXCSR_OFFSET) | FTZ_DAZ);
      if (set.invokeInt(new Object[] {changed}) != 0) {
        return null;
      }
      return saved;
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      return null;
    }
  }

  private static void restore(Memory saved) {
    try {
      NativeLibrary.getInstance(Platform.C_LIBRARY_NAME)
          .getFunction("fesetenv")
          .invokeInt(new Object[] {saved});
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      // nothing more to do: the thread keeps flushing denormals
    }
  }

  /** Reads this thread's MXCSR through glibc, or -1 when not possible; for tests. */
  static int currentMxcsr() {
    if (!Platform.isLinux() || !Platform.isIntel() || !Platform.is64Bit()) {
      return -1;
    }
    try {
      Memory env = new Memory(FENV_SIZE);
      NativeLibrary.getInstance(Platform.C_LIBRARY_NAME)
          .getFunction("fegetenv")
          .invokeInt(new Object[] {env});
      return env.getInt(MXCSR_OFFSET);
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      return -1;
    }
  }
}
