//! # kyso — sign and verify PDF documents with PKI certificates
//!
//! kyso ("ký số": to sign digitally) signs PDFs as PAdES baseline signatures by incremental
//! update and validates signed PDFs: integrity, cryptography, certificate chain at the right
//! time, what changed after each signature. See the README for the command-line tool.
//!
//! Data flows one way: bytes → [`pdf`] structure → signatures ([`cms`]) → validation facts
//! ([`validate`]) → [`report`].

#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod appearance;
pub mod cms;
pub mod crypto;
pub mod der;
pub mod diff;
pub mod form;
pub mod inspect;
pub mod io;
pub mod pdf;
pub mod pki;
pub mod report;
pub mod sign;
pub mod testkit;
pub mod time;
pub mod validate;
