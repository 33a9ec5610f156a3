package dev.warden.deploy.image;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What goes into the base image beside the runtime (the image itself is run by deploy/image-test). */
class BaseImageTest {

    private static final String LIBJAVA = """
            \tlinux-vdso.so.1 (0x00007ffd5b3f2000)
            \tlibjvm.so => not found
            \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f1b4c000000)
            \t/lib64/ld-linux-x86-64.so.2 (0x00007f1b4c3f0000)
            """;

    @Test
    void theCLibraryAndTheDynamicLoaderAreTakenAndTheKernelsVdsoIsNot() {
        assertEquals(Set.of(Path.of("/lib/x86_64-linux-gnu/libc.so.6"), Path.of("/lib64/ld-linux-x86-64.so.2")),
                BaseImage.needed("lib/libjava.so", LIBJAVA, Set.of("libjvm.so")));
    }

    @Test
    void aLibraryFoundNeitherInTheRuntimeNorOnTheMachineFailsTheBuild() {
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> BaseImage.needed("lib/libjava.so", LIBJAVA, Set.of()));
        assertTrue(missing.getMessage().contains("libjvm.so"), missing.getMessage());
    }

    @Test
    void aStaticOrNonDynamicFileNeedsNothing() {
        assertEquals(Set.of(), BaseImage.needed("lib/x.so", "\tnot a dynamic executable\n", Set.of()));
        assertEquals(Set.of(), BaseImage.needed("lib/y.so", "\tstatically linked\n", Set.of()));
    }

    @Test
    void theModulesAreJavaSeAndWhatTheServicesUseBesideIt() {
        assertTrue(BaseImage.MODULES.contains("java.se") && BaseImage.MODULES.contains("jdk.unsupported"));
        assertEquals(185, BaseImage.USER);
    }
}
