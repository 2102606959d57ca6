//! The helpers' old name, for tests/sweep.rs and tests/check_cli.rs, which
//! still say `mod common;` (tests/tests.rs loads them by `#[path]` so that
//! it resolves here): the same functions as `crate::util`, not copies.
//! Remove once both files `use crate::util::...` instead.

// Each of the two files loads its own copy of this module and uses part of it.
#[allow(unused_imports)]
pub use crate::util::{bin, temp_dir};
