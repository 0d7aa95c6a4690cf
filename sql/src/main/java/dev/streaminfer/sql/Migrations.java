package dev.streaminfer.sql;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/** Applies the versioned schema in {@code db/migration} with Flyway. */
public final class Migrations {

    private Migrations() {}

    /** Migrates the database to the newest schema; returns how many migrations ran. */
    public static int apply(String jdbcUrl, String user, String password) {
        MigrateResult result =
                Flyway.configure()
                        .dataSource(jdbcUrl, user, password)
                        .locations("classpath:db/migration")
                        .load()
                        .migrate();
        return result.migrationsExecuted;
    }
}
