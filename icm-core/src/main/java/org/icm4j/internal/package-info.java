/** Implementation details of icm4j. Not an API: may change in any release. */
@NullMarked
package org.icm4j.internal;

import org.jspecify.annotations.NullMarked;
