package org.icm4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The packaged jars have stable JPMS names (their manifest's {@code Automatic-Module-Name}), as the
 * module system itself reads them. Run by failsafe after {@code package}.
 */
class AutomaticModuleNameIT {

  static void assertAutomaticModule(String jarProperty, String expected) {
    Path jar = Path.of(System.getProperty(jarProperty));
    Set<ModuleReference> modules = ModuleFinder.of(jar).findAll();

    assertThat(modules).as("modules in %s", jar).hasSize(1);
    ModuleReference module = modules.iterator().next();
    assertThat(module.descriptor().name()).as("module name of %s", jar).isEqualTo(expected);
    assertThat(module.descriptor().isAutomatic()).isTrue();
  }

  @Test
  void coreJar_isModuleOrgIcm4jCore() {
    assertAutomaticModule("icm4j.jar", "org.icm4j.core");
  }

  @Test
  void testJar_isModuleOrgIcm4jCoreTesting() {
    assertAutomaticModule("icm4j.testJar", "org.icm4j.core.testing");
  }
}
