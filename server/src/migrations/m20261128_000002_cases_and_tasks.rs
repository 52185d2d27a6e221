//! Each company's own work: cases and their tasks, so switching company visibly matters and
//! notifications (case assigned, task due) have something to hang on.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Companies {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Cases {
    Table,
    Id,
    CompanyId,
    Number,
    Name,
    CaseType,
    Status,
    AssigneeId,
    Description,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
    CompanyId,
    CaseId,
    Title,
    DueAt,
    AssigneeId,
    CompletedAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Cases::Table)
                    .col(pk_auto(Cases::Id))
                    .col(integer(Cases::CompanyId))
                    .col(string(Cases::Number))
                    .col(string(Cases::Name))
                    .col(string(Cases::CaseType))
                    .col(string(Cases::Status))
                    .col(integer_null(Cases::AssigneeId))
                    .col(text(Cases::Description))
                    .col(timestamp_with_time_zone(Cases::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Cases::Table, Cases::CompanyId)
                            .to(Companies::Table, Companies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Cases::Table, Cases::AssigneeId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("cases_company_number")
                    .table(Cases::Table)
                    .col(Cases::CompanyId)
                    .col(Cases::Number)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Tasks::Table)
                    .col(pk_auto(Tasks::Id))
                    .col(integer(Tasks::CompanyId))
                    .col(integer(Tasks::CaseId))
                    .col(string(Tasks::Title))
                    .col(timestamp_with_time_zone(Tasks::DueAt))
                    .col(integer_null(Tasks::AssigneeId))
                    .col(timestamp_with_time_zone_null(Tasks::CompletedAt))
                    .col(timestamp_with_time_zone(Tasks::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Tasks::Table, Tasks::CompanyId)
                            .to(Companies::Table, Companies::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Tasks::Table, Tasks::CaseId)
                            .to(Cases::Table, Cases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Tasks::Table, Tasks::AssigneeId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("tasks_company_assignee")
                    .table(Tasks::Table)
                    .col(Tasks::CompanyId)
                    .col(Tasks::AssigneeId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Tasks::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Cases::Table).to_owned()).await
    }
}
