//! Batches: signing and verifying many documents at the speed of the hardware.
//!
//! - `inputs`: files, directories and manifests, streamed, optionally one shard of them;
//! - `verify`: verification on a thread pool sharing one [`Validator`](crate::validate::Validator)
//!   and its caches, results streamed as files finish;
//! - `sign`: signing into an output directory with one unlocked signer; atomic outputs,
//!   verified before they are reported, resumable;
//! - `jsonl`: the per-file records (the CLI writes them as JSON Lines or CSV);
//! - `summary`: counts by verdict and reason, and merging shard reports.
//!
//! The library decides nothing about output: the CLI chooses where records go, and whether
//! a progress bar is drawn.

internal_mod! {
    inputs;
    jsonl;
    sign;
    summary;
    verify;
}

pub use inputs::{InputError, InputIter, InputSpec, Inputs, Item, Shard};
pub use jsonl::{for_each_line, sub_indication_str, SignRecord, VerifyRecord};
pub use sign::{sign_batch, sign_batch_with, SignBatchOptions, SignFn};
pub use summary::{merge, Summary};
pub use verify::{effective_jobs, verify_batch, VerifyBatchOptions};
