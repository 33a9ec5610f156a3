package dev.warden.testing;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMethodCall;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.CompositeArchRule;

import java.util.Map;
import java.util.Set;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

/**
 * The template's layout rules (docs/architecture.md, "Layout"), checked on a service's main classes, so that a new
 * service, a copy of the template, keeps them from its first test on: SQL only in repositories, transactions only in
 * services, feature packages rather than layer folders. Each service's {@code LayoutTest} calls {@link #check}; a
 * violation fails it with every offending call listed.
 */
public final class ServiceLayout {

    private static final String TENANT_DB = "dev.warden.tenancy.db.TenantDb";

    /** The calls that send SQL, by their owner: the reactive client's, JDBC's, and ListQuery's builder. */
    private static final Map<String, Set<String>> SQL = Map.of(
            "io.vertx.mutiny.sqlclient.SqlClient", Set.of("query", "preparedQuery"),
            "io.vertx.sqlclient.SqlClient", Set.of("query", "preparedQuery"),
            "java.sql.Connection", Set.of("prepareStatement", "createStatement", "prepareCall"),
            "dev.warden.tenancy.db.ListQuery", Set.of("select"));

    private ServiceLayout() {
    }

    /** Checks the main (not test) classes under {@code basePackage}, such as {@code dev.warden.fleet}. */
    public static void check(String basePackage) {
        JavaClasses classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(basePackage);
        if (classes.isEmpty()) {
            throw new AssertionError("no classes under " + basePackage);
        }
        DescribedPredicate<JavaClass> repository = named("Repository", "a repository");
        DescribedPredicate<JavaClass> resource = named("Resource", "a resource");
        DescribedPredicate<JavaMethodCall> sendsSql = DescribedPredicate.describe("send SQL", call ->
                SQL.entrySet().stream().anyMatch(e -> e.getValue().contains(call.getName())
                        && call.getTargetOwner().isAssignableTo(e.getKey())));
        CompositeArchRule
                .of(noClasses().that(DescribedPredicate.not(repository)).should().callMethodWhere(sendsSql)
                        .because("SQL lives only in repositories"))
                .and(noClasses().that(resource).should().dependOnClassesThat().haveFullyQualifiedName(TENANT_DB)
                        .because("resources parse, call one service method and shape the answer: transactions "
                                + "are opened by services"))
                .and(noClasses().that(repository).should().dependOnClassesThat().haveFullyQualifiedName(TENANT_DB)
                        .because("repositories take the transaction's connection and never open one"))
                .and(noClasses().should().resideInAnyPackage("..rest..", "..resource..", "..resources..", "..service..",
                                "..services..", "..repository..", "..repositories..", "..model..", "..dto..")
                        .because("a service's packages are features, each holding its resource, service, repository "
                                + "and wire types"))
                .check(classes);
    }

    /** A class whose top-level class's simple name ends with {@code suffix} (its lambdas and nested classes too). */
    private static DescribedPredicate<JavaClass> named(String suffix, String description) {
        return DescribedPredicate.describe(description, c -> topLevel(c).getSimpleName().endsWith(suffix));
    }

    private static JavaClass topLevel(JavaClass c) {
        JavaClass outer = c;
        while (outer.getEnclosingClass().isPresent()) {
            outer = outer.getEnclosingClass().get();
        }
        return outer;
    }
}
