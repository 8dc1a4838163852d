/**
 * ICM on Apache Spark: {@link org.icm4j.spark.SparkIcm} labels a {@code Dataset} of examples with
 * one ICM run per batch of icm-core's {@link org.icm4j.BatchPlan}, as Spark tasks, one scorer per
 * executor slot; the labels equal those of one sequential {@link org.icm4j.Icm#run} with the same
 * seed, and a retried task gives the same labels again. See docs/scale.md.
 */
@NullMarked
package org.icm4j.spark;

import org.jspecify.annotations.NullMarked;
