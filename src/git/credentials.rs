//! Git credentials, from the environment or from files only: never from command-line
//! arguments, and never printed (`Debug` shows only which kinds are set).

use std::fmt;
use std::path::PathBuf;

use super::error::GitError;

/// A token for HTTPS remotes, read from `CONVERGE_GIT_TOKEN` or the file named by
/// `CONVERGE_GIT_TOKEN_FILE`; an SSH private key file from `CONVERGE_GIT_SSH_KEY_FILE`
/// (with an optional passphrase file in `CONVERGE_GIT_SSH_PASSPHRASE_FILE`). The HTTPS user
/// name is `CONVERGE_GIT_USERNAME`, default `x-access-token`.
#[derive(Clone, Default)]
pub struct Credentials {
    pub username: Option<String>,
    token: Option<String>,
    pub ssh_key_file: Option<PathBuf>,
    ssh_passphrase: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("ssh_key_file", &self.ssh_key_file)
            .field(
                "ssh_passphrase",
                &self.ssh_passphrase.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl Credentials {
    /// No credentials (anonymous remotes such as `git://` or `file://`).
    pub fn none() -> Credentials {
        Credentials::default()
    }

    /// A token credential (for library callers that hold one already).
    pub fn with_token(username: Option<String>, token: String) -> Credentials {
        Credentials {
            username,
            token: Some(token),
            ..Credentials::default()
        }
    }

    /// Reads the credentials from the process environment (and the files it names).
    pub fn from_env() -> Result<Credentials, GitError> {
        Credentials::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads the credentials through `lookup` (the environment, in production).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Credentials, GitError> {
        let nonempty = |key: &str| lookup(key).filter(|v| !v.trim().is_empty());
        let token = match (
            nonempty("CONVERGE_GIT_TOKEN"),
            nonempty("CONVERGE_GIT_TOKEN_FILE"),
        ) {
            (Some(_), Some(_)) => {
                return Err(GitError::Credentials {
                    message: "set CONVERGE_GIT_TOKEN or CONVERGE_GIT_TOKEN_FILE, not both".into(),
                });
            }
            (Some(token), None) => Some(token.trim().to_string()),
            (None, Some(file)) => Some(read_secret_file(&file, "CONVERGE_GIT_TOKEN_FILE")?),
            (None, None) => None,
        };
        let ssh_key_file = nonempty("CONVERGE_GIT_SSH_KEY_FILE").map(PathBuf::from);
        if let Some(key) = &ssh_key_file
            && !key.is_file()
        {
            return Err(GitError::Credentials {
                message: format!(
                    "CONVERGE_GIT_SSH_KEY_FILE: {} is not a readable file",
                    key.display()
                ),
            });
        }
        let ssh_passphrase = nonempty("CONVERGE_GIT_SSH_PASSPHRASE_FILE")
            .map(|file| read_secret_file(&file, "CONVERGE_GIT_SSH_PASSPHRASE_FILE"))
            .transpose()?;
        Ok(Credentials {
            username: nonempty("CONVERGE_GIT_USERNAME"),
            token,
            ssh_key_file,
            ssh_passphrase,
        })
    }

    /// libgit2's credential callback for these credentials. It gives up after a few
    /// attempts, so a rejected credential fails instead of looping.
    pub(crate) fn callback(
        &self,
    ) -> impl FnMut(&str, Option<&str>, git2::CredentialType) -> Result<git2::Cred, git2::Error> + '_
    {
        let mut attempts = 0;
        move |_url, username_from_url, allowed| {
            attempts += 1;
            if attempts > 3 {
                return Err(git2::Error::from_str("the remote rejected the credentials"));
            }
            let user = username_from_url.unwrap_or("git");
            if allowed.contains(git2::CredentialType::SSH_KEY)
                && let Some(key) = &self.ssh_key_file
            {
                return git2::Cred::ssh_key(user, None, key, self.ssh_passphrase.as_deref());
            }
            if allowed.contains(git2::CredentialType::USER_PASS_PLAINTEXT)
                && let Some(token) = &self.token
            {
                let name = self
                    .username
                    .as_deref()
                    .or(username_from_url)
                    .unwrap_or("x-access-token");
                return git2::Cred::userpass_plaintext(name, token);
            }
            if allowed.contains(git2::CredentialType::USERNAME) {
                return git2::Cred::username(user);
            }
            Err(git2::Error::from_str(
                "the remote asks for credentials: set CONVERGE_GIT_TOKEN(_FILE) or CONVERGE_GIT_SSH_KEY_FILE",
            ))
        }
    }
}

fn read_secret_file(path: &str, variable: &str) -> Result<String, GitError> {
    let text = std::fs::read_to_string(path).map_err(|e| GitError::Credentials {
        // The path is named, never the content.
        message: format!("{variable}: cannot read {path}: {e}"),
    })?;
    let text = text.trim().to_string();
    if text.is_empty() {
        return Err(GitError::Credentials {
            message: format!("{variable}: {path} is empty"),
        });
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_token_from_file_and_never_shows_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("token");
        std::fs::write(&file, "s3cr3t-token\n").expect("write");
        let path = file.to_string_lossy().into_owned();
        let creds =
            Credentials::from_lookup(|k| (k == "CONVERGE_GIT_TOKEN_FILE").then(|| path.clone()))
                .expect("creds");
        assert_eq!(creds.token.as_deref(), Some("s3cr3t-token"));
        let shown = format!("{creds:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        let both = Credentials::from_lookup(|k| match k {
            "CONVERGE_GIT_TOKEN" => Some("a".into()),
            "CONVERGE_GIT_TOKEN_FILE" => Some(path.clone()),
            _ => None,
        });
        assert!(both.is_err());
        let missing = Credentials::from_lookup(|k| {
            (k == "CONVERGE_GIT_TOKEN_FILE").then(|| "/nonexistent/token".to_string())
        })
        .expect_err("missing file");
        assert!(missing.to_string().contains("/nonexistent/token"));
    }
}
