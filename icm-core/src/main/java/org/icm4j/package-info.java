/**
 * icm4j: Internal Coherence Maximization for the JVM.
 *
 * <p>Start at {@link org.icm4j.Icm#builder()}. Values ({@link org.icm4j.Example}, {@link
 * org.icm4j.LabelSpace}, {@link org.icm4j.Labeling}) and results ({@link org.icm4j.IcmResult}) are
 * immutable and thread-safe. {@link org.icm4j.PreferencePairs} turns ICM's labels into {@link
 * org.icm4j.PreferencePair preference pairs} for a reward model. Extension points live in {@link
 * org.icm4j.spi}.
 */
@NullMarked
package org.icm4j;

import org.jspecify.annotations.NullMarked;
