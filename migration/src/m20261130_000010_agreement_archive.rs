//! The archive (备案存档): an issued agreement and its signatures can never be changed or
//! removed through the database. Triggers refuse every `UPDATE` and `DELETE` of the two
//! tables, so no code path (and no mistaken script) can alter what was signed; a change
//! made by someone who first drops the triggers is still caught by `verifyAgreement`,
//! which recomputes the document's SHA-256.

use sea_orm::DatabaseBackend;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The archived tables.
const TABLES: [&str; 2] = ["agreement", "agreement_signature"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE OR REPLACE FUNCTION fenqi_archived() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN RAISE EXCEPTION 'archived: rows of % cannot be changed or removed', TG_TABLE_NAME; END; $$",
                )
                .await?;
                for table in TABLES {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER {table}_archived BEFORE UPDATE OR DELETE ON {table} \
                         FOR EACH ROW EXECUTE FUNCTION fenqi_archived()"
                    ))
                    .await?;
                }
            }
            _ => {
                for table in TABLES {
                    for action in ["UPDATE", "DELETE"] {
                        db.execute_unprepared(&format!(
                            "CREATE TRIGGER {table}_archived_{} BEFORE {action} ON {table} \
                             BEGIN SELECT RAISE(ABORT, 'archived: rows of {table} cannot be changed or removed'); END",
                            action.to_lowercase()
                        ))
                        .await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                for table in TABLES {
                    db.execute_unprepared(&format!("DROP TRIGGER {table}_archived ON {table}"))
                        .await?;
                }
                db.execute_unprepared("DROP FUNCTION fenqi_archived()")
                    .await?;
            }
            _ => {
                for table in TABLES {
                    for action in ["update", "delete"] {
                        db.execute_unprepared(&format!("DROP TRIGGER {table}_archived_{action}"))
                            .await?;
                    }
                }
            }
        }
        Ok(())
    }
}
