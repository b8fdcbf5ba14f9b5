//! # kyso — sign and verify PDF documents with PKI certificates
//!
//! kyso ("ký số": to sign digitally) signs PDFs as PAdES baseline signatures by incremental
//! update and validates signed PDFs: integrity, cryptography, certificate chain at the right
//! time, what changed after each signature. See the README for the command-line tool.
//!
//! Data flows one way: bytes → [`pdf`] structure → signatures ([`cms`]) → validation facts
//! ([`validate`]) → [`report`].

//!
//! The README follows; its library example is compiled as a doctest.
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![forbid(unsafe_code)]

pub mod appearance;
pub mod batch;
pub mod cms;
pub mod crypto;
pub mod der;
pub mod diff;
pub mod dss;
pub mod form;
pub mod inspect;
pub mod io;
pub mod mdp;
pub mod net;
pub mod pdf;
pub mod pki;
pub mod policy;
pub mod report;
pub mod revocation;
pub mod sign;
pub mod testkit;
pub mod time;
pub mod tsp;
pub mod validate;
