package org.icm4j.spark;

import java.io.Serializable;
import org.jspecify.annotations.Nullable;

/**
 * One example's label as {@link SparkIcm} returns it: a Java bean for Spark's encoders. Mutable,
 * as beans are: not thread-safe.
 */
public final class LabelRow implements Serializable {
  private static final long serialVersionUID = 1L;

  private @Nullable String id;
  private @Nullable String label;
  private int batchIndex;
  private @Nullable String batchKey;

  /** An empty row, for Spark. */
  public LabelRow() {}

  static LabelRow of(String id, @Nullable String label, int batchIndex, String batchKey) {
    LabelRow r = new LabelRow();
    r.id = id;
    r.label = label;
    r.batchIndex = batchIndex;
    r.batchKey = batchKey;
    return r;
  }

  /** The example's id. */
  public @Nullable String getId() {
    return id;
  }

  public void setId(@Nullable String id) {
    this.id = id;
  }

  /** Its label, or {@code null} when the run left it unlabelled. */
  public @Nullable String getLabel() {
    return label;
  }

  public void setLabel(@Nullable String label) {
    this.label = label;
  }

  /** The place of its batch in the plan ({@link org.icm4j.PlannedBatch#index()}). */
  public int getBatchIndex() {
    return batchIndex;
  }

  public void setBatchIndex(int batchIndex) {
    this.batchIndex = batchIndex;
  }

  /** Its batch's key ({@link org.icm4j.PlannedBatch#key()}). */
  public @Nullable String getBatchKey() {
    return batchKey;
  }

  public void setBatchKey(@Nullable String batchKey) {
    this.batchKey = batchKey;
  }
}
