/** The built-in search strategies ({@link org.icm4j.search.Searches}) and their settings. */
@NullMarked
package org.icm4j.search;

import org.jspecify.annotations.NullMarked;
