/**
 * Reading and writing icm4j data as JSON Lines: examples, labels, gold labels (for evaluation),
 * and training records derived from a labelling (SFT records and preference pairs).
 *
 * <p>Start at {@link org.icm4j.io.Jsonl}. Every file is UTF-8, one JSON object per line, lines
 * separated by {@code '\n'}. A line that cannot be used fails with a {@link
 * org.icm4j.io.MalformedInputException} naming the file, the 1-based line number, what was wrong
 * and what a line must look like. Writes are atomic: a reader sees the old file or the new one,
 * never half of one.
 */
@NullMarked
package org.icm4j.io;

import org.jspecify.annotations.NullMarked;
