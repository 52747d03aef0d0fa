//! The fixed values every portal the tests start is given, in process or as a process (`pg.rs`).

/// The pinned time of every portal test: 2026-12-01T00:00:00Z, inside the fixture certificates' validity
/// (2026-11-27 – 2031-11-26) and the CRL's, so the tests pass whatever today's date is.
pub const TEST_NOW: i64 = 1_796_083_200;
pub const TEST_NOW_UTC: &str = "2026-12-01T00:00:00Z";

/// The city staff's token in the tests.
pub const OFFICE_TOKEN: &str = "test-office-token-0123456789abcdef";
