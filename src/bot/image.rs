//! Image settings as a kustomization's `images:` entry holds them (newName, newTag, digest),
//! and the changes the bot is asked to make to them.

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

/// What one `images:` entry sets, beside its `name`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageSetting {
    pub new_name: Option<String>,
    pub new_tag: Option<String>,
    pub digest: Option<String>,
}

impl fmt::Display for ImageSetting {
    /// `[newName:]tag[@digest]`, or `(unset)` when the entry changes nothing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut wrote = false;
        if let Some(name) = &self.new_name {
            write!(f, "{name}")?;
            wrote = true;
        }
        if let Some(tag) = &self.new_tag {
            write!(f, "{}{tag}", if wrote { ":" } else { "" })?;
            wrote = true;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
            wrote = true;
        }
        if !wrote {
            write!(f, "(unset)")?;
        }
        Ok(())
    }
}

/// A requested change to one image: set its tag, its digest, or both. A field left `None`
/// is removed from the entry (a tag bump drops a stale digest pin; a digest-only bump
/// drops the tag), and the entry's `newName` is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageChange {
    /// The image name as the environment lists it.
    pub name: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageChange {
    /// Parses `NAME=TAG`, `NAME@sha256:…` or `NAME=TAG@sha256:…`.
    pub fn parse(text: &str) -> Result<ImageChange, String> {
        let (name, tag, digest) = match text.split_once('=') {
            Some((name, value)) => match value.split_once('@') {
                Some((tag, digest)) => (name, Some(tag), Some(digest)),
                None => (name, Some(value), None),
            },
            None => match text.split_once('@') {
                Some((name, digest)) => (name, None, Some(digest)),
                None => {
                    return Err(format!(
                        "{text:?}: expected NAME=TAG, NAME@DIGEST or NAME=TAG@DIGEST"
                    ));
                }
            },
        };
        validate_name(name)?;
        if let Some(tag) = tag {
            validate_tag(tag)?;
        }
        if let Some(digest) = digest {
            validate_digest(digest)?;
        }
        Ok(ImageChange {
            name: name.to_string(),
            tag: tag.map(str::to_string),
            digest: digest.map(str::to_string),
        })
    }

    /// The entry after this change, given what it holds now.
    pub fn apply_to(&self, current: &ImageSetting) -> ImageSetting {
        ImageSetting {
            new_name: current.new_name.clone(),
            new_tag: self.tag.clone(),
            digest: self.digest.clone(),
        }
    }
}

static NAME: LazyLock<Regex> = LazyLock::new(|| {
    // Safe: a constant pattern.
    Regex::new(r"^[a-z0-9]([a-z0-9._:/-]*[a-z0-9])?$").unwrap_or_else(|_| unreachable!())
});
static TAG: LazyLock<Regex> = LazyLock::new(|| {
    // The OCI distribution spec's tag grammar.
    Regex::new(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$").unwrap_or_else(|_| unreachable!())
});
static DIGEST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$").unwrap_or_else(|_| unreachable!())
});

/// An image repository name (`registry.example.com/ml/api`, `127.0.0.1:5000/x`).
pub fn validate_name(name: &str) -> Result<(), String> {
    if NAME.is_match(name) {
        Ok(())
    } else {
        Err(format!("{name:?} is not an image name"))
    }
}

/// A tag as registries accept it.
pub fn validate_tag(tag: &str) -> Result<(), String> {
    if TAG.is_match(tag) {
        Ok(())
    } else {
        Err(format!(
            "{tag:?} is not a valid tag (letters, digits, `_`, `.`, `-`; at most 128)"
        ))
    }
}

/// A content digest (`sha256:` and 64 hex digits, or `sha512:` and 128).
pub fn validate_digest(digest: &str) -> Result<(), String> {
    if DIGEST.is_match(digest) {
        Ok(())
    } else {
        Err(format!(
            "{digest:?} is not a digest (sha256: and 64 lowercase hex digits)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn parses_the_three_forms() {
        let c = ImageChange::parse("registry.example.com/ml/api=1.5.0").expect("tag");
        assert_eq!(c.tag.as_deref(), Some("1.5.0"));
        assert_eq!(c.digest, None);
        let c = ImageChange::parse(&format!("registry.example.com/ml/api@{D}")).expect("digest");
        assert_eq!((c.tag, c.digest.as_deref()), (None, Some(D)));
        let c = ImageChange::parse(&format!("127.0.0.1:5000/ml/api=1.5.0@{D}")).expect("both");
        assert_eq!(c.name, "127.0.0.1:5000/ml/api");
        assert_eq!(c.tag.as_deref(), Some("1.5.0"));
    }

    #[test]
    fn rejects_bad_values() {
        assert!(ImageChange::parse("api").is_err());
        assert!(ImageChange::parse("api=").is_err());
        assert!(ImageChange::parse("api=1.0 ").is_err());
        assert!(ImageChange::parse("api=a:b").is_err());
        assert!(ImageChange::parse("api@sha256:abc").is_err());
        assert!(ImageChange::parse("API=1.0").is_err());
    }

    #[test]
    fn displays_settings() {
        let s = ImageSetting {
            new_name: Some("r/x".into()),
            new_tag: Some("1".into()),
            digest: None,
        };
        assert_eq!(s.to_string(), "r/x:1");
        assert_eq!(ImageSetting::default().to_string(), "(unset)");
    }
}
