package org.icm4j.djl;

/**
 * What icm-djl does once per JVM before DJL starts: it turns off DJL's usage reporting, whose
 * EC2 probe connects to {@code 169.254.169.254} (four connection attempts off EC2) when the class
 * {@code ai.djl.engine.Engine} or DJL's Hugging Face tokenizer is first used. icm4j promises no
 * network traffic at run time, so it sets {@code OPT_OUT_TRACKING=true} unless the user set that
 * variable or property either way ({@code -DOPT_OUT_TRACKING=false} opts back in). Thread-safe.
 */
final class DjlStartup {
  /** DJL's switch (environment variable or system property) for its usage reporting. */
  static final String OPT_OUT_TRACKING = "OPT_OUT_TRACKING";

  private static boolean prepared;

  private DjlStartup() {}

  /**
   * Idempotent. Every icm-djl entry point that can load a DJL class which probes the network calls
   * it first (static initializers of {@link TorchScriptLm}, {@link BlockLm}, {@link DjlScorer},
   * {@link PyTorchThreads}, and {@link TextTokenizer#huggingFace}).
   */
  static synchronized void prepare() {
    if (prepared) {
      return;
    }
    prepared = true;
    if (System.getenv(OPT_OUT_TRACKING) == null && System.getProperty(OPT_OUT_TRACKING) == null) {
      System.setProperty(OPT_OUT_TRACKING, "true");
    }
  }
}
