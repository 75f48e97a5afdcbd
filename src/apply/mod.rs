//! Apply: server-side apply of desired objects in dependency order (field manager `converge`).
