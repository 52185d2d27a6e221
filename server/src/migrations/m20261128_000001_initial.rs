//! The first migration: users, companies, memberships, sessions, known devices, avatars and
//! email changes.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Companies {
    Table,
    Id,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    PasswordHash,
    FullName,
    Phone,
    Timezone,
    AvatarHash,
    LastCompanyId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    Id,
    UserId,
    CompanyId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    UserId,
    CompanyId,
    UserAgent,
    ClientAddress,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    PasswordConfirmedAt,
}

#[derive(DeriveIden)]
enum KnownDevices {
    Table,
    Id,
    UserId,
    Fingerprint,
    CreatedAt,
}

#[derive(DeriveIden)]
enum EmailChanges {
    Table,
    Id,
    UserId,
    NewEmail,
    TokenHash,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Avatars {
    Table,
    UserId,
    Hash,
    ContentType,
    Bytes,
    CreatedAt,
}

fn foreign_key(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from.0, from.1).to(to.0, to.1).on_delete(on_delete).to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Companies::Table)
                    .col(pk_auto(Companies::Id))
                    .col(string(Companies::Name))
                    .col(timestamp_with_time_zone(Companies::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_auto(Users::Id))
                    .col(string_uniq(Users::Email))
                    .col(string(Users::PasswordHash))
                    .col(string(Users::FullName))
                    .col(string_null(Users::Phone))
                    .col(string(Users::Timezone))
                    .col(string_null(Users::AvatarHash))
                    .col(integer_null(Users::LastCompanyId))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .foreign_key(&mut foreign_key(
                        (Users::Table, Users::LastCompanyId),
                        (Companies::Table, Companies::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Memberships::Table)
                    .col(pk_auto(Memberships::Id))
                    .col(integer(Memberships::UserId))
                    .col(integer(Memberships::CompanyId))
                    .col(string(Memberships::Role))
                    .col(timestamp_with_time_zone(Memberships::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        (Memberships::Table, Memberships::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        (Memberships::Table, Memberships::CompanyId),
                        (Companies::Table, Companies::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("memberships_user_company")
                    .table(Memberships::Table)
                    .col(Memberships::UserId)
                    .col(Memberships::CompanyId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(pk_auto(Sessions::Id))
                    .col(string_uniq(Sessions::TokenHash))
                    .col(integer(Sessions::UserId))
                    .col(integer_null(Sessions::CompanyId))
                    .col(string(Sessions::UserAgent))
                    .col(string(Sessions::ClientAddress))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::LastSeenAt))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .col(timestamp_with_time_zone(Sessions::PasswordConfirmedAt))
                    .foreign_key(&mut foreign_key(
                        (Sessions::Table, Sessions::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut foreign_key(
                        (Sessions::Table, Sessions::CompanyId),
                        (Companies::Table, Companies::Id),
                        ForeignKeyAction::SetNull,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("sessions_user")
                    .table(Sessions::Table)
                    .col(Sessions::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("sessions_expires_at")
                    .table(Sessions::Table)
                    .col(Sessions::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EmailChanges::Table)
                    .col(pk_auto(EmailChanges::Id))
                    .col(integer_uniq(EmailChanges::UserId))
                    .col(string(EmailChanges::NewEmail))
                    .col(string_uniq(EmailChanges::TokenHash))
                    .col(timestamp_with_time_zone(EmailChanges::CreatedAt))
                    .col(timestamp_with_time_zone(EmailChanges::ExpiresAt))
                    .foreign_key(&mut foreign_key(
                        (EmailChanges::Table, EmailChanges::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Avatars::Table)
                    .col(integer(Avatars::UserId).primary_key().take())
                    .col(string(Avatars::Hash))
                    .col(string(Avatars::ContentType))
                    .col(blob(Avatars::Bytes))
                    .col(timestamp_with_time_zone(Avatars::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        (Avatars::Table, Avatars::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(KnownDevices::Table)
                    .col(pk_auto(KnownDevices::Id))
                    .col(integer(KnownDevices::UserId))
                    .col(string(KnownDevices::Fingerprint))
                    .col(timestamp_with_time_zone(KnownDevices::CreatedAt))
                    .foreign_key(&mut foreign_key(
                        (KnownDevices::Table, KnownDevices::UserId),
                        (Users::Table, Users::Id),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("known_devices_user_fingerprint")
                    .table(KnownDevices::Table)
                    .col(KnownDevices::UserId)
                    .col(KnownDevices::Fingerprint)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("avatars_hash")
                    .table(Avatars::Table)
                    .col(Avatars::Hash)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            KnownDevices::Table.into_iden(),
            Avatars::Table.into_iden(),
            EmailChanges::Table.into_iden(),
            Sessions::Table.into_iden(),
            Memberships::Table.into_iden(),
            Users::Table.into_iden(),
            Companies::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
