/** What a run returns: the labels with their energy, batch and chain summaries, details, warnings, suggestions and provenance. */
@NullMarked
package org.icm4j.result;

import org.jspecify.annotations.NullMarked;
