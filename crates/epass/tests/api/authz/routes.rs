//! The matrix itself: one row per route, saying who may use it.

use super::*;

pub const ROUTES: &[Route] = &[
    // The applicant's pages: registering and applying are the caller's own; any user reads the
    // pass types open to them; the fleet CSV pages take an organisation admin's grant and file
    // for the caller's own organisation, whatever authority the type belongs to.
    route("GET", "/register", Access::Own),
    route("POST", "/register", Access::Own),
    route("GET", "/apply", Access::AnyUser),
    route("GET", "/apply/{id}", Access::AnyUser),
    route("POST", "/apply/{id}", Access::Own),
    route("GET", "/apply/{id}/csv", Access::Roles(&[Role::OrgAdmin])),
    route("POST", "/apply/{id}/csv", Access::Roles(&[Role::OrgAdmin])),
    route(
        "GET",
        "/apply/{id}/template.csv",
        Access::Roles(&[Role::OrgAdmin]),
    ),
    route("POST", "/applications/{id}/resubmit", Access::Own),
    route("GET", "/api/v1/openapi.json", Access::Public),
    route("POST", "/api/v1/auth/code", Access::Public),
    route("POST", "/api/v1/auth/login/code", Access::Public),
    route("POST", "/api/v1/auth/login/password", Access::Public),
    route("POST", "/api/v1/auth/logout", Access::Own),
    route("GET", "/api/v1/me", Access::Own),
    route("PUT", "/api/v1/me/id-number", Access::Own),
    route("GET", "/api/v1/tokens", Access::Own),
    route("POST", "/api/v1/tokens", Access::Own),
    route(
        "DELETE",
        "/api/v1/tokens/{id}",
        Access::Scoped(&[Role::SystemAdmin]),
    ),
    route("GET", "/api/v1/orgs", Access::ScopedList(STAFF_READERS)),
    route("POST", "/api/v1/orgs", Access::Scoped(&[Role::SystemAdmin])),
    route("GET", "/api/v1/orgs/{id}", Access::Scoped(STAFF_READERS)),
    route(
        "GET",
        "/api/v1/users",
        Access::ScopedList(&[Role::SystemAdmin, Role::Supervisor]),
    ),
    route(
        "POST",
        "/api/v1/users",
        Access::Scoped(&[Role::SystemAdmin]),
    ),
    route(
        "POST",
        "/api/v1/users/{id}/roles",
        Access::Scoped(&[Role::SystemAdmin]),
    ),
    route(
        "GET",
        "/api/v1/users/{id}/id-number",
        Access::Scoped(&[Role::AuthorityReviewer, Role::Supervisor, Role::SystemAdmin]),
    ),
    route("GET", "/api/v1/audit", Access::AuthorityWide),
    route("GET", "/api/v1/alerts", Access::AuthorityWide),
    route("GET", "/api/v1/alerts/{id}", Access::AuthorityWide),
    route(
        "POST",
        "/api/v1/alerts/{id}/acknowledge",
        Access::AuthorityWide,
    ),
    route("GET", "/api/v1/statistics", Access::AuthorityWide),
    route(
        "GET",
        "/api/v1/log/tree-heads/latest",
        Access::AuthorityWide,
    ),
    route("GET", "/api/v1/log/tree-heads", Access::AuthorityWide),
    route("POST", "/api/v1/log/tree-heads", Access::AuthorityWide),
    route("GET", "/api/v1/log/proofs/inclusion", Access::AuthorityWide),
    route(
        "GET",
        "/api/v1/log/proofs/consistency",
        Access::AuthorityWide,
    ),
    route("GET", "/api/v1/passes/{id}/trail", Access::AuthorityWide),
    route("GET", "/api/v1/users/{id}/trail", Access::AuthorityWide),
    route("GET", "/api/v1/pass-types", Access::AnyUser),
    route("GET", "/api/v1/pass-types/{id}", Access::AnyUser),
    route(
        "POST",
        "/api/v1/pass-types/{id}/form-check",
        Access::AnyUser,
    ),
    route("POST", "/api/v1/pass-types", Access::AuthorityWide),
    route("PUT", "/api/v1/pass-types/{id}", Access::AuthorityWide),
    route("DELETE", "/api/v1/pass-types/{id}", Access::AuthorityWide),
    route("GET", "/api/v1/holidays", Access::AnyUser),
    route("PUT", "/api/v1/holidays/{date}", Access::AuthorityWide),
    route("DELETE", "/api/v1/holidays/{date}", Access::AuthorityWide),
    route("GET", "/api/v1/bundle", Access::Public),
    route("GET", "/api/v1/trust-anchor", Access::Public),
    route("GET", "/api/v1/zones", Access::Public),
    route("POST", "/api/v1/zones", Access::AuthorityWide),
    route("PUT", "/api/v1/zones/{id}", Access::AuthorityWide),
    route("DELETE", "/api/v1/zones/{id}", Access::AuthorityWide),
    route("POST", "/api/v1/zones/import", Access::AuthorityWide),
    route("GET", "/api/v1/truck-restrictions/lookup", Access::Public),
    route("GET", "/api/v1/truck-restrictions", Access::Public),
    route("POST", "/api/v1/truck-restrictions", Access::AuthorityWide),
    route(
        "GET",
        "/api/v1/truck-restrictions/versions",
        Access::AuthorityWide,
    ),
    route(
        "GET",
        "/api/v1/checkpoints",
        Access::ScopedList(&[
            Role::OrgAdmin,
            Role::Reviewer,
            Role::AuthorityReviewer,
            Role::CheckpointOfficer,
            Role::Supervisor,
            Role::SystemAdmin,
        ]),
    ),
    route(
        "POST",
        "/api/v1/checkpoints",
        Access::Scoped(&[Role::SystemAdmin]),
    ),
    route(
        "DELETE",
        "/api/v1/checkpoints/{id}",
        Access::Scoped(&[Role::SystemAdmin]),
    ),
    // The authority's configuration pages: reading them takes a system admin's or an authority
    // reviewer's grant anywhere in the authority; changing pass types, zones and truck
    // restrictions takes one over its root (none of the A1 callers), as the API.
    route(
        "GET",
        "/config/pass-types",
        Access::Roles(&[Role::SystemAdmin, Role::AuthorityReviewer]),
    ),
    route("POST", "/config/pass-types", Access::AuthorityWide),
    route("GET", "/config/pass-types/new", Access::AuthorityWide),
    route(
        "GET",
        "/config/pass-types/{id}",
        Access::Authority(&[Role::SystemAdmin, Role::AuthorityReviewer]),
    ),
    route("POST", "/config/pass-types/{id}", Access::AuthorityWide),
    route("GET", "/config/pass-types/{id}/edit", Access::AuthorityWide),
    route(
        "POST",
        "/config/pass-types/{id}/retire",
        Access::AuthorityWide,
    ),
    route(
        "GET",
        "/config/zones",
        Access::Roles(&[Role::SystemAdmin, Role::AuthorityReviewer]),
    ),
    route("POST", "/config/zones/import", Access::AuthorityWide),
    route("POST", "/config/zones/{id}/retire", Access::AuthorityWide),
    route(
        "GET",
        "/config/checkpoints",
        Access::Roles(&[Role::SystemAdmin, Role::AuthorityReviewer]),
    ),
    route(
        "POST",
        "/config/checkpoints",
        Access::Scoped(&[Role::SystemAdmin]),
    ),
    route(
        "POST",
        "/config/checkpoints/{id}/retire",
        Access::Scoped(&[Role::SystemAdmin]),
    ),
    route(
        "GET",
        "/config/truck-restrictions",
        Access::Roles(&[Role::SystemAdmin, Role::AuthorityReviewer]),
    ),
    route("POST", "/config/truck-restrictions", Access::AuthorityWide),
    route("POST", "/api/v1/applications", Access::Own),
    route("GET", "/api/v1/applications", Access::Own),
    route("GET", "/api/v1/reviews/queue", Access::Own),
    // Each listed application is decided or skipped with why: see `bulk_review`.
    route("POST", "/api/v1/reviews/bulk", Access::Own),
    // The reviewers' desk, the authority's pass requests and the officer's checkpoint choice:
    // pages over the same actions as the API rows above.
    route("POST", "/reviews/bulk", Access::Own),
    route(
        "GET",
        "/authority/requests",
        Access::Roles(&[Role::AuthorityReviewer]),
    ),
    route(
        "GET",
        "/authority/requests/{id}",
        Access::Scoped(&[Role::AuthorityReviewer]),
    ),
    route(
        "POST",
        "/authority/requests/{id}/decision",
        Access::AuthorityWide,
    ),
    route(
        "POST",
        "/check/checkpoint",
        Access::Scoped(&[Role::CheckpointOfficer]),
    ),
    route(
        "GET",
        "/api/v1/applications/{id}",
        Access::Scoped(&[Role::OrgAdmin, Role::Reviewer]),
    ),
    route(
        "POST",
        "/api/v1/applications/{id}/decisions",
        Access::Scoped(&[Role::OrgAdmin, Role::Reviewer]),
    ),
    // Only the applicant uploads, and none of the callers is the fixture's applicant.
    route(
        "POST",
        "/api/v1/applications/{id}/documents",
        Access::Scoped(&[]),
    ),
    route(
        "GET",
        "/api/v1/applications/{id}/documents",
        Access::Scoped(&[Role::OrgAdmin, Role::Reviewer]),
    ),
    route(
        "GET",
        "/api/v1/documents/{id}",
        Access::Scoped(&[Role::OrgAdmin, Role::Reviewer]),
    ),
    route(
        "GET",
        "/api/v1/applications/{id}/id-card/{side}",
        Access::Scoped(&[Role::OrgAdmin, Role::Reviewer]),
    ),
    route("POST", "/api/v1/applications/{id}/resubmit", Access::Own),
    route(
        "POST",
        "/api/v1/applications/bulk",
        Access::Scoped(&[Role::OrgAdmin]),
    ),
    route(
        "GET",
        "/api/v1/pass-requests",
        Access::ScopedList(STAFF_READERS),
    ),
    route(
        "POST",
        "/api/v1/pass-requests",
        Access::Scoped(&[Role::OrgAdmin]),
    ),
    route(
        "GET",
        "/api/v1/pass-requests/{id}",
        Access::Scoped(STAFF_READERS),
    ),
    route(
        "POST",
        "/api/v1/pass-requests/{id}/decision",
        Access::AuthorityWide,
    ),
    route(
        "POST",
        "/api/v1/pass-requests/{id}/close",
        Access::Scoped(&[Role::OrgAdmin, Role::AuthorityReviewer]),
    ),
    route(
        "GET",
        "/api/v1/pass-requests/{id}/qr",
        Access::Scoped(STAFF_READERS),
    ),
    route("GET", "/api/v1/invitations/{code}", Access::AnyUser),
    route(
        "POST",
        "/api/v1/invitations/{code}/applications",
        Access::Own,
    ),
    route(
        "GET",
        "/api/v1/passes/{id}",
        Access::Scoped(&[Role::OrgAdmin]),
    ),
    route(
        "GET",
        "/api/v1/passes/{id}/qr",
        Access::Scoped(&[Role::OrgAdmin]),
    ),
    route(
        "GET",
        "/api/v1/passes/{id}/pdf",
        Access::Scoped(&[Role::OrgAdmin]),
    ),
    route(
        "POST",
        "/api/v1/passes/{id}/status",
        Access::Scoped(&[Role::OrgAdmin]),
    ),
    route(
        "POST",
        "/api/v1/passes/{id}/extend",
        Access::Scoped(&[Role::OrgAdmin]),
    ),
    route("POST", "/api/v1/passes/extend", Access::AuthorityWide),
    route(
        "POST",
        "/api/v1/checks",
        Access::Roles(&[Role::CheckpointOfficer]),
    ),
    route(
        "POST",
        "/api/v1/checks/batch",
        Access::Roles(&[Role::CheckpointOfficer]),
    ),
    route("POST", "/api/v1/verify", Access::AnyUser),
    route("POST", "/api/v1/licences", Access::Own),
    route("GET", "/api/v1/licences", Access::Own),
    // The holder's own licence (the licensing office reads it too: tests/api/licences.rs).
    route("GET", "/api/v1/licences/{number}", Access::Own),
    route("GET", "/api/v1/licences/issues/{id}/photo", Access::Own),
    // A clerk of the target's licensing office (its authority), none of the A1 callers.
    route("POST", "/api/v1/licences/counter", Access::AuthorityWide),
    // The registry serves the whole authority: its root system administrators only.
    route(
        "PUT",
        "/api/v1/licences/registry-photos/{number}",
        Access::AuthorityWide,
    ),
    route(
        "POST",
        "/api/v1/licences/sync",
        Access::Roles(&[Role::AuthorityReviewer, Role::SystemAdmin]),
    ),
    route("POST", "/api/v1/licences/{number}/consents", Access::Own),
    route("GET", "/api/v1/consents", Access::Own),
    route("DELETE", "/api/v1/consents/{id}", Access::Own),
    // Whoever holds the code's relying-party role over its organisation; the code decides
    // (other party, used, expired, withdrawn: tests/api/licences.rs).
    route("POST", "/api/v1/consents/view", Access::Own),
    route("GET", "/licences", Access::Own),
    route("POST", "/licences", Access::Own),
    // The licensing office's counter: authority reviewers (clerks) anywhere in it.
    route(
        "GET",
        "/licences/counter",
        Access::Roles(&[Role::AuthorityReviewer]),
    ),
    // Issuing takes a clerk of the licence type's authority (none of the A1 callers).
    route("POST", "/licences/counter", Access::AuthorityWide),
    route("GET", "/licences/issues/{id}/photo", Access::Own),
    route("POST", "/licences/consents/{id}/withdraw", Access::Own),
    // The holder's own licence pages (tests/api/licence_pages.rs).
    route("GET", "/licences/{number}", Access::Own),
    route("GET", "/licences/{number}/pdf", Access::Own),
    route("GET", "/licences/{number}/consent", Access::Own),
    route("POST", "/licences/{number}/consent", Access::Own),
    route(
        "GET",
        "/relying-party",
        Access::Roles(&[Role::RelyingParty]),
    ),
    // The code decides (tests/api/licence_pages.rs), as `POST /api/v1/consents/view`.
    route("POST", "/relying-party/view", Access::Own),
    route(
        "POST",
        "/relying-party/verify",
        Access::Roles(&[Role::RelyingParty]),
    ),
    route(
        "GET",
        "/admin/users",
        Access::ScopedList(&[Role::SystemAdmin]),
    ),
    route("POST", "/admin/users", Access::Scoped(&[Role::SystemAdmin])),
    route(
        "GET",
        "/admin/users/{id}",
        Access::Scoped(&[Role::SystemAdmin]),
    ),
    route(
        "POST",
        "/admin/users/{id}/roles",
        Access::Scoped(&[Role::SystemAdmin]),
    ),
    route(
        "GET",
        "/admin/orgs",
        Access::ScopedList(&[Role::SystemAdmin]),
    ),
    route("POST", "/admin/orgs", Access::Scoped(&[Role::SystemAdmin])),
    // Keys belong to an authority: its root system administrators only.
    route("GET", "/admin/keys", Access::AuthorityWide),
    route("GET", "/admin/keys/rotate", Access::AuthorityWide),
    route("POST", "/admin/keys/rotate", Access::AuthorityWide),
    route("GET", "/admin/keys/{kid}/withdraw", Access::AuthorityWide),
    route("POST", "/admin/keys/{kid}/withdraw", Access::AuthorityWide),
    // The registries serve every authority: root system administrators only.
    route("GET", "/admin/registry-imports", Access::AuthorityWide),
    route("POST", "/admin/registry-imports", Access::AuthorityWide),
    route("GET", "/admin/registry-imports/{id}", Access::AuthorityWide),
];
