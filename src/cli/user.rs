//! `user add`, `user passwd`, `user disable` and `user list`.

use crate::domain::account::Reach;
use std::io::BufRead;

use super::{find_institution, CliError, UserCommand, CLI_ACTOR};
use crate::auth::password;
use crate::db::audit::Actor;
use crate::db::users::{self, NewUser, UserChanges};
use crate::db::DbConn;
use crate::domain::account::{check_new_password, check_works_for, parse_display_name, Username};
use crate::domain::Role;
use crate::tokens::random_token;

fn read_password(from_stdin: bool, username: &str) -> Result<(String, bool), CliError> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(CliError::from_display)?;
        let pw = line.trim_end_matches(['\r', '\n']).to_owned();
        check_new_password(&pw, &pw, username).map_err(CliError)?;
        Ok((pw, false))
    } else {
        Ok((random_token()[..24].to_owned(), true))
    }
}

fn find_user(conn: &mut DbConn, username: &str) -> Result<users::User, CliError> {
    users::find_by_username(conn, username)
        .map_err(CliError::from_display)?
        .ok_or_else(|| CliError(format!("no user called `{username}`")))
}

pub(super) fn user_command(conn: &mut DbConn, cmd: UserCommand) -> Result<(), CliError> {
    let actor = Actor::system(CLI_ACTOR);
    match cmd {
        UserCommand::Add(a) => {
            let username = Username::parse(&a.username).map_err(CliError)?;
            let display_name = parse_display_name(&a.name).map_err(CliError)?;
            let role = Role::from_code(&a.role.to_lowercase()).ok_or_else(|| {
                CliError(format!(
                    "unknown role `{}`: use admin, manager, clerk or auditor",
                    a.role
                ))
            })?;
            let institution_id = a
                .institution
                .as_deref()
                .map(|key| find_institution(conn, key))
                .transpose()?;
            let network_id = a
                .network
                .as_deref()
                .map(|key| super::find_network(conn, key))
                .transpose()?;
            check_works_for(role, institution_id, network_id)
                .map_err(|e| CliError(e.to_owned()))?;
            let (pw, generated) = read_password(a.password_stdin, username.as_str())?;
            let password_hash = password::hash(&pw).map_err(CliError::from_display)?;
            let user = users::create(
                conn,
                &actor,
                &NewUser {
                    username,
                    display_name,
                    role,
                    institution_id,
                    network_id,
                    password_hash,
                },
            )
            .map_err(CliError::from_display)?;
            println!("Created {} ({}).", user.username, role.label());
            if generated {
                println!("Password: {pw}");
                println!("Ask them to change it after signing in (Change password).");
            }
            Ok(())
        }
        UserCommand::Passwd {
            username,
            password_stdin,
        } => {
            let user = find_user(conn, &username)?;
            let (pw, generated) = read_password(password_stdin, &user.username)?;
            let hash = password::hash(&pw).map_err(CliError::from_display)?;
            users::set_password(conn, &actor, user.id, &hash, "password_reset")
                .map_err(CliError::from_display)?;
            println!(
                "Password set for {}; any sessions were ended.",
                user.username
            );
            if generated {
                println!("Password: {pw}");
            }
            Ok(())
        }
        UserCommand::Disable { username } => {
            let user = find_user(conn, &username)?;
            let changes = UserChanges {
                display_name: user.display_name.clone(),
                role: user.role(),
                institution_id: user.institution_id,
                network_id: user.network_id,
                disabled: true,
            };
            users::update(conn, &actor, user.id, user.version, &changes)
                .map_err(CliError::from_display)?;
            println!("Disabled {}; any sessions were ended.", user.username);
            Ok(())
        }
        UserCommand::List => {
            let all = users::list(conn, &Reach::All).map_err(CliError::from_display)?;
            println!(
                "{:<24} {:<8} {:<9} {:<30} name",
                "username", "role", "status", "institution"
            );
            for (u, institution) in all {
                println!(
                    "{:<24} {:<8} {:<9} {:<30} {}",
                    u.username,
                    u.role,
                    if u.disabled { "disabled" } else { "active" },
                    institution.as_deref().unwrap_or("(whole network)"),
                    u.display_name
                );
            }
            Ok(())
        }
    }
}
