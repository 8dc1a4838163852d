/**
 * icm4j: Internal Coherence Maximization for the JVM.
 *
 * <p>Start at {@link org.icm4j.Icm#builder()}; this package holds the entry point and its inputs.
 * Values ({@link org.icm4j.Example}, {@link org.icm4j.LabelSpace}, {@link org.icm4j.Labeling}) and
 * results ({@link org.icm4j.result.IcmResult}, in {@code org.icm4j.result}) are immutable and
 * thread-safe. Search strategies are in {@code org.icm4j.search}, iterative fine-tuning in {@code
 * org.icm4j.finetune}, preference pairs for a reward model in {@code org.icm4j.reward}, extension
 * points in {@code org.icm4j.spi}.
 */
@NullMarked
package org.icm4j;

import org.jspecify.annotations.NullMarked;
