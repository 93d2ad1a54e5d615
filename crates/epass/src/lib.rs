//! epass service library: domain, actions, store, web, CLI.
