/** Preference pairs from labels, for reward models and preference training. */
@NullMarked
package org.icm4j.reward;

import org.jspecify.annotations.NullMarked;
