//! "This wasn't me": the link every credential-change email carries. Single use, 7 days,
//! stored hashed; opening it and confirming secures the account (`security::lockdown`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WasntMeLinks {
    Table,
    Id,
    UserId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WasntMeLinks::Table)
                    .col(pk_auto(WasntMeLinks::Id))
                    .col(integer(WasntMeLinks::UserId))
                    .col(string_uniq(WasntMeLinks::TokenHash))
                    .col(timestamp_with_time_zone(WasntMeLinks::CreatedAt))
                    .col(timestamp_with_time_zone(WasntMeLinks::ExpiresAt))
                    .col(timestamp_with_time_zone_null(WasntMeLinks::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WasntMeLinks::Table, WasntMeLinks::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("wasnt_me_links_user")
                    .table(WasntMeLinks::Table)
                    .col(WasntMeLinks::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(WasntMeLinks::Table).to_owned()).await
    }
}
