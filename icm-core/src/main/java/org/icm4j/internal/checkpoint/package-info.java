/**
 * Checkpoints: the journal file a run resumes from ({@link
 * org.icm4j.internal.checkpoint.CheckpointStore}, read and checked by {@code CheckpointReader}),
 * its lock, and the state file of a resumable iterative fine-tuning ({@link
 * org.icm4j.internal.checkpoint.FineTuningState}). The file's records are this package's own
 * ({@code CheckpointFormat}), converted to and from the public result records in one place each
 * way, so that a new field in a result cannot change or break the file. Not an API: may change in
 * any release. See docs/architecture.md, "Checkpoints".
 */
@NullMarked
package org.icm4j.internal.checkpoint;

import org.jspecify.annotations.NullMarked;
