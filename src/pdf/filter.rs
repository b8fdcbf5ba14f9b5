//! Stream filters: FlateDecode with PNG and TIFF predictors (what xref and object streams
//! use), with a hard cap on output size so a decompression bomb cannot exhaust memory.

use super::{Dict, Result};

/// Default cap on a decoded stream (64 MiB).
pub const MAX_DECODED: usize = 64 << 20;

/// Decodes `data` according to the stream dictionary's `/Filter` and `/DecodeParms`
/// (FlateDecode with predictors; no filter = identity; other filters → `Unsupported`),
/// producing at most `limit` bytes (`LimitExceeded` beyond).
pub fn decode(dict: &Dict, data: &[u8], limit: usize) -> Result<Vec<u8>> {
    todo!("{dict:?} {} {limit}", data.len())
}

/// Compresses with zlib (for streams we write: xref streams, appearance streams).
pub fn flate_encode(data: &[u8]) -> Vec<u8> {
    todo!("{}", data.len())
}
